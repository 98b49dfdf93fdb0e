"""Speaker and target spans, measured: python -m eval spans [--model DIR] [--split test] [--out runs/spans].

On the act sentences of a corpus split (gold label allegation, denial, threat or
mediation_call), the model's span tagger against the annotated speaker and target, beside a rule
baseline (attribution verbs and the noun phrase before or after them): exact-match and
token-overlap precision, recall and F1 per role; how often the named actor (model.actors) is
right; and, at document level, how often an act whose speaker is only in the sentence before
gets it from there. The tagger is read on every gold act sentence, whatever label the model
gives it, so the figures measure the spans alone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from data import ACT_LABELS, SPLIT_SEED, gold_labels, load_corpus
from data.corpus import PACKAGE_DIR, SEEDS_DIR
from model.spans import in_sentence, span_scores, words as _tokens  # noqa: F401 (eval.spans.span_scores stays importable)

SECOND_TARGETS = PACKAGE_DIR / "agreement" / "targets" / "second.jsonl"
"""A second, blind annotation of the targets of 300 test-split acts (its README says how it was made)."""
ATTRIBUTION = (r"said|says|told|added|stated|announced|accused|accuses|denied|denies|rejected|rejects|dismissed|"
               r"warned|warns|threatened|threatens|vowed|vows|urged|urges|called|calls|demanded|demands|insisted|"
               r"claimed|claims|alleged|alleges|blamed|blames|condemned|condemns|appealed|pledged|offered|offers|"
               r"proposed|insists|charged|charges|appealed|invited")
_NP = r"(?:the |a |an |The |A |An )?[A-Z][\w'’.&-]*(?:\s+(?:of |for |and |the |in )?[\w'’.&-]+){0,7}?"
SPEAKER_AFTER = re.compile(rf"[,“”\"]\s*(?P<np>(?:the |a |an )?[\w'’.&-]+(?:\s+[\w'’.&-]+){{0,7}}?)\s+(?:{ATTRIBUTION})\b[^,]*$")
SPEAKER_BEFORE = re.compile(rf"^(?P<np>{_NP})\s+(?:has |have |had |also |again |later |on \w+ )?(?:{ATTRIBUTION})\b")
TARGET = re.compile(r"\b(?:accused|accuses|blamed|blames|warned|warns|urged|urges|condemned|condemns|denounced|"
                    r"threatened|charged|called on)\s+(?P<np>(?:the |a |an )?[\w'’.&-]+(?:\s+(?!of\b|to\b|that\b|for\b|over\b)"
                    r"[A-Z\w'’.&-][\w'’.&-]*){0,5})")


def rule_spans(text: str) -> dict[str, tuple[int, int] | None]:
    """The rule baseline: speaker = the noun phrase before an attribution verb at the start, or
    after one at the end ("..., the ministry said."); target = the object of accuse / blame /
    warn / urge / condemn / threaten.

    Example:
        >>> text = "Baku accused Yerevan of shelling the town."
        >>> {k: text[s:e] for k, (s, e) in rule_spans(text).items()}
        {'speaker': 'Baku', 'target': 'Yerevan'}
    """
    found = {}
    for pattern in (SPEAKER_AFTER, SPEAKER_BEFORE):
        match = pattern.search(text)
        if match:
            found["speaker"] = match.span("np")
            break
    match = TARGET.search(text)
    if match:
        found["target"] = match.span("np")
    return {"speaker": found.get("speaker"), "target": found.get("target")}


def measure(model_dir=None, split: str = "test") -> dict:
    from model import actor, classify_document, load_classifier

    classifier = load_classifier(model_dir)
    if not classifier.has_spans:
        raise ValueError(f"the checkpoint {model_dir or 'shipped'} has no span head: train one with --spans true")
    data = load_corpus(seed=SPLIT_SEED)[split]
    columns = {"doc_id": list(data["doc_id"]), "text": list(data["text"]), "label": gold_labels(data),
               "speaker": list(data["speaker"]), "target": list(data["target"])}  # read once: a column access copies it
    acts = [i for i, label in enumerate(columns["label"]) if label in ACT_LABELS]
    texts = [columns["text"][i] for i in acts]
    labels = [columns["label"][i] for i in acts]
    gold = {role: [columns[role][i] for i in acts] for role in ("speaker", "target")}
    _, spans = classifier.logits_and_spans(texts, every_sentence=True)
    rules = [rule_spans(t) for t in texts]
    result = {"split": split, "act_sentences": len(texts), "systems": {}, "per_label": {}}
    result_found = {}
    for system, found in (("model", [{r: (s[r].text if s[r] else None) for r in s} for s in spans]),
                          ("rules", [{r: (t[s[r][0]:s[r][1]] if s[r] else None) for r in s} for t, s in zip(texts, rules)])):
        result_found[system] = found
        scores = {}
        for role in ("speaker", "target"):
            # gold spans that lie in the sentence (a speaker only in the sentence before is scored below)
            pairs = [(f[role], in_sentence(g, t)) for f, g, t in zip(found, gold[role], texts)]
            scores[role] = span_scores(pairs)
            named = [(actor(f[role]), actor(g)) for f, g, t in zip(found, gold[role], texts) if in_sentence(g, t) and f[role]]
            scores[role]["actor_agreement"] = round(sum(a == b for a, b in named) / max(len(named), 1), 4)
        result["systems"][system] = scores
        result["per_label"][system] = {
            label: {role: span_scores([(f[role], in_sentence(g, t))
                                       for f, g, t, lab in zip(found, gold[role], texts, labels) if lab == label])
                    for role in ("speaker", "target")}
            for label in ACT_LABELS}
    result["previous_sentence"] = _previous_sentence(columns, lambda text: classify_document(text, model=classifier))
    if split == "test" and SECOND_TARGETS.is_file():
        indices = list(data["index"])
        keys = [(columns["doc_id"][i], indices[i]) for i in acts]
        model_targets = {key: f["target"] for key, f in zip(keys, result_found["model"])}
        result["target_agreement"] = target_agreement(SECOND_TARGETS, dict(zip(keys, gold["target"])),
                                                      dict(zip(keys, texts)), model_targets)
    return result


def target_agreement(path: Path, gold: dict, texts: dict, model: dict) -> dict:
    """Token-F1 on the sentences of a second, blind annotation of targets (data/agreement/targets):
    the second annotator against the corpus (the ceiling for any tagger scored against the corpus),
    and the model against each."""
    second = {(r["doc_id"], r["index"]): r["target"] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    keys = [k for k in second if k in gold]
    if len(keys) < len(second):
        raise ValueError(f"{path}: {len(second) - len(keys)} of its sentences are not act sentences of this test split "
                         "(the corpus or its split changed): annotate them again")
    in_text = {k: in_sentence(gold[k], texts[k]) for k in keys}
    result = {"sentences": len(keys)}
    for name, pairs in (("second_vs_corpus", [(second[k], in_text[k]) for k in keys]),
                        ("model_vs_corpus", [(model[k], in_text[k]) for k in keys]),
                        ("model_vs_second", [(model[k], second[k]) for k in keys])):
        scores = span_scores(pairs)
        result[name] = {"token_f1": scores["token"]["f1"], "exact_f1": scores["exact"]["f1"]}
    return result


def _previous_sentence(data: dict[str, list], classify_document) -> dict:
    """Acts whose gold speaker is only in the sentence before: how often classify_document, run on
    the seed document, gives exactly that speaker."""
    docs: dict[str, list[int]] = {}
    for i, doc in enumerate(data["doc_id"]):
        docs.setdefault(doc, []).append(i)
    hits = total = 0
    for doc, rows in docs.items():
        wanted = [i for i in rows if data["speaker"][i] and data["speaker"][i] not in data["text"][i]
                  and data["label"][i] in ACT_LABELS]
        if not wanted:
            continue
        results = [r for r in classify_document((SEEDS_DIR / f"{doc}.txt").read_text(encoding="utf-8")) if r.skipped is None]
        by_text = {r.text: r for r in results}
        for i in wanted:
            total += 1
            r = by_text.get(data["text"][i])
            hits += bool(r and r.speaker and _tokens(r.speaker.text) == _tokens(data["speaker"][i]))
    return {"acts": total, "speaker_resolved_exactly": hits, "share": round(hits / max(total, 1), 4)}


def to_markdown(result: dict) -> str:
    lines = [f"## Speaker and target spans ({result['split']} split, {result['act_sentences']} act sentences)", "",
             "| system | role | exact P | exact R | exact F1 | token P | token R | token F1 | actor agreement |",
             "|---|---|---|---|---|---|---|---|---|"]
    for system, scores in result["systems"].items():
        for role, s in scores.items():
            lines.append(f"| {system} | {role} | {s['exact']['precision']:.3f} | {s['exact']['recall']:.3f} | "
                         f"{s['exact']['f1']:.3f} | {s['token']['precision']:.3f} | {s['token']['recall']:.3f} | "
                         f"{s['token']['f1']:.3f} | {s['actor_agreement']:.3f} |")
    lines += ["", "Per label (token F1 / exact F1):", "",
              "| system | role | " + " | ".join(ACT_LABELS) + " |", "|---" * (2 + len(ACT_LABELS)) + "|"]
    for system, per_label in result["per_label"].items():
        for role in ("speaker", "target"):
            cells = [f"{per_label[label][role]['token']['f1']:.3f} / {per_label[label][role]['exact']['f1']:.3f}"
                     for label in ACT_LABELS]
            lines.append(f"| {system} | {role} | " + " | ".join(cells) + " |")
    p = result["previous_sentence"]
    lines += ["", f"Acts whose speaker is only in the sentence before: {p['acts']}; classify_document gives "
              f"exactly that speaker for {p['speaker_resolved_exactly']} ({p['share']:.1%})."]
    if "target_agreement" in result:
        a = result["target_agreement"]
        lines += ["", f"Targets on the {a['sentences']} sentences annotated a second time, blind (data/agreement/targets), "
                  "token F1 / exact F1: second annotator vs corpus "
                  f"{a['second_vs_corpus']['token_f1']:.3f} / {a['second_vs_corpus']['exact_f1']:.3f}; model vs corpus "
                  f"{a['model_vs_corpus']['token_f1']:.3f} / {a['model_vs_corpus']['exact_f1']:.3f}; model vs second "
                  f"{a['model_vs_second']['token_f1']:.3f} / {a['model_vs_second']['exact_f1']:.3f}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval spans", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the shipped model)")
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--out", type=Path, default=Path("runs/spans"))
    args = parser.parse_args(argv)
    try:
        result = measure(args.model, args.split)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "spans.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    markdown = to_markdown(result)
    (args.out / "spans.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
