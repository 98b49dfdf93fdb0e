"""Actors: a speaker or target span named as the party it stands for, and a document's profile.

"Baku", "Azerbaijan's defence ministry" and "Azerbaijani officials" are all `Azerbaijan`;
"Yerevan" and "the Armenian side" are `Armenia`. Countries, their adjectives and demonyms come
from `country_converter` (its regular expressions over names, adjectives and common variants);
capitals, seats of government and organisations that no country list knows come from the small
table ALIASES below, checked first. An actor neither finds keeps its surface form (without a
leading "the"), so nothing is thrown away.

`profile(results)` sums a labelled document: acts per label per speaking actor, and the edges
actor -label-> actor with their sentences as evidence.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict

ALIASES: dict[str, tuple[str, ...]] = {
    # capitals and seats of power, named for the state they speak for
    "Azerbaijan": ("Baku",), "Armenia": ("Yerevan",), "Russia": ("Moscow", "the Kremlin", "Kremlin"),
    "Ukraine": ("Kyiv", "Kiev"), "United States": ("Washington", "the White House", "the Pentagon", "U.S.", "US", "USA", "American"),
    "China": ("Beijing", "Chinese"), "Iran": ("Tehran",), "Syria": ("Damascus",), "Turkey": ("Ankara", "Türkiye", "Turkey", "Turkish"),
    "Georgia": ("Tbilisi",), "Pakistan": ("Islamabad",), "India": ("New Delhi",), "Afghanistan": ("Kabul",),
    "Sudan": ("Khartoum",), "Ethiopia": ("Addis Ababa",), "North Korea": ("Pyongyang",), "South Korea": ("Seoul", "South Korean"),
    "Japan": ("Tokyo",), "Taiwan": ("Taipei",), "Saudi Arabia": ("Riyadh",), "Egypt": ("Cairo",), "Lebanon": ("Beirut",),
    "Iraq": ("Baghdad",), "Yemen": ("Sanaa",), "Libya": ("Tripoli",), "Mali": ("Bamako",), "Niger": ("Niamey",),
    "DR Congo": ("Kinshasa",), "Rwanda": ("Kigali",), "Belarus": ("Minsk",), "United Kingdom": ("London", "Downing Street", "British", "Britain"),
    "France": ("Paris", "the Elysee", "the Élysée", "French"), "Germany": ("Berlin",), "Netherlands": ("The Hague", "Dutch"), "Venezuela": ("Caracas",),
    "Colombia": ("Bogota", "Bogotá"), "Philippines": ("Manila",), "Myanmar": ("Naypyidaw",), "Serbia": ("Belgrade",),
    "Kosovo": ("Pristina",), "Qatar": ("Doha",), "United Arab Emirates": ("Abu Dhabi", "Emirati"), "South Sudan": ("Juba",),
    "Somalia": ("Mogadishu",), "Kenya": ("Nairobi",), "Nigeria": ("Abuja",), "Chad": ("N'Djamena",), "Israel": ("Jerusalem",),
    # organisations
    "UN": ("United Nations", "UN", "U.N.", "Security Council", "Secretary-General", "UNHCR", "UNICEF", "OCHA", "World Food Programme"),
    "EU": ("European Union", "EU", "European Commission", "Brussels"),
    "NATO": ("NATO", "North Atlantic Treaty Organization"),
    "OSCE": ("OSCE", "Minsk Group", "Organization for Security and Co-operation in Europe"),
    "ICRC": ("ICRC", "Red Cross"), "African Union": ("African Union", "AU"), "ECOWAS": ("ECOWAS",),
    "Arab League": ("Arab League",), "IAEA": ("IAEA",), "ICC": ("International Criminal Court", "ICC"),
    "Hamas": ("Hamas",), "Hezbollah": ("Hezbollah",), "Taliban": ("Taliban",), "Houthis": ("Houthi", "Houthis"),
    "Islamic State": ("Islamic State", "ISIS", "ISIL"), "RSF": ("Rapid Support Forces", "RSF"), "Wagner": ("Wagner",),
}
"""Actor -> surface forms (adjectives too where country_converter's patterns miss them: "Turkish
officials", "British officials"). All-capital forms (US, UN, AU) match case-sensitively, so "us" and
"un-" never do; the rest ignore case. Jerusalem stands for Israel's government, as news copy uses it."""

_COUNTRY_NAME = "name_short"
_NOT_FOUND = "\x00not found"


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    patterns = []
    for actor, forms in ALIASES.items():
        for form in sorted(forms, key=len, reverse=True):
            flags = 0 if form.replace(".", "").isupper() else re.IGNORECASE
            patterns.append((re.compile(rf"(?<![\w.]){re.escape(form)}(?![\w])", flags), actor))
    return patterns


@functools.lru_cache(maxsize=1)
def _converter():
    """country_converter, with its table read so that Namibia's code "NA" stays a string (pandas
    3 reads it as missing, and the converter's own loader then fails)."""
    import logging

    import country_converter
    import pandas as pd
    from country_converter.country_converter import COUNTRY_DATA_FILE

    logging.getLogger("country_converter").setLevel(logging.ERROR)  # "not found" is our normal case
    table = pd.read_csv(COUNTRY_DATA_FILE, sep="\t", encoding="utf-8", dtype=str, keep_default_na=False)
    for column in ("ISOnumeric", "UNcode", "FAOcode", "GBDcode", "EURO", "UN", "UNmember", "obsolete", "GEOnumeric"):
        if column in table:
            table[column] = pd.to_numeric(table[column].replace("", None)).astype("Int64")
    return country_converter.CountryConverter(country_data=table[table["obsolete"].isna()])


@functools.lru_cache(maxsize=4096)
def actor(surface: str | None) -> str | None:
    """The actor a span names.

    Example:
        >>> [actor(s) for s in ("Baku", "Azerbaijan's defence ministry", "Azerbaijani officials")]
        ['Azerbaijan', 'Azerbaijan', 'Azerbaijan']
        >>> actor("the Armenian side"), actor("the Minsk Group"), actor("the rebels")
        ('Armenia', 'OSCE', 'rebels')
        >>> actor("the leaders of France, Russia, and the US"), actor("Baku and Yerevan"), actor("the army and police")
        ('France, Russia, United States', 'Armenia, Azerbaijan', 'army and police')
        >>> actor("The PKK"), actor("PKK"), actor("Turkey"), actor("Turkish officials")
        ('PKK', 'PKK', 'Turkey', 'Turkey')
    """
    if not surface or not surface.strip():
        return None
    parts = [p for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", surface) if p.strip()]
    if len(parts) > 1:  # "the leaders of France, Russia, and the US", "Baku and Yerevan": each party, sorted
        named = [_known(p) for p in parts]  # so that "Yerevan and Baku" is the same actor
        if all(named):
            return ", ".join(sorted(set(named)))
    return _one(surface)[0]


def _known(surface: str) -> str | None:
    """The actor of one part of a list, only when the alias table or the country list knows it."""
    name, known = _one(surface)
    return name if known else None


def _one(surface: str) -> tuple[str, bool]:
    """The actor of one span, and whether the alias table or the country list named it."""
    # the earliest mention wins, and at one place the longest ("the Minsk Group" is the OSCE, not Belarus)
    hits = sorted((m.start(), -len(m.group()), name) for pattern, name in _patterns() for m in [pattern.search(surface)] if m)
    if hits:
        return hits[0][2], True
    plain = re.sub(r"^the\s+", "", " ".join(surface.split()), flags=re.IGNORECASE)
    if surface.islower():  # "us", "the rebels": no country name is all lower case, and "us" is no ISO code
        return plain, False
    found = _converter().convert(surface, to=_COUNTRY_NAME, not_found=_NOT_FOUND)  # None or "" hand the input back
    found = [f for f in (found if isinstance(found, list) else [found]) if f != _NOT_FOUND]
    return (", ".join(sorted(found)), True) if found else (plain, False)


def profile(results) -> dict:
    """Counts per label per speaking actor, and the edge list actor -label-> actor with evidence.

    `results` are predictions with `label`, `speaker_actor`, `target_actor` and (for a
    document) `text`, `start`, `end`. Returns {"actors": {actor: {label: n}}, "edges": [{"source",
    "label", "target", "count", "evidence": [{"text", "start", "end"}]}]}, edges by count.
    """
    counts: dict[str, Counter] = defaultdict(Counter)
    edges: dict[tuple, list] = defaultdict(list)
    for r in results:
        if not getattr(r, "speaker_actor", None):
            continue
        counts[r.speaker_actor][r.label] += 1
        evidence = {"text": getattr(r, "text", ""), "start": getattr(r, "start", 0), "end": getattr(r, "end", 0)}
        edges[(r.speaker_actor, r.label, r.target_actor)].append(evidence)
    edge_list = [{"source": s, "label": label, "target": t, "count": len(ev), "evidence": ev}
                 for (s, label, t), ev in edges.items()]
    edge_list.sort(key=lambda e: (-e["count"], e["source"], e["label"], e["target"] or ""))
    return {"actors": {a: dict(c) for a, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))},
            "edges": edge_list}
