"""The behavioural suite itself (no model): fixed by its seed, well-formed, parties kept apart."""

from data import LABELS
from eval.behaviour import ACTORS, OTHERS, run, suite, totals


def test_suite_is_fixed_and_well_formed():
    first, second = suite(), suite()
    assert first == second and len(first) > 500
    kinds = {c.kind for c in first}
    assert kinds == {"MFT", "INV", "DIR"}
    for case in first:
        assert all("{" not in t and "}" not in t and t.lstrip('"')[0].isupper() for t in case.texts), case
        assert case.kind == "INV" or case.label in LABELS
        assert len(case.texts) == (1 if case.kind == "MFT" else 2)
    assert not {a.lower() for a in ACTORS} & {o.lower() for o in OTHERS}


class _Fixed:
    """A stand-in model that says factual_report unless the text has 'vowed'."""

    def predict(self, texts):
        return ["threat" if "vowed" in t else "factual_report" for t in texts]


def test_scoring_counts_passes_per_kind():
    rows = run(_Fixed())
    by_test = {r["test"]: r for r in rows}
    assert by_test["threat: plain vow"]["rate"] == 1.0
    assert by_test["allegation: accuse"]["rate"] == 0.0
    assert by_test["DIR: negate a threat"]["rate"] == 1.0  # negations never say "vowed"
    rates = totals(rows)
    assert 0 < rates["MFT"] < 1 and rates["INV"] > 0.5
