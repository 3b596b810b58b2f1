"""Numbers in news text (digits or words, with a scale and a unit) and how the asker writes them (CLDR via Babel)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import format_decimal

from .words import fold, load_list, load_pairs, tokens

NUMBER_WORDS = load_pairs("number_words.txt")
SCALES = load_pairs("scale_words.txt")
ORDINAL_WORDS = load_pairs("ordinal_words.txt")
_ORDINAL_DIGITS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|e|ste|de)$")
_SCALE_NAMES = {"en": {1e3: "thousand", 1e6: "million", 1e9: "billion", 1e12: "trillion"},
                "nl": {1e3: "duizend", 1e6: "miljoen", 1e9: "miljard", 1e12: "biljoen"}}
_DIGITS = re.compile(r"(?<![\w.,])(\d{1,3}(?:([.,\u00a0\u202f ])\d{3})(?:\2\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
                     r"(?![\w]|[.,]\d)")
_YEAR = re.compile(r"^(1[0-9]|20)\d\d$")


def _unit_table() -> list[tuple[str, str, bool]]:
    """(class, word, prefix?) rows from units.txt; `per_cent` stands for a two-word unit."""
    rows = []
    for line in load_list("units.txt"):
        cls, _, words = line.partition(":")
        for w in words.split():
            rows.append((cls.strip(), fold(w.rstrip("*").replace("_", " ")), w.endswith("*")))
    return rows


UNITS = _unit_table()


def ordinals_in(text: str) -> frozenset[int]:
    """The ordinals a text names, in either language ("first", "eerste", "1st", "1e"): a question's "first title"
    is answered by the sentence about the first one, not the fifth."""
    out = set()
    for t in tokens(text):
        if t.fold in ORDINAL_WORDS:
            out.add(int(ORDINAL_WORDS[t.fold]))
        elif m := _ORDINAL_DIGITS.match(t.fold):
            out.add(int(m.group(1)))
    return frozenset(out)


@lru_cache(maxsize=8192)
def unit_class(word: str) -> str | None:
    """What a unit word measures (money, percent, distance, duration, …), or None."""
    f = fold(word)
    for cls, unit, prefix in UNITS:
        if f == unit or (prefix and f.startswith(unit) and len(f) - len(unit) <= 3):
            return cls
    return None


def head_unit(word: str) -> str | None:
    """The unit a word names, also as the head of a compound (werkdagen -> duration, prijzengeld -> money)."""
    f = fold(word)
    for i in range(0, max(1, len(f) - 2)):
        cls = unit_class(f[i:])
        if cls is not None and (i == 0 or len(f) - i >= 4):
            return cls
    return None


@dataclass(frozen=True)
class Number:
    """A number as written in a sentence, its value, and the words that say what it counts."""

    text: str  # as written, with its scale word ("2,2 miljoen")
    value: float
    decimals: int
    start: int
    end: int
    unit: str | None = None  # the class of the unit right beside it
    year: bool = False  # a four-digit number that reads as a year ("in 1815")
    spelled: bool = False  # written in words ("twenty")


def parse_digits(text: str, language: str) -> tuple[float, int] | None:
    """The value of a number written in digits, reading separators the way the article's language does."""
    s = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    thousands, decimal = (".", ",") if language == "nl" else (",", ".")
    groups = s.split(thousands)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and groups[0]:
        s = "".join(groups)
    elif thousands in s:  # "2.2" in a Dutch text is a decimal point after all
        s = s.replace(thousands, decimal)
    if s.count(decimal) > 1:
        return None
    try:
        value = float(s.replace(decimal, "."))
    except ValueError:
        return None
    decimals = len(s.split(decimal)[1]) if decimal in s else 0
    return value, decimals


