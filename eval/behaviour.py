"""Behavioural tests, CheckList-style (Ribeiro et al., ACL 2020): python -m eval behaviour [--model DIR].

Three kinds of test, every sentence generated here from templates of our own writing, filled
with many actors and places (seeded, so the suite is the same on every run):

- minimum functionality (MFT): a template whose label is fixed by the guidelines, short and
  long, plain and quoted ("{actor} vowed to {retaliate}."); passes when the model gives that label;
- invariance (INV): a pair that must keep one label (actors and places swapped, the attribution
  moved to the front or the end, British vs American spelling); passes when both get one label;
- directional (DIR): an edit that must take a label away (a threat negated, an accusation turned
  into a party's report of its own act); passes when the edited sentence no longer gets it.

The pass rate per test goes to the model card; `tests/model/test_behaviour.py` runs the suite in
`make test` against the shipped model and holds it to the targets (97% MFT, 98% INV).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 13
PER_TEST = 48
"""Cases drawn per test (fewer where the templates give fewer combinations)."""

# Parties that speak or act, as they appear in the middle of a sentence (capitalised at the start).
INSTITUTIONS = [
    "the army", "the interior ministry", "the junta", "the coast guard", "Azerbaijan's foreign ministry",
    "Armenia's defence ministry", "Sudan's army", "the Rapid Support Forces", "Kyiv", "Moscow", "Beijing",
    "Manila", "the Houthi movement", "Hezbollah", "the Kachin Independence Army", "the Valdorian government",
]
"""Parties that can say "its forces"."""
PEOPLE = [
    "the defence minister", "the president", "the prime minister", "a government spokesman", "Colonel Idris Mbeki",
    "General Anna Varga", "Minister Tomas Reyes", "the governor of the province",
]
ACTORS = INSTITUTIONS + PEOPLE
# The other side: never a party in ACTORS, so no sentence has a party accuse or threaten itself.
OTHERS = [
    "the rebels", "the separatists", "enemy forces", "the insurgents", "the militia", "the Kestrian army",
    "the armed group", "the occupying forces", "troops from across the border", "the paramilitaries",
    "the jihadists", "the breakaway region's forces",
]
PLACES = [
    "Goma", "Khartoum", "El Fasher", "Stepanakert", "Kharkiv", "Mariupol", "Sittwe", "Marawi", "Arvel", "Kidal",
    "Gao", "Bakhmut", "Tartus", "Beni", "Maiduguri", "Lashio", "Hodeidah", "Kadugli",
]
MEDIATORS = [
    "The United Nations", "The African Union", "Qatar", "Turkey", "The European Union", "The Vatican", "Norway",
    "The regional bloc", "The UN envoy", "Church leaders", "Egypt", "The Swiss government",
]
SPEAKER_ROLES = ["a spokesman said", "a military spokesman said", "the ministry said", "an army statement said",
                 "officials said", "the commander told reporters", "the group said in a statement"]


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class Case:
    test: str
    kind: str  # "MFT", "INV" or "DIR"
    texts: tuple[str, ...]
    label: str
    """MFT: the expected label; INV: unused (the two must agree); DIR: the label the edit must lose."""


def _draw(pool: list[tuple], n: int, rng: random.Random) -> list[tuple]:
    return pool if len(pool) <= n else rng.sample(pool, n)


def _mft(name: str, label: str, templates: list[str], rng: random.Random, **slots: list[str]) -> list[Case]:
    keys = list(slots)
    combos = [(t, *values) for t in templates for values in itertools.product(*(slots[k] for k in keys))]
    cases = []
    for template, *values in _draw(combos, PER_TEST, rng):
        text = template.format(**dict(zip(keys, values)))
        cases.append(Case(name, "MFT", (_cap(text),), label))
    return cases


def minimum_functionality(rng: random.Random) -> list[Case]:
    retaliate = ["strike back", "retaliate", "avenge the attack", "hit back hard", "respond with force",
                 "make the attackers pay"]
    report = ["shelling the market", "any role in the attack", "the reports of civilian deaths",
              "carrying out the strike", "that its troops had crossed the border", "the accusations of looting"]
    acts = ["shelling", "bombing", "attacking", "looting", "firing on civilians in"]
    return [
        *_mft("threat: plain vow", "threat", ["{a} vowed to {r}.", "{a} vowed to {r} after the raid on {p}."],
              rng, a=ACTORS, r=retaliate, p=PLACES),
        *_mft("threat: quoted, attribution at the end", "threat",
              ['"We will {r} if they come near {p} again," {a} said.',
               '"Any attack on {p} will be met with force," {a} said on Tuesday.'],
              rng, a=ACTORS, r=retaliate, p=PLACES),
        *_mft("threat: warning or ultimatum", "threat",
              ["{a} warned {o} that any advance on {p} would be crushed.",
               "{a} gave {o} 48 hours to leave {p} or face an assault.",
               "{a} threatened to cut off fuel supplies to {p} unless {o} withdrew."],
              rng, a=ACTORS, o=OTHERS, p=PLACES),
        *_mft("denial: plain", "denial", ["{a} denied {r}.", "{a} denied {r} in {p}."], rng, a=INSTITUTIONS, r=report, p=PLACES),
        *_mft("denial: no deny verb, quoted", "denial",
              ["None of our units were in {p}, {s}.", '"These accusations are baseless," {a} said.',
               "{a} dismissed the reports from {p} as fabricated."],
              rng, a=ACTORS, p=PLACES, s=SPEAKER_ROLES),
        *_mft("mediation: offer to mediate", "mediation_call",
              ["{m} offered to mediate between {a} and {o}.", "{m} offered to host talks between {a} and {o}."],
              rng, m=MEDIATORS, a=INSTITUTIONS, o=OTHERS),
        *_mft("mediation: call for ceasefire or talks", "mediation_call",
              ["{m} called for an immediate ceasefire in {p}.", "{m} urged both sides to return to talks.",
               '"We ask both sides to stop the fighting around {p} and talk," {m2} said.'],
              rng, m=MEDIATORS, p=PLACES, m2=[m.lower() if m.startswith("The ") else m for m in MEDIATORS]),
        *_mft("allegation: accuse", "allegation",
              ["{a} accused {o} of {x} {p}.", "{a} blamed {o} for the attack on {p}."],
              rng, a=ACTORS, o=OTHERS, x=acts, p=PLACES),
        *_mft("allegation: account of an attack", "allegation",
              ["{a} said {o} shelled {p} overnight, killing four people.",
               '"{O} fired rockets at {p} all night," {s}.'],
              rng, a=ACTORS, o=OTHERS, p=PLACES, s=SPEAKER_ROLES, O=[_cap(o) for o in OTHERS]),
        *_mft("factual: events and figures", "factual_report",
              ["At least {n} people were killed in {p} on Tuesday, hospital officials said.",
               "Talks between the two sides resumed in {p} on Monday.",
               "Fighting around {p} has displaced about {n},000 people since March.",
               "{a} said its troops had taken control of two hills near {p}."],
              rng, n=["12", "30", "45", "7"], p=PLACES, a=INSTITUTIONS),
        *_mft("factual: hard negatives", "factual_report",
              ["The court in {p} denied bail to two defendants.", "Forecasters warned of floods around {p}.",
               "Drought threatens the harvest in {p}.", "The opposition in {p} called for early elections.",
               "{a} vowed to rebuild the school in {p}."],
              rng, p=PLACES, a=ACTORS),
    ]


def _swap_pairs(name: str, template: str, rng: random.Random, **slots: list[str]) -> list[Case]:
    """Pairs of one template under two different fillings: the label must not change."""
    keys = list(slots)
    cases = []
    for _ in range(PER_TEST):
        one = {k: rng.choice(slots[k]) for k in keys}
        two = {k: rng.choice([v for v in slots[k] if v != one[k]] or slots[k]) for k in keys}
        cases.append(Case(name, "INV", (_cap(template.format(**one)), _cap(template.format(**two))), ""))
    return cases


CLAUSES = [
    ("{o} shelled {p} overnight", "allegation"), ("{o} had looted shops in {p}", "allegation"),
    ("its forces would strike {p} if {o} advanced", "threat"), ("none of its units had been in {p}", "denial"),
    ("it was ready to hold talks with {o}", "mediation_call"), ("about 300 families had left {p}", "factual_report"),
]
SPELLINGS = [
    ("defence", "defense"), ("armoured", "armored"), ("neighbouring", "neighboring"), ("centre", "center"),
    ("offence", "offense"), ("honour", "honor"),
]
SPELLING_TEMPLATES = [
    "The {defence} ministry said {o} had fired on {armoured} vehicles near {p}.",
    "The {defence} ministry denied that its {armoured} units had entered the {neighbouring} district.",
    "The commander warned that any {offence} against the {centre} of {p} would be answered by force.",
    "Elders in the {neighbouring} villages appealed for a ceasefire to let aid reach the {centre} of {p}.",
    "Officials in the {centre} of {p} said the talks had been held in good faith and with {honour}.",
]


def invariance(rng: random.Random) -> list[Case]:
    cases = [
        *_swap_pairs("INV: swap actors and places (threat)", "{a} vowed to strike back after the attack on {p}.",
                     rng, a=ACTORS, p=PLACES),
        *_swap_pairs("INV: swap actors and places (allegation)", "{a} said {o} shelled {p} overnight.",
                     rng, a=ACTORS, o=OTHERS, p=PLACES),
        *_swap_pairs("INV: swap actors and places (denial)", "{a} denied that its forces had attacked {p}.",
                     rng, a=INSTITUTIONS, p=PLACES),
        *_swap_pairs("INV: swap actors and places (mediation)", "{m} offered to mediate between {a} and {o}.",
                     rng, m=MEDIATORS, a=INSTITUTIONS, o=OTHERS),
    ]
    moved = []
    for _ in range(PER_TEST):
        clause, _label = rng.choice(CLAUSES)
        filled = clause.format(o=rng.choice(OTHERS), p=rng.choice(PLACES))
        actor = rng.choice(INSTITUTIONS if "its " in clause or clause.startswith("it ") else ACTORS)
        front, end = f"{_cap(actor)} said {filled}.", f"{_cap(filled)}, {actor} said."
        according = f"According to {actor}, {filled}."
        moved.append(Case("INV: attribution at the front or the end", "INV", (front, rng.choice([end, according])), ""))
    spelled = []
    for _ in range(PER_TEST):
        template = rng.choice(SPELLING_TEMPLATES)
        fill = {"o": rng.choice(OTHERS), "p": rng.choice(PLACES)}
        british = template.format(**fill, **{b: b for b, _ in SPELLINGS})
        american = template.format(**fill, **{b: a for b, a in SPELLINGS})
        spelled.append(Case("INV: British vs American spelling", "INV", (british, american), ""))
    return cases + moved + spelled


def directional(rng: random.Random) -> list[Case]:
    negations = [
        ("{a} vowed to strike back at {o}.", "{a} said it had no plans to strike back at {o}."),
        ("{a} warned it would shell {p} if {o} advanced.", "{a} said it would not shell {p} under any circumstances."),
        ("{a} threatened to retaliate against {o}.", "{a} ruled out retaliating against {o}."),
    ]
    own_acts = [
        ("{a} accused {o} of shelling {p}.", "{a} said its own artillery had shelled positions held by {o} near {p}."),
        ("{a} said {o} bombed the bridge at {p}.", "{a} said its aircraft had bombed the bridge at {p}, cutting a supply route."),
        ("{a} blamed {o} for the raid on {p}.", "{a} said its special forces had carried out a raid near {p}."),
    ]
    cases = []
    for name, label, pairs in (("DIR: negate a threat", "threat", negations),
                               ("DIR: accusation -> report of one's own act", "allegation", own_acts)):
        for _ in range(PER_TEST):
            before, after = rng.choice(pairs)
            fill = {"a": rng.choice(INSTITUTIONS), "o": rng.choice(OTHERS), "p": rng.choice(PLACES)}
            cases.append(Case(name, "DIR", (_cap(before.format(**fill)), _cap(after.format(**fill))), label))
    return cases


def suite(seed: int = SEED) -> list[Case]:
    """Every case of the suite, the same on every call with the same seed."""
    rng = random.Random(seed)
    return minimum_functionality(rng) + invariance(rng) + directional(rng)


def run(classifier, cases: list[Case] | None = None) -> list[dict]:
    """Pass counts per test: [{"test", "kind", "cases", "passed", "rate", "failures": [...]}]."""
    cases = suite() if cases is None else cases
    texts = sorted({t for c in cases for t in c.texts})
    label_of = dict(zip(texts, classifier.predict(texts)))
    rows: dict[str, dict] = {}
    for case in cases:
        got = [label_of[t] for t in case.texts]
        if case.kind == "MFT":
            ok = got[0] == case.label
        elif case.kind == "INV":
            ok = got[0] == got[1]
        else:
            ok = got[1] != case.label
        row = rows.setdefault(case.test, {"test": case.test, "kind": case.kind, "cases": 0, "passed": 0, "failures": []})
        row["cases"] += 1
        row["passed"] += ok
        if not ok:
            row["failures"].append({"texts": list(case.texts), "got": got, "expected": case.label})
    for row in rows.values():
        row["rate"] = row["passed"] / row["cases"]
    return list(rows.values())


def totals(rows: list[dict]) -> dict[str, float]:
    """Pass rate per kind over all its cases (MFT, INV, DIR)."""
    out = {}
    for kind in ("MFT", "INV", "DIR"):
        mine = [r for r in rows if r["kind"] == kind]
        out[kind] = sum(r["passed"] for r in mine) / max(sum(r["cases"] for r in mine), 1)
    return out


def to_markdown(rows: list[dict], examples: int = 2) -> str:
    out = ["| kind | test | cases | passed | pass rate | a failure |", "|---|---|---|---|---|---|"]
    for r in rows:
        failure = ""
        if r["failures"]:
            f = r["failures"][0]
            failure = " / ".join(f["texts"]) + f" -> {', '.join(f['got'])}"
        out.append(f"| {r['kind']} | {r['test']} | {r['cases']} | {r['passed']} | {r['rate']:.1%} | {failure} |")
    rates = totals(rows)
    out += ["", "Overall: " + ", ".join(f"{kind} {rate:.1%}" for kind, rate in rates.items())]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval behaviour", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    from model import CheckpointError, load_classifier

    try:
        rows = run(load_classifier(args.model))
    except CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    table = to_markdown(rows)
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
