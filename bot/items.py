"""The item a typed question asks for, found in a passage: a number, a date, a place, a person, an organisation."""
from __future__ import annotations

import re
from dataclasses import dataclass

from babel import Locale

from .dates import dates_in, format_when
from .match import same_word
from .names import TERRITORIES, Name, known_words, names_in, territory
from .numbers import Number, format_number, numbers_in
from .words import fold, is_content, load_words, tokens

# The unit classes that answer each counting question (None: any number that is not a year).
UNITS_FOR = {
    "money": ("money",),
    "percent": ("percent",),
    "age": ("age",),
    "distance": ("distance", "length"),
    "length": ("length", "distance"),
    "duration": ("duration",),
    "number": None,
}
_CLAUSE = re.compile(r"[;:()\[\]—–]|, (?=\w)")
SPEECH_VERBS = load_words("speech_verbs.txt")


@dataclass(frozen=True)
class Item:
    """What answers the question, as written in the passage and as the reply states it."""

    kind: str
    text: str  # as written
    stated: str  # in the asker's words (number format, month names, country names)
    start: int
    end: int
    attach: float  # how firmly it is the kind of thing asked about (0–1)
    near: float = 0.5  # the share of the question's other words in its clause
    anchored: bool = True  # a place after a preposition of place ("in Moskou", "from Herat"), or in a list


def _unbracket(text: str, start: int, end: int) -> str:
    """The text with parentheticals that do not hold the span blanked out, so a clause runs on past them."""
    def blank(m: re.Match[str]) -> str:
        return m.group(0) if m.start() <= start < m.end() else " " * len(m.group(0))

    return re.sub(r"\([^()]*\)", blank, text)


def clause_words(text: str, start: int, end: int, reach: int = 5) -> tuple[str, ...]:
    """Content words of the clause around a span, nearest first, at most `reach` each side."""
    text = _unbracket(text, start, end)
    left = text[:start]
    cut = max((m.end() for m in _CLAUSE.finditer(left)), default=0)
    right = text[end:]
    stop = next((m.start() for m in _CLAUSE.finditer(right)), len(right))
    before = [t.fold for t in tokens(left[cut:]) if is_content(t.fold) and not t.fold.isdigit()][-reach:]
    after = [t.fold for t in tokens(right[:stop]) if is_content(t.fold) and not t.fold.isdigit()][:reach]
    return tuple(after + before[::-1])


def clause_distances(text: str, start: int, end: int, reach: int = 8) -> list[tuple[str, int]]:
    """Content words of the clause around a span with how many words away each stands (1 = adjacent)."""
    text = _unbracket(text, start, end)
    left = text[:start]
    cut = max((m.end() for m in _CLAUSE.finditer(left)), default=0)
    right = text[end:]
    stop = next((m.start() for m in _CLAUSE.finditer(right)), len(right))
    before = list(tokens(left[cut:]))[::-1][:reach]
    after = list(tokens(right[:stop]))[:reach]
    out = [(t.fold, d) for d, t in enumerate(after, 1) if is_content(t.fold) and not t.fold.isdigit()]
    out += [(t.fold, d) for d, t in enumerate(before, 1) if is_content(t.fold) and not t.fold.isdigit()]
    return sorted(out, key=lambda wd: wd[1])


def numbers_for(kind: str, text: str, language: str, asked: tuple[float, ...], focus: bool = True) -> list[Number]:
    """Numbers in a passage that can answer a counting question of this kind (not the days of dates)."""
    wanted = UNITS_FOR.get(kind)
    days = [(d.start, d.end) for d in dates_in(text) if d.day is not None]
    out = []
    for n in numbers_in(text, language):
        if n.value in asked or any(a <= n.start < b for a, b in days):
            continue
        if wanted is None:
            if n.year or (n.spelled and n.value == 1) or (focus and n.unit in ("percent", "money")):
                continue
        elif n.unit not in wanted:
            continue
        out.append(n)
    return out


def state_number(n: Number, kind: str, language: str) -> str:
    out = format_number(n.value, n.decimals, language)
    return out + "%" if n.unit == "percent" or kind == "percent" and n.unit is None else out


