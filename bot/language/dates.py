"""Dates and times in news text, and how the asker writes them (month and day names from CLDR via Babel)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from .words import fold

_LOCALES = {"en": Locale("en"), "nl": Locale("nl")}


def _months() -> dict[str, int]:
    out: dict[str, int] = {}
    for loc in _LOCALES.values():
        for width in ("wide", "abbreviated"):
            for num, name in loc.months["format"][width].items():
                name = fold(name.rstrip("."))
                if len(name) >= 3 and name not in ("mar", "may", "mei") or width == "wide":
                    out[name] = num
    return out


MONTHS = _months()
WEEKDAYS = {fold(name): num for loc in _LOCALES.values() for num, name in loc.days["format"]["wide"].items()}


def calendar_words(words: Sequence[str]) -> bool:
    """"March", "dinsdag": folded words that are all month or day names (CLDR), capitalised like a name but a date's
    part."""
    return bool(words) and all(w in MONTHS or w in WEEKDAYS for w in words)


_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_D = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th|e|ste|de)?\s+(?P<m1>{_M})\.?(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<m2>{_M})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<m3>{_M})\s+(?P<y3>\d{{4}})"
    rf"|(?P<wd>{_D})"
    rf"|(?P<y4>(?:1[0-9]|20)\d\d)(?![\d.,]\d))\b",
    re.I,
)


@dataclass(frozen=True)
class When:
    """A date or part of one as written in a sentence."""

    text: str
    start: int
    end: int
    day: int | None = None
    month: int | None = None
    year: int | None = None
    weekday: int | None = None

    @property
    def precision(self) -> int:
        """How much it says: a full date 3, a month 2, a year or a weekday 1."""
        return sum(x is not None for x in (self.day, self.month, self.year)) or 1


@lru_cache(maxsize=4096)
def dates_in(text: str) -> tuple[When, ...]:
    """Dates, months with years, weekdays and years named in a text."""
    out = []
    for m in _DATE.finditer(text):
        g = m.groupdict()
        month_name = g["m1"] or g["m2"] or g["m3"]
        if month_name and fold(month_name) not in MONTHS:
            continue
        if g["m1"] and fold(g["m1"]) in ("may", "mei") and not g["y1"] and not g["d1"]:
            continue
        day = g["d1"] or g["d2"]
        year = g["y1"] or g["y2"] or g["y3"] or g["y4"]
        weekday = WEEKDAYS.get(fold(g["wd"])) if g["wd"] else None
        if g["wd"] and not g["wd"][0].isupper() and fold(g["wd"]) not in ("maandag", "dinsdag", "woensdag",
                                                                          "donderdag", "vrijdag", "zaterdag", "zondag"):
            continue  # English weekdays are written with a capital; a lower-case one is another word
        out.append(When(m.group(0), m.start(), m.end(), int(day) if day else None,
                         MONTHS.get(fold(month_name)) if month_name else None, int(year) if year else None, weekday))
    return tuple(out)


def format_when(when: When, language: str) -> str:
    """A date in the asker's words: 18 June 1815 / 18 juni 1815; a year or weekday as it is."""
    loc = _LOCALES.get(language, _LOCALES["en"])
    if when.weekday is not None:
        return str(loc.days["format"]["wide"][when.weekday]).capitalize() if language != "nl" else \
            str(loc.days["format"]["wide"][when.weekday])
    parts = []
    if when.day is not None:
        parts.append(str(when.day))
    if when.month is not None:
        parts.append(str(loc.months["format"]["wide"][when.month]))
    if when.year is not None:
        parts.append(str(when.year))
    return " ".join(parts) or when.text


def years_in(text: str) -> tuple[int, ...]:
    """The years a text names."""
    return tuple(w.year for w in dates_in(text) if w.year is not None)