@lru_cache(maxsize=4096)
def numbers_in(text: str, language: str) -> tuple[Number, ...]:
    """Every number in a sentence, in digits or words, with a following scale word folded into its value."""
    toks = tokens(text)
    found: list[Number] = []
    for m in _DIGITS.finditer(text):
        parsed = parse_digits(m.group(1), language)
        if parsed is None:
            continue
        value, decimals = parsed
        found.append(Number(m.group(1), value, decimals, m.start(1), m.end(1),
                            year=bool(_YEAR.match(m.group(1))) and decimals == 0))
    for t in toks:
        if t.fold in NUMBER_WORDS and not (t.fold in ("een", "one") and not _counts(toks, t)):
            found.append(Number(t.text, NUMBER_WORDS[t.fold], 0, t.start, t.end, spelled=True))
    out = []
    for n in sorted(found, key=lambda n: n.start):
        nxt = _next_token(toks, n.end)
        value, end, text_ = n.value, n.end, n.text
        glued = re.match(r"[-‑](\w+(?:[-‑]\w+)*)", text[n.end :])  # "46-jarige", "a 46-year-old"
        if glued:
            cls = unit_class(glued.group(1)) or unit_class(glued.group(1).split("-")[0])
            age = "old" in glued.group(1) or "jarig" in glued.group(1)
            out.append(Number(text_, value, n.decimals, n.start, n.end, "age" if age else cls, False, n.spelled))
            continue
        if nxt is not None and nxt.fold in SCALES and not n.year:
            value, end = value * SCALES[nxt.fold], nxt.end
            text_ = text[n.start : nxt.end]
            nxt = _next_token(toks, end)
        unit = _unit_near(text, toks, n.start, end, nxt)
        out.append(Number(text_, value, n.decimals, n.start, end, unit, n.year and unit is None, n.spelled))
    return tuple(out)


def _counts(toks: tuple, t) -> bool:
    """'one' / 'een' is a number only before a scale or unit word ("een miljoen"), not as an article."""
    nxt = _next_token(toks, t.end)
    return nxt is not None and (nxt.fold in SCALES or unit_class(nxt.text) is not None)


def _next_token(toks: tuple, offset: int):
    """The first word that starts at or after an offset (a number's own digits are not a word after it)."""
    return next((t for t in toks if t.start >= offset and not t.text[:1].isdigit() or t.start > offset), None)


def _unit_near(text: str, toks: tuple, start: int, end: int, nxt) -> str | None:
    """The unit class of the word after a number ("20 working days" -> duration), or a sign before it ($, €)."""
    before = text[max(0, start - 2) : start].strip()
    if before and before[-1] in "$€£":
        return "money"
    if text[end : end + 1] == "%" or text[end : end + 2] == " %":
        return "percent"
    if nxt is None:
        return None
    cls = unit_class(nxt.text)
    if cls is None:  # "20 working days", "500 miles (800 km)": one describing word may come between
        after = [t for t in toks if t.start > nxt.start][:1]
        if after and not after[0].text[:1].isdigit():
            cls = unit_class(after[0].text)
            if cls in ("percent", "money", None):
                cls = cls if cls == "money" else None
    if cls == "duration" and re.match(r"\s*[-‑ ]?(oud|old)\b", text[nxt.end : nxt.end + 6] or ""):
        return "age"
    return cls


def format_number(value: float, decimals: int, language: str) -> str:
    """A value written the asker's way: 16,200 / 2.2 million in English; 16.200 / 2,2 miljoen in Dutch."""
    locale = "nl" if language == "nl" else "en"
    for factor in (1e12, 1e9, 1e6):
        if value >= factor and value % (factor / 1000) == 0 and value % factor:
            scaled = value / factor
            digits = max(decimals, 1 if scaled % 1 else 0)
            return f"{format_decimal(round(scaled, digits), locale=locale, decimal_quantization=False)} " \
                   f"{_SCALE_NAMES[locale][factor]}"
        if value >= factor and value % factor == 0:
            return f"{format_decimal(value / factor, locale=locale)} {_SCALE_NAMES[locale][factor]}"
    if decimals:
        return format_decimal(round(value, decimals), format=f"#,##0.{'0' * decimals}", locale=locale)
    return format_decimal(value, format="#,##0", locale=locale)