def place_name(text: str, language: str) -> str:
    """A country or region in the asker's language (Zuid-Korea -> South Korea), any other place as written."""
    code = TERRITORIES.get(fold(text))
    if code is None:
        return text
    return str(Locale("nl" if language == "nl" else "en").territories.get(code, text))


def names_for(kind: str, text: str, known: frozenset[str], asked: tuple[str, ...]) -> list[Name]:
    """Names in a passage of the kind asked for that the question does not already hold."""
    out = []
    for n in names_in(text, known):
        if any(same_word(w, fold(a)) for w in n.words for q in asked for a in q.split()):
            continue
        if kind == "place" and (n.kind == "place" and fold(n.text) in TERRITORIES or n.kind == "other"):
            out.append(n)
        elif kind == "person" and n.kind != "adjective":
            out.append(n)  # "who supported it?" may be answered by a country or a body as well as a person
        elif kind == "organisation" and (n.kind == "organisation" or n.kind == "other" and len(n.words) > 1):
            out.append(n)
        elif kind == "which" and n.kind != "adjective":
            out.append(n)
    return out


def join(items: list[str], language: str) -> str:
    """a, b and c / a, b en c."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" en " if language == "nl" else " and ") + items[-1]


def says(text: str) -> bool:
    """Whether a passage reports someone's words (a quotation or a speech verb)."""
    return any(c in text for c in "„“\"«") or any(t.fold in SPEECH_VERBS for t in tokens(text))


def dates_for(text: str, asked_years: tuple[int, ...]) -> list:
    return [w for w in dates_in(text) if not (w.year in asked_years and w.precision == 1)]


def state_date(when, language: str) -> str:
    return format_when(when, language)


__all__ = ["Item", "clause_words", "numbers_for", "state_number", "place_name", "names_for", "join", "says",
           "dates_for", "state_date", "known_words"]


_ELEMENT = r"[\w'’.-]+(?: [\w'’.-]+){0,3}"
_LIST = re.compile(rf"((?:{_ELEMENT}, )+{_ELEMENT},? (?:and|en|or|of) {_ELEMENT})|"
                   rf"((?:het |de |the )?[A-ZÀ-Þ][\w'’-]*(?: [A-ZÀ-Þ][\w'’-]*)* (?:and|en|or|of) "
                   rf"(?:het |de |the )?[A-ZÀ-Þ][\w'’-]*(?: [A-ZÀ-Þ][\w'’-]*)*)")
_LEADING = re.compile(r"^(?:(?:[\w'’-]+ )*?(?:by|of|from|on|in|to|with|for|as|door|van|uit|op|in|naar|met|voor|als|"
                      r"such as|zoals|including|waaronder) )?(?:(?:the|a|an|de|het|een) )?", re.I)


def lists_in(text: str, language: str = "en") -> list[tuple[int, int, list[str]]]:
    """Enumerations in a passage ("wheat, rice, maize and soybean", "het Nederlands en het Frans"): their span and
    elements; the first and last elements as long as the second (news lists are parallel)."""
    out = []
    for m in _LIST.finditer(text):
        body = m.group(0)
        conj = "en|of" if language == "nl" else "and|or"
        if not re.search(rf"\s(?:{conj})\s", body):
            continue
        split = re.match(rf"^(.*?),?\s+(?:{conj})\s+(.*)$", body) if "," not in body else \
            re.match(rf"^(.*),?\s+(?:{conj})\s+(.*)$", body)
        if split is None:
            continue
        head, last = split.group(1).rstrip(","), split.group(2)
        items = [p.strip() for p in head.split(",") if p.strip()] + [last.strip()]
        if len(items) < 2:
            continue
        size = len(items[1].split()) if len(items) > 2 else len(items[-1].split())
        first = _LEADING.sub("", " ".join(items[0].split()[-size:])) or items[0].split()[-1]
        final = " ".join(_LEADING.sub("", items[-1]).split()[: max(size, 1)]).rstrip(".,;:")
        items = [first, *(_LEADING.sub("", p) or p for p in items[1:-1]), final]
        if len(items) == 2 and not all(p[:1].isupper() for p in items):
            continue
        start = m.start() + body.find(first)
        out.append((start, m.start() + body.rfind(final) + len(final), items))
    return out
