"""The item a typed question asks for, found in a passage: a number, a date, a place, a person, an organisation."""
from __future__ import annotations

import re
from dataclasses import dataclass

from babel import Locale

from bot.language.dates import calendar_words, dates_in, format_when
from bot.language.match import same_word
from bot.language.names import PLACE_NOUNS, TERRITORIES, Name, known_words, names_in, territory
from bot.language.numbers import Number, format_number, numbers_in
from bot.language.words import fold, is_content, load_words, tokens

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


def clause_of(text: str, start: int, end: int) -> tuple[str, str]:
    """The clause around a span: its text before the span and after it (parentheticals that do not hold it
    blanked out, so a clause runs on past them)."""
    text = _unbracket(text, start, end)
    left = text[:start]
    cut = max((m.end() for m in _CLAUSE.finditer(left)), default=0)
    right = text[end:]
    stop = next((m.start() for m in _CLAUSE.finditer(right)), len(right))
    return left[cut:], right[:stop]


def clause_words(text: str, start: int, end: int, reach: int = 5) -> tuple[str, ...]:
    """Content words of the clause around a span, nearest first, at most `reach` each side."""
    left, right = clause_of(text, start, end)
    before = [t.fold for t in tokens(left) if is_content(t.fold) and not t.fold.isdigit()][-reach:]
    after = [t.fold for t in tokens(right) if is_content(t.fold) and not t.fold.isdigit()][:reach]
    return tuple(after + before[::-1])


def clause_distances(text: str, start: int, end: int, reach: int = 8) -> list[tuple[str, int]]:
    """Content words of the clause around a span with how many content words away each stands (1 = the nearest
    on its side; "het aantal inwoners is 1.018.804": inwoners is 1)."""
    text = _unbracket(text, start, end)
    left = text[:start]
    cut = max((m.end() for m in _CLAUSE.finditer(left)), default=0)
    right = text[end:]
    stop = next((m.start() for m in _CLAUSE.finditer(right)), len(right))
    before = [t.fold for t in tokens(left[cut:]) if is_content(t.fold) and not t.fold.isdigit()][::-1][:reach]
    after = [t.fold for t in tokens(right[:stop]) if is_content(t.fold) and not t.fold.isdigit()][:reach]
    out = [(w, d) for d, w in enumerate(after, 1)] + [(w, d) for d, w in enumerate(before, 1)]
    return sorted(out, key=lambda wd: wd[1])


RELATIVE_TIME = load_words("relative_time.txt")


def relative_time(text: str, n: Number) -> bool:
    """"Twee dagen later", "three years ago": an amount of time that places something, not a length of time."""
    after = [t.fold for t in tokens(text[n.end : n.end + 40])][:2]
    return n.unit == "duration" and len(after) == 2 and after[1] in RELATIVE_TIME


def numbers_for(kind: str, text: str, language: str, asked: tuple[float, ...], focus: bool = True) -> list[Number]:
    """Numbers in a passage that can answer a counting question of this kind (not the days of dates)."""
    wanted = UNITS_FOR.get(kind)
    days = [(d.start, d.end) for d in dates_in(text) if d.day is not None]
    out = []
    for n in numbers_in(text, language):
        if n.value in asked or any(a <= n.start < b for a, b in days) or relative_time(text, n):
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
    name = str(Locale("nl" if language == "nl" else "en").territories.get(code, text))
    return name.split(",")[0]  # "St. Helena, Ascension & Tristan da Cunha" names three places: the first is it


def names_for(kind: str, text: str, known: frozenset[str], asked: tuple[str, ...]) -> list[Name]:
    """Names in a passage of the kind asked for that the question does not already hold."""
    out = []
    asked_words = [tuple(fold(a) for a in q.split()) for q in asked]
    for n in names_in(text, known):
        n = _after_asked(n, text, asked_words)
        if any(_same_person(n.words, a) for a in asked_words):
            continue  # the name asked about is no answer ("Lei Clijsters" is, for "Kim Clijsters"'s father)
        if calendar_words(n.words):
            continue  # "Tuesday", "March": a date's part, not a place or a person
        code = territory(n.text)
        if code is not None and any(territory(q) == code for q in asked):
            continue  # nor is it translated ("Verenigde Naties" for "the UN")
        if kind == "place" and (n.kind == "place" and (fold(n.text) in TERRITORIES or n.words[-1] in PLACE_NOUNS)
                                or n.kind == "other"):
            out.append(n)
        elif kind == "person" and n.kind != "adjective":
            out.append(n)  # "who supported it?" may be answered by a country or a body as well as a person
        elif kind == "organisation" and (n.kind == "organisation" or n.kind == "other" and len(n.words) > 1):
            out.append(n)
        elif kind == "which" and n.kind != "adjective":
            out.append(n)
    return out


