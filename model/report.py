"""A report people can read: python -m model report FILE.txt [FILE2 ...] -o report.html.

One self-contained HTML file (inline CSS and SVG: no network, no CDN, no script): each
sentence coloured by its label with its confidence, speaker and target marked, a legend, the
who-accuses-whom table (model.actors.profile) and, for several documents, a chart of acts per
actor (matplotlib, written as inline SVG).
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

from data import ACT_LABELS, LABELS

COLOURS = {"allegation": "#e45756", "denial": "#4c78a8", "threat": "#f58518", "mediation_call": "#54a24b",
           "factual_report": "#d9d9d9", "abstain": "#b279a2", "skipped": "#ffffff"}
"""One colour per label: the sentence background (at 35% strength), the legend and the chart."""

STYLE = """
body { font: 15px/1.6 Georgia, serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1, h2, h3, table, .legend { font-family: Helvetica, Arial, sans-serif; }
.sentence { border-radius: 3px; padding: 1px 2px; }
.sentence .score { font: 10px Helvetica, Arial, sans-serif; color: #555; vertical-align: super; }
mark.speaker { background: none; border-bottom: 3px solid #222; font-weight: bold; }
mark.target { background: none; border-bottom: 3px dotted #222; font-style: italic; }
.legend span { display: inline-block; margin: 0 1rem 0.3rem 0; }
.legend i { display: inline-block; width: 1em; height: 1em; vertical-align: -0.15em; margin-right: 0.3em; border: 1px solid #999; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 13px; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
.skipped { color: #999; }
"""


def _tint(colour: str, strength: float = 0.35) -> str:
    """`colour` mixed with white, as a solid colour (so that screenshots show exactly it)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * strength) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def sentence_html(text: str, result, offset: int) -> str:
    """One sentence as a coloured span, its speaker and target marked where they lie inside it."""
    label = result.label
    marks = []
    for role in ("speaker", "target"):
        span = getattr(result, role, None)
        if span is not None and result.start <= span.start and span.end <= result.end:
            marks.append((span.start - offset, span.end - offset, role))
    pieces, cursor = [], 0
    for start, end, role in sorted(marks):
        if start < cursor:
            continue  # overlapping spans: keep the first
        pieces += [html.escape(text[cursor:start]), f'<mark class="{role}">{html.escape(text[start:end])}</mark>']
        cursor = end
    pieces.append(html.escape(text[cursor:]))
    if label == "skipped":
        return f'<span class="sentence skipped" data-label="skipped" title="skipped: {html.escape(result.skipped or "")}">{"".join(pieces)}</span>'
    who = ""
    if getattr(result, "speaker_actor", None):
        who = f"; {result.speaker_actor} -> {result.target_actor or '?'}"
    title = html.escape(f"{label} {result.score:.2f}{who}")
    return (f'<span class="sentence label-{label}" data-label="{label}" data-score="{result.score:.4f}" '
            f'style="background:{_tint(COLOURS[label])}" title="{title}">{"".join(pieces)}'
            f'<span class="score">{label.replace("_", " ")} {result.score:.2f}</span></span>')


def document_html(name: str, text: str, results) -> str:
    paragraphs, current, previous_end = [], [], 0
    for r in results:
        if "\n\n" in text[previous_end:r.start] and current:
            paragraphs.append(current)
            current = []
        current.append(sentence_html(r.text, r, r.start))
        previous_end = r.end
    if current:
        paragraphs.append(current)
    body = "\n".join(f"<p>{' '.join(p)}</p>" for p in paragraphs)
    return f'<section class="document"><h2>{html.escape(name)}</h2>\n{body}\n</section>'


def legend_html() -> str:
    items = "".join(f'<span><i style="background:{_tint(COLOURS[label])}"></i>{label}</span>' for label in LABELS)
    return (f'<div class="legend">{items}<span><mark class="speaker">speaker</mark></span>'
            f'<span><mark class="target">target</mark></span></div>')


def edges_html(summary: dict) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(e['source'])}</td><td>{e['label']}</td><td>{html.escape(e['target'] or '-')}</td>"
        f"<td>{e['count']}</td><td>{html.escape(_shorten(e['evidence'][0]['text']))}</td></tr>"
        for e in summary["edges"])
    if not rows:
        return "<p>No act with a speaker was found.</p>"
    return ('<table class="edges"><tr><th>who</th><th>does</th><th>to whom</th><th>sentences</th>'
            f"<th>for example</th></tr>{rows}</table>")


def chart_svg(summary: dict, top: int = 12) -> str:
    """Acts per speaking actor as a stacked horizontal bar chart, inline SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    actors = list(summary["actors"])[:top][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(actors) + 1.2))
    left = [0] * len(actors)
    for label in ACT_LABELS:
        counts = [summary["actors"][a].get(label, 0) for a in actors]
        ax.barh(actors, counts, left=left, color=COLOURS[label], label=label)
        left = [x + c for x, c in zip(left, counts)]
    ax.set_xlabel("sentences")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    # the RDF block names namespaces by URL (never fetched); dropped so the page holds no address at all
    return re.sub(r"<metadata>.*?</metadata>", "", svg[svg.index("<svg"):], flags=re.DOTALL)


def render(documents: list[tuple[str, str, list]]) -> str:
    """The whole HTML page for (name, text, classify_document results) of each document."""
    from model.actors import profile

    everything = [r for _, _, results in documents for r in results]
    summary = profile(everything)
    counts = {label: sum(r.label == label for r in everything) for label in LABELS}
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>stanceframe report</title>", f"<style>{STYLE}</style></head><body>",
             "<h1>stanceframe report</h1>",
             f"<p>{len(documents)} document(s), {sum(counts.values())} labelled sentences: "
             + ", ".join(f"{counts[label]} {label}" for label in LABELS) + ".</p>",
             legend_html(), "<h2>Who does what to whom</h2>", edges_html(summary)]
    if len(documents) > 1 and summary["actors"]:
        parts += ["<h2>Acts per actor</h2>", f'<figure class="chart">{chart_svg(summary)}</figure>']
    parts += [document_html(name, text, results) for name, text, results in documents]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(paths: list[Path], out: Path, model=None) -> Path:
    """Label each file with classify_document and write the report to `out` (atomically)."""
    from data.files import atomic_output
    from model.api import classify_document, resolve_model

    classifier = resolve_model(model, None)
    documents = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        documents.append((Path(path).name, text, classify_document(text, model=classifier)))
    with atomic_output(out, refuse=tuple(paths)) as handle:
        handle.write(render(documents))
    return out


def _shorten(text: str, limit: int = 160) -> str:
    """`text` cut at a word before `limit` characters, with an ellipsis when cut.

    Example:
        >>> _shorten("Baku accused Yerevan of shelling the town.", 20)
        'Baku accused Yerevan…'
    """
    if len(text) <= limit:
        return text
    return text[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"  # a word ending at the limit stays
