"""Keyword rules: a fair hand-written cue list, applied with the codebook's precedence.

The baseline a careful analyst would write in an afternoon: a sentence takes the first label,
in the order threat > denial > mediation_call > allegation, whose cue pattern it matches, and
`factual_report` otherwise.
"""

from __future__ import annotations

import re

from data.labels import PRECEDENCE

CUES: dict[str, str] = {
    "threat": r"\b(?:vow(?:s|ed)?|threaten(?:s|ed)?|warn(?:s|ed)? (?:that|of retaliation)|will (?:respond|retaliate|strike|"
    r"destroy|target|pay)|ultimatum|crushing response|reserves? the right|will be (?:targeted|destroyed|met with force)|"
    r"face (?:the )?consequences|must leave|retaliat\w+|all necessary measures)\b",
    "denial": r"\b(?:den(?:y|ies|ied)|reject(?:s|ed)? (?:the )?(?:claims?|allegations?|accusations?|reports?)|"
    r"dismiss(?:es|ed)?|fabricat\w+|baseless|groundless|propaganda|not involved|no (?:involvement|losses|casualties)|"
    r"false (?:claims?|reports?)|categorically|never (?:attacked|targeted|fired))\b",
    "mediation_call": r"\b(?:ceasefire|cease-fire|truce|restraint|de-?escalat\w+|mediat\w+|negotiat\w+|peace talks|"
    r"dialogue|humanitarian pause|cessation of hostilities|good offices|(?:urged?|called? for|appeal\w*) .{0,40}(?:talks|calm|peace))\b",
    "allegation": r"\b(?:accus\w+|blam\w+|alleg\w+|charg\w+|violat\w+|war crimes?|aggression|shell(?:ed|ing)|"
    r"attacked|struck|bomb(?:ed|ing)|fired (?:on|at)|targeted|massacre|atrocit\w+|terroris\w+)\b",
}
_COMPILED = {label: re.compile(pattern, re.IGNORECASE) for label, pattern in CUES.items()}


def keyword_label(text: str) -> str:
    """The first label in precedence order whose cues occur in `text`.

    Example:
        >>> keyword_label("The ministry vowed a crushing response and accused the rebels of shelling.")
        'threat'
    """
    for label in PRECEDENCE[:-1]:
        if _COMPILED[label].search(text):
            return label
    return PRECEDENCE[-1]


class KeywordRules:
    """A scikit-learn-shaped wrapper: fit() learns nothing, predict() applies the rules."""

    def fit(self, texts, labels):
        return self

    def predict(self, texts):
        return [keyword_label(t) for t in texts]