def _after_asked(n: Name, text: str, asked: list[tuple[str, ...]]) -> Name:
    """A run that opens with a name the question gives is that name and the next one ("de US Open Mary Pierce te
    verslaan" for a question about the US Open): the rest of the run is the candidate."""
    for a in asked:
        if 0 < len(a) < len(n.words) and n.words[: len(a)] == a:
            rest_start = tokens(text[n.start : n.end])[len(a)].start + n.start
            rest = names_in(text[rest_start : n.end])
            if rest:
                r = rest[0]
                return Name(r.text, r.start + rest_start, r.end + rest_start, r.kind, r.words)
    return n


def _same_person(name: tuple[str, ...], asked: tuple[str, ...]) -> bool:
    """"António Guterres" is the "Guterres" asked about, "Napoleon Bonaparte" the "Napoleon"; "Lei Clijsters" is not
    "Kim Clijsters"."""
    if len(asked) == 1 and any(same_word(w, asked[0]) for w in name):
        return True
    if not name or not asked or not same_word(name[-1], asked[-1]):
        return all(any(same_word(w, a) for a in asked) for w in name)
    return len(asked) == 1 or len(name) == 1 or same_word(name[0], asked[0])


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


_LEADING = re.compile(r"^(?:(?:[\w'’-]+ )*?(?:by|of|from|on|in|to|with|for|as|door|van|uit|op|in|naar|met|voor|als|"
                      r"such as|zoals|including|waaronder) )?(?:(?:the|a|an|de|het|een) )?", re.I)
_MAX_ELEMENT = 4  # words in one element of an enumeration


def lists_in(text: str, language: str = "en") -> list[tuple[int, int, list[str]]]:
    """Enumerations in a passage ("wheat, rice, maize and soybean", "het Nederlands en het Frans"): their span and
    elements; the first and last elements as long as the second (news lists are parallel). One pass over the
    separators, so it stays linear on any text."""
    conj = ("en", "of") if language == "nl" else ("and", "or")
    words = "|".join(conj)  # separators: ", ", ", and ", " and " (a space run is entered once: linear)
    seps = list(re.finditer(rf",[ ]*(?:(?:{words})[ ]+)?|(?<![ ])[ ]+(?:{words})[ ]+", text))
    out = []
    i = 0
    while i < len(seps):
        j = i  # extend over separators whose gaps are short plain elements
        while j + 1 < len(seps) and _element(text[seps[j].end() : seps[j + 1].start()]):
            j += 1
        group = seps[i : j + 1]
        i = j + 1
        if not any(g.group(0).strip(", ").strip() in conj for g in group):
            continue
        if group[-1].group(0).strip(", ").strip() not in conj:
            continue
        middle = [text[a.end() : b.start()] for a, b in zip(group, group[1:])]
        head = text[: group[0].start()]
        head = head[max(head.rfind(c) for c in ".;:()\n") + 1 :]
        tail = text[group[-1].end() :]
        tail = re.split(r"[.;:,()\n]", tail, maxsplit=1)[0]
        if not head.split() or not tail.split():
            continue
        if middle:
            size = len(middle[0].split())
            first = _LEADING.sub("", " ".join(head.split()[-size:])) or head.split()[-1]
            final = " ".join(_LEADING.sub("", " ".join(tail.split()[:_MAX_ELEMENT])).split()[:size])
        else:  # "het Nederlands en het Frans": two names, each a run of capitals
            first = " ".join(_capitals(head.split()[::-1])[::-1])
            final = " ".join(_capitals(re.sub(r"^\s*(?:the|a|an|de|het|een)\s+", "", tail, flags=re.I).split()))
            if not first or not final:
                continue
        items = [first, *(_LEADING.sub("", m.strip()) or m.strip() for m in middle), final]
        if len(items) == 2 and not all(x[:1].isupper() for x in items):
            continue
        start = head.rfind(first) + (len(text[: group[0].start()]) - len(head))
        stop = group[-1].end() + tail.find(final) + len(final)
        out.append((start, stop, items))
    return out


def _capitals(words: list[str]) -> list[str]:
    """The leading run of capitalised words (at most an element's length)."""
    out = []
    for w in words[:_MAX_ELEMENT]:
        if not w[:1].isupper():
            break
        out.append(w.strip(".,;:"))
    return out


def _element(gap: str) -> bool:
    """A stretch between two separators that can be one element of a list: a few words, no punctuation."""
    words = gap.split()
    return 1 <= len(words) <= _MAX_ELEMENT and not re.search(r"[.;:()]", gap)
