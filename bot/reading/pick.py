"""Choosing the item that answers a typed question from the best windows, and how sure that choice is.

An item's attachment is its fit (is it the kind of thing asked: a person's name for "who", a number of the
counted thing for "how many") plus its nearness (the question's other words stand in the same clause).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.language.languages import language_name, languages_in
from bot.language.match import Matcher, same_word
from bot.language.names import ROLES, Name, known_words, territory
from bot.language.numbers import head_unit, numbers_in, unit_class
from bot.language.question import PLACE_NOUNS, Question
from bot.language.words import FUNCTION_WORDS, fold, is_content, sentence_starts, tokens

from .items import (
    Item,
    clause_distances,
    clause_words,
    dates_for,
    join,
    lists_in,
    names_for,
    numbers_for,
    place_name,
    state_date,
    state_number,
)
from .overview import is_dateline
from .places import FROM, LOCATIVE, TO, direction, gloss_items, place_fit
from .pronouns import People, doer_items, persons_in
from .roles import role_of
from .windows import Window

_ANCHORS = LOCATIVE | FROM | TO | PLACE_NOUNS  # "in Moskou", "uit Herat", "eiland Sint Helena"
_LISTED = re.compile(r",\s|\s(and|en|or|of)\s")
_LINK = re.compile(r"^(,\s*|\s+)((and|en|or|of|&)\s+)?([A-Z]{2,}\s+)?$")  # between two listed names
ATTACH_WEIGHT = 0.15
NAMED_WEIGHT = 0.04  # an item in a window that holds the question's names
DECAY = 0.96  # a word one further from a number counts this much less as what it counts


@dataclass(frozen=True)
class Pick:
    """The chosen item, the window it stands in, and the combined score that chose it."""

    item: Item
    window: Window
    score: float
    fit: float  # how well it is the kind of thing asked (for counts: of the counted thing)
    near: float = 0.5  # the share of the question's other words in the item's clause


def _context_terms(q: Question) -> tuple[str, ...]:
    """The question's content words beyond its names and its focus: what the answer's clause should mention."""
    named = q.name_words
    return tuple(t for t in q.terms if t not in named and t not in q.focus and not t.isdigit())


def _near(q: Question, ctx: tuple[str, ...], matcher: Matcher, cross: bool) -> float:
    """The share of the question's other words that the item's clause holds (by spelling or by vector)."""
    terms = _context_terms(q)
    if not terms:
        return 0.5
    return len(matcher.best(terms, list(ctx), cross)) / len(terms)


def _count_items(q: Question, w: Window, matcher: Matcher, language: str, cross: bool) -> list[tuple[Item, float]]:
    """Numbers of the asked kind, read the way the article writes them and stated the way the asker does."""
    asked = tuple(n.value for n in numbers_in(q.text, language))  # "in two months": 2 is given, not asked
    kind = q.kind or "number"
    units = [t for t in q.terms if unit_class(t) and t not in q.focus[:1]]  # "how long … in days"
    out = []
    for n in numbers_for(kind, w.text, w.source.language or language, asked, focus=bool(q.focus)):
        around = clause_distances(w.text, n.start, n.end)  # the counted thing stands right by the number
        ctx = tuple(word for word, _ in around)
        if q.focus:
            head = counted_by(w.text, n.end)
            fit = max((matcher.similarity(q.focus, (word,), cross) * DECAY ** (d - 1)
                       for word, d in (head or around)), default=0.0)
            if n.unit is not None and head_unit(q.focus[0]) == n.unit:
                fit = 1.0  # "hoeveel werkdagen" and "twenty working days" both count days
        else:
            fit = 0.9 if kind != "number" or n.unit else 0.7
        if units and n.unit and not any(matcher.similarity((u,), ctx[:2], cross) >= 1.0 for u in units):
            continue  # "in days" is not answered by "honderd jaar"
        near = _near(q, ctx, matcher, cross)
        item = Item(kind, n.text, state_number(n, kind, language), n.start, n.end, fit, near)
        out.append((item, 0.6 * fit + 0.4 * near))
    return out


def counted_by(text: str, end: int) -> list[tuple[str, int]]:
    """The words a number counts when a noun follows it ("2 cavaleriedivisies", "one or two points", "16.200
    gedeporteerde kinderen": the next word and the one after, either of which may be the head, since a modifier
    comes first); empty when none follows, and then the clause around it says what it counts ("het aantal
    inwoners is 1.018.804")."""
    m = re.match(r"[ \u00a0]*([^\W\d_][\w-]*)(?:[ \u00a0]+([^\W\d_][\w-]*))?", text[end : end + 80])
    if not m or not is_content(fold(m.group(1))) or unit_class(m.group(1)):
        return []
    second = fold(m.group(2)) if m.group(2) else ""
    return [(fold(m.group(1)), 1)] + ([(second, 1)] if second and is_content(second) else [])  # head-final


def _time_items(q: Question, w: Window, matcher: Matcher, language: str, cross: bool) -> list[tuple[Item, float]]:
    if is_dateline(w.source.text):
        return []  # "Thursday, February 23, 2023" dates the report, it answers nothing
    out = []
    for d in dates_for(w.text, q.years):
        ctx = clause_words(w.text, d.start, d.end, reach=8)
        fit = 0.2 * min(d.precision, 3) + (0.2 if d.year else 0.0)
        near = _near(q, ctx, matcher, cross)
        out.append((Item("time", d.text, state_date(d, language), d.start, d.end, fit, near), fit + 0.5 * near))
    return out


def _language_items(q: Question, w: Window, matcher: Matcher, language: str,
                    cross: bool) -> list[tuple[Item, float]]:
    """"In welke taal?": the languages the window names, each in the asker's language ("in English" -> Engels)."""
    out = []
    for n in languages_in(w.text):
        near = _near(q, clause_words(w.text, n.start, n.end, reach=8), matcher, cross)
        out.append((Item("language", n.text, language_name(n.code, language), n.start, n.end, 1.0, near),
                    0.5 + 0.5 * near))
    return out


def where_is(q: Question) -> bool:
    """"Where is Waterloo?": a place asked about one name and nothing more."""
    return q.kind == "place" and len(q.names) == 1 and not _context_terms(q)


def _name_fit(q: Question, n: Name, before: str | None, persons: People) -> float:
    kind = q.kind
    if kind == "place":
        return place_fit(q.focus, n, before)
    if kind == "person":
        if n.kind in ("place", "organisation") and (q.posts or any(f in ROLES for f in q.focus)):
            return 0.0  # "which politician?", "wie is de burgemeester?" are not answered by a country or a town
        if persons.person(n):
            return 0.5
        if n.words[-1] in persons.surnames or before in ROLES:  # "Trump" beside "Donald Trump"; "maarschalk Ney"
            return 0.45
        if n.kind == "organisation":
            return 0.35  # "Who funded it?": a body may have done it, less often than a person
        if n.kind == "place":
            return 0.25
        return 0.35 if len(n.words) > 1 else 0.3
    if kind == "organisation":
        return 0.5 if n.kind == "organisation" else 0.25 if len(n.words) > 1 else 0.1
    return 0.3


def _name_items(q: Question, w: Window, known: frozenset[str], persons: People, matcher: Matcher,
                language: str, cross: bool) -> list[tuple[Item, float]]:
    kind = q.kind or "which"
    lists = _list_items(q, w, matcher, language, cross)
    doer = doer_items(q, w, _context_terms(q), persons, matcher, cross) if kind == "person" else []
    if kind == "which":
        return _which_items(q, w, matcher, cross) + lists
    extra = [(Item(kind, it.text, it.stated, it.start, it.end, 0.5, it.near), 0.5 + 0.5 * it.near)
             for it, _ in _which_items(q, w, matcher, cross)] if q.focus and kind == "organisation" else []
    toks = tokens(w.text)
    out: list[tuple[Item, float]] = []
    lone = [fold(n) for n in q.names + q.given if " " not in n.strip()]
    for n in names_for(kind, w.text, known, q.names + q.given):
        if cross and lone and len(n.words) == 1 and matcher.best(n.words, lone, cross):
            continue  # the name asked about, translated ("Moskou" for "Moscow"), is no answer either
        before = next((t.fold for t in reversed(toks) if t.end <= n.start), None)
        toward = 0.15 if kind == "place" and direction(q.text, before) else 0.0
        fit = _name_fit(q, n, before, persons) + toward
        if fit == 0.0:
            continue  # of another kind than a post's holder
        if kind == "person" and holds_post(q, w.text, n.start, n.end):
            fit += POST_HOLDER
        ctx = clause_words(w.text, n.start, n.end, reach=8)
        stated = place_name(n.text, language) if kind == "place" else n.text
        near = _near(q, ctx, matcher, cross)
        listed = bool(out) and out[-1][0].anchored and bool(_LINK.match(w.text[out[-1][0].end : n.start]))
        anchored = kind != "place" or before in _ANCHORS or near > 0 or listed or \
            w.text[max(0, n.start - 1) : n.start] == "("  # "from Afghanistan, Eritrea…"; "(Bilzen, 8 juni 1983)"
        if listed:
            fit = max(fit, out[-1][0].attach)
        out.append((Item(kind, n.text, stated, n.start, n.end, fit, near, anchored), fit + 0.5 * near))
    return doer + out + extra + lists


POST_HOLDER = 0.3  # "Wie is de burgemeester?": the name the passage gives that post, as a title or an apposition


def holds_post(q: Question, text: str, start: int, end: int) -> bool:
    """Whether the passage gives the name a post the question asks about: "burgemeester Freddy Thielemans" or
    "Freddy Thielemans, de burgemeester van Brussel-stad"."""
    posts = q.posts
    if not posts:
        return False
    title = [t.fold for t in tokens(text[max(0, start - 40) : start])][-1:]
    m = re.match(r"\s*[,(]\s*((?:\S+\s+){0,2}\S+)", text[end : end + 60])
    apposition = [t.fold for t in tokens(m.group(1))] if m else []
    return any(same_word(p, w) for p in posts for w in title + apposition)


def _which_items(q: Question, w: Window, matcher: Matcher, cross: bool) -> list[tuple[Item, float]]:
    """"Which medal?" -> the words around the passage's word for medal: "silver medal", "journal Nature …"."""
    if not q.focus:
        return []
    toks = tokens(w.text)
    words = [t.fold for t in toks]
    found = matcher.best(q.focus[:1], words, cross)
    if not found:
        return []
    word, sure = found[q.focus[0]]
    i = words.index(word)
    names = [n for n in names_for("which", w.text, frozenset(), q.names)
             if not any(same_word(word, x) for x in n.words)]
    near = [n for n in names if 0 <= n.start - toks[i].end <= 3 or 0 <= toks[i].start - n.end <= 3]
    ctx = clause_words(w.text, toks[i].start, toks[i].end, reach=8)
    close = 0.5 * _near(q, ctx, matcher, cross)
    if near:
        n = near[0]
        return [(Item("which", n.text, n.text, n.start, n.end, sure, close * 2), 0.5 + close)]
    proper = i > 0 and toks[i - 1].capitalised and toks[i - 1].start not in sentence_starts(w.text)
    if i > 0 and toks[i - 1].fold not in FUNCTION_WORDS and len(toks[i - 1].fold) > 2 and not _plural(q) \
            and (q.kind in (None, "which") or proper):  # "silver medal"; for a body only "Afghan team"
        span = w.text[toks[i - 1].start : toks[i].end]
        return [(Item("which", span, span, toks[i - 1].start, toks[i].end, sure, close * 2), 0.4 + close)]
    return []


def _plural(q: Question) -> bool:
    """"Which crops", "welke talen", "which countries": the answer is a list."""
    head = q.focus[0] if q.focus else ""
    return len(head) > 3 and (head.endswith("s") and not head.endswith("ss") or head.endswith("en"))


def _list_items(q: Question, w: Window, matcher: Matcher, language: str, cross: bool) -> list[tuple[Item, float]]:
    """An enumeration in the window answers a plural which-question: every element, in the asker's words."""
    if not _plural(q):
        return []
    out = []
    for start, end, elements in lists_in(w.text, w.source.language or language):
        capitalised = all(e[:1].isupper() for e in elements)
        if q.kind in ("place", "organisation", "person") and not capitalised:
            continue
        if q.kind == "place" and not any(territory(e) for e in elements):
            continue
        if len(elements) == 2 and q.kind not in (None, "which"):
            continue  # two names joined by "and" are read as a chain of names (see _coordinated)
        stated = [place_name(e, language) if q.kind == "place" else e for e in elements]
        ctx = clause_words(w.text, start, end, reach=8)
        near = _near(q, ctx, matcher, cross)
        words = [t.fold for t in tokens(w.text)]
        if q.kind in (None, "which") and near == 0 and not matcher.best(q.focus[:1], words, cross):
            continue  # a list that is not about what is asked ("which dishes" is not "State and Homeland …")
        fit = 0.6
        out.append((Item(q.kind or "which", w.text[start:end], join(stated, language), start, end, fit, near),
                    fit + 0.5 * near))
    return _likest_list_first(q, out, matcher)


LIKEST_LIST = 0.1  # of several enumerations in a window, the one whose elements are most like the asked thing


def _likest_list_first(q: Question, lists: list[tuple[Item, float]], matcher: Matcher) -> list[tuple[Item, float]]:
    """"Which crops": "wheat, rice, maize and soybean", not "MIT and Colorado State University" beside it — the
    list whose words are closest (by vector) to the asked thing gains."""
    if len(lists) < 2 or not q.focus:
        return lists

    def likeness(item: Item) -> float:
        words = [t.fold for t in tokens(item.text) if is_content(t.fold)]
        return sum(matcher.similarity(q.focus[:1], (w,)) for w in words) / len(words) if words else 0.0

    best = max(range(len(lists)), key=lambda i: likeness(lists[i][0]))
    it, score = lists[best]
    lists[best] = (replace(it, attach=it.attach + LIKEST_LIST), score + LIKEST_LIST)
    return lists


def _named(q: Question, w: Window, matcher: Matcher, language: str) -> float:
    """How much of what the question names stands in the window (and, less, in its paragraph): an item among
    the question's own names ("National Security Council" for "Nationale Veiligheidsraad") is likelier its answer."""
    parts = [t.fold for n in q.names for t in tokens(n) if len(t.fold) > 2 and t.fold not in FUNCTION_WORDS]
    if not parts:
        return 0.0
    cross = bool(w.source.language) and w.source.language != language
    here = matcher.best(parts, [t.fold for t in tokens(w.text)], cross)
    around = matcher.best(parts, [t.fold for t in tokens(w.source.text)], cross)
    return (len(here) + 0.5 * len(around)) / (1.5 * len(parts))


@lru_cache(maxsize=4096)
def _known_in(text: str) -> frozenset[str]:
    return known_words([text])


def items_in(q: Question, w: Window, matcher: Matcher, known: frozenset[str], persons: People,
             language: str) -> list[tuple[Item, float]]:
    """Every item of the asked kind in a window, with its attachment (fit plus nearness)."""
    cross = bool(w.source.language) and w.source.language != language
    if q.counts:
        return _count_items(q, w, matcher, language, cross)
    if q.kind == "time":
        return _time_items(q, w, matcher, language, cross)
    if q.kind == "language":
        return _language_items(q, w, matcher, language, cross)
    if where_is(q):
        return gloss_items(q.names[0], w.text, language)
    return _name_items(q, w, known, persons, matcher, language, cross)


def choose(q: Question, windows: Sequence[Window], matcher: Matcher, margin: float, language: str) -> Pick | None:
    """The best item among the windows near the top: window score plus how firmly the item belongs."""
    ranked = candidates(q, windows, matcher, margin, language)
    return ranked[0] if ranked else None


def candidates(q: Question, windows: Sequence[Window], matcher: Matcher, margin: float, language: str,
               limit: int = 3, floor: float = 0.0) -> list[Pick]:
    """Items near the top, best first (the first one with its list of fellows joined), for the rules to vet: the
    first `limit` whose fit reaches `floor`, and those before them (a count of something else, "19 gemeenten"
    for "how many inhabitants", does not use up the places of "1.018.804")."""
    if not windows:
        return []
    best = windows[0].score
    near = [w for w in windows if w.score >= best - margin][:24]
    persons = persons_in(near) if q.kind == "person" else People(frozenset())
    picks: list[Pick] = []
    asked_words = q.name_words
    for rank, w in enumerate(near):
        context = _named(q, w, matcher, language)
        # the paragraph's own names and the question's: a sentence may open with one ("Napoleon Bonaparte werd…")
        known = _known_in(w.source.text) | asked_words
        for it, attach in items_in(q, w, matcher, known, persons, language):
            if not it.anchored:
                continue  # "China heeft…" answers no "which country did he visit?"
            score = w.score + ATTACH_WEIGHT * attach + NAMED_WEIGHT * context - 0.001 * rank
            picks.append(Pick(it, w, score, it.attach, it.near))
    picks.sort(key=lambda p: -p.score)
    out: list[Pick] = []
    for top in picks:
        if sum(p.fit >= floor for p in out) == limit:
            break
        single = [p for p in picks if p.window == top.window and p.item.kind == top.item.kind
                  and not _LISTED.search(p.item.text)]  # names, not the enumerations already joined
        chain = _coordinated(top, single) if not _LISTED.search(top.item.text) else [top]
        if len(chain) > 1:
            stated = join(list(dict.fromkeys(p.item.stated for p in chain)), language)
            first, last = chain[0].item, chain[-1].item
            item = Item(top.item.kind, top.window.text[first.start : last.end], stated, first.start, last.end,
                        top.item.attach, top.item.near)
            top = Pick(item, top.window, top.score, top.fit, top.near)
        if all(p.item.stated != top.item.stated or p.window.key != top.window.key for p in out):
            out.append(top)
    return out


def _coordinated(top: Pick, same: list[Pick]) -> list[Pick]:
    """The items listed together with the chosen one ("Wellington en Blücher", "Afghanistan, Eritrea, …")."""
    by_start = sorted({p.item.start: p for p in same}.values(), key=lambda p: p.item.start)
    text = top.window.text
    i = next(k for k, p in enumerate(by_start) if p.item.start == top.item.start)
    lo = hi = i
    while lo > 0 and _LINK.match(text[by_start[lo - 1].item.end : by_start[lo].item.start]):
        lo -= 1
    while hi + 1 < len(by_start) and _LINK.match(text[by_start[hi].item.end : by_start[hi + 1].item.start]):
        hi += 1
    return by_start[lo : hi + 1]


def choose_role(q: Question, windows: Sequence[Window], margin: float) -> Pick | None:
    """"What role does Guterres hold?" / "Who is Borrell?": the post the passages near the top give the person;
    an apposition or a title ("Guterres, secretaris-generaal van de VN") before a description ("Guterres is…")."""
    if not windows or not q.subject:
        return None
    best = windows[0].score
    found = []
    for rank, w in enumerate([w for w in windows if w.score >= best - margin][:20]):
        role = role_of(q.subject, w.text)
        if role is not None:
            text, start, end, form = role
            found.append((form, rank, Pick(Item("role", text, text, start, end, 1.0), w, w.score, 1.0)))
    return min(found, key=lambda f: (f[0], f[1]))[2] if found else None
