"""Scores as data (Report), rendered separately to the terminal, Markdown, JSON and a PNG."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from data import LABELS, label2id
from model.scoring import score_ids

@dataclass(frozen=True)
class Report:
    """Per-class precision/recall/F1/support in LABELS order, macro and micro F1, confusion matrix.

    Example:
        >>> r = score("tiny", ["threat", "denial"], ["threat", "threat"])
        >>> round(r.micro_f1, 2)
        0.5
    """

    name: str
    precision: list[float]
    recall: list[float]
    f1: list[float]
    support: list[int]
    macro_f1: float
    micro_f1: float
    accuracy: float
    confusion_matrix: list[list[int]]
    extra: dict = field(default_factory=dict)
    """Anything else a row carries: intervals, timings, seeds."""

    @property
    def per_class(self) -> dict[str, dict[str, float]]:
        return {
            label: {"precision": p, "recall": r, "f1": f, "support": s}
            for label, p, r, f, s in zip(LABELS, self.precision, self.recall, self.f1, self.support)
        }

    def to_dict(self) -> dict:
        return {"labels": list(LABELS), **asdict(self)}


def score(name: str, gold: list[str], predicted: list[str], **extra) -> Report:
    """Score predicted labels against gold ones through the project's `evaluate` metric (model.scoring)."""
    result = score_ids([label2id[g] for g in gold], [label2id[p] for p in predicted])
    return Report(name=name, extra=extra, **result)


def bootstrap_intervals(gold: list[str], predicted: list[str], groups=None, resamples: int = 1000, seed: int = 0) -> dict:
    """95% percentile intervals of macro-F1 ("macro") and of each label's F1 ("per_class", in
    LABELS order), from one set of resamples of whole groups (documents, stories) when given.

    Example:
        >>> bootstrap_intervals(["threat", "denial"] * 5, ["threat", "denial"] * 5, resamples=20)["macro"]
        (1.0, 1.0)
    """
    result = score_ids([label2id[g] for g in gold], [label2id[p] for p in predicted],
                       resamples=resamples, groups=list(groups) if groups is not None else None, seed=seed)
    return {"macro": tuple(result["macro_f1_interval"]), "per_class": [tuple(i) for i in result["f1_intervals"]]}


def to_terminal(reports: list[Report], title: str = "") -> str:
    """Per-class table of the first report, then one summary line per report."""
    lines = [title] if title else []
    first = reports[0]
    lines.append(f"{first.name}:")
    lines.append(f"  {'label':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for label, row in first.per_class.items():
        lines.append(f"  {label:<16}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}{row['support']:>9}")
    lines.append(f"  {'macro F1':<16}{first.macro_f1:>30.3f}")
    lines.append(f"  {'micro F1':<16}{first.micro_f1:>30.3f}")
    lines.append("")
    lines.append(f"  {'model':<28}{'macro F1':>10}{'micro F1':>10}" + "".join(f"{label[:10]:>11}" for label in LABELS))
    for r in reports:
        lines.append(f"  {r.name:<28}{r.macro_f1:>10.3f}{r.micro_f1:>10.3f}" + "".join(f"{f:>11.3f}" for f in r.f1))
    return "\n".join(lines)


def to_markdown(reports: list[Report], title: str = "Evaluation") -> str:
    """A Markdown section: per-class tables for each report and a side-by-side summary."""
    out = [f"## {title}", "", "| model | macro F1 | micro F1 | " + " | ".join(f"F1 {label}" for label in LABELS) + " |"]
    out.append("|---" * (3 + len(LABELS)) + "|")
    for r in reports:
        out.append(f"| {r.name} | {r.macro_f1:.3f} | {r.micro_f1:.3f} | " + " | ".join(f"{f:.3f}" for f in r.f1) + " |")
    for r in reports:
        out += ["", f"### {r.name}", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for label, row in r.per_class.items():
            out.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
        out += ["", "Confusion matrix (rows gold, columns predicted):", "", "| gold \\ predicted | " + " | ".join(LABELS) + " |"]
        out.append("|---" * (1 + len(LABELS)) + "|")
        for label, row in zip(LABELS, r.confusion_matrix):
            out.append(f"| {label} | " + " | ".join(str(n) for n in row) + " |")
    return "\n".join(out) + "\n"


def plot_confusion(report: Report, path: str | Path) -> Path:
    """Save the confusion matrix as a PNG, counts in the cells, rows normalised for colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    counts = np.array(report.confusion_matrix)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (i, j), n in np.ndenumerate(counts):
        ax.text(j, i, str(n), ha="center", va="center", color="white" if shares[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(LABELS)), LABELS, rotation=30, ha="right")
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"{report.name}: macro F1 {report.macro_f1:.3f}")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_all(reports: list[Report], out_dir: str | Path, title: str) -> list[Path]:
    """Write report.json, report.md and the first report's confusion matrix PNG to `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "report.json", out_dir / "report.md"
    json_path.write_text(json.dumps({"title": title, "reports": [r.to_dict() for r in reports]}, indent=2) + "\n")
    md_path.write_text(to_markdown(reports, title))
    return [json_path, md_path, plot_confusion(reports[0], out_dir / "confusion_matrix.png")]
