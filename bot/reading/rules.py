"""The answer engine's refusal rules: each a small function that says why the articles cannot answer, or None."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from bot.common.calibration import Calibration
from bot.common.models import Source
from bot.language.dates import WEEKDAYS, calendar_words, years_in
from bot.language.followup import FollowUp
from bot.language.match import Matcher, same_word
from bot.language.names import names_in
from bot.language.phrases import detect
from bot.language.question import Question
from bot.language.replies import quoted
from bot.language.words import FUNCTION_WORDS, fold, load_words, tokens

from .items import clause_of, says
from .windows import Window


def empty_store(cands: Sequence[Source]) -> str | None:
    """Nothing is indexed."""
    return "the knowledge base is empty" if not cands else None


def nothing_asked(q: Question, has_context: bool) -> str | None:
    """A question with no word of its own and no thread to lean on ("and then?") asks nothing to look up."""
    return "the question names nothing to look for" if not q.terms and not q.names and not has_context else None


def off_topic(windows: Sequence[Window], cal: Calibration) -> str | None:
    """No sentence is close to the question: it is about something the articles do not cover."""
    best = max((w.dense for w in windows), default=0.0)
    return f"best sentence {best:.3f} < {cal.off_topic}" if best < cal.off_topic else None


def name_words(name: str) -> tuple[str, ...]:
    return tuple(t.fold for t in tokens(name) if t.fold not in FUNCTION_WORDS and len(t.fold) > 1)


def named_by(match: tuple[str, float], lone: frozenset[str], asked: str, named: frozenset[str]) -> bool:
    """A one-word name is found as written, in another spelling only as a word the texts write with a capital
    (Poetin ~ Putin; never the common word "water" for Waterloo), or by vector only as another one-word name (Kanaal ~
    Channel), never as a common word or part of a longer name (Wimbledon ~ tennis, ~ "Grand Slam-toernooi")."""
    word, sure = match
    if sure >= 1.0:
        return word == asked or word in named
    return word in lone


class _Read(NamedTuple):
    """What missing_names reads of its texts, kept with them."""

    words: tuple[str, ...]  # distinct, in order
    lone: frozenset[str]  # one-word names
    lone_words: tuple[str, ...]  # the words that are one-word names, in order
    named: frozenset[str]  # written with a capital


@lru_cache(maxsize=256)
def _read(texts: tuple[str, ...]) -> _Read:
    """What missing_names needs of its texts: every answer reads the same article (and the same candidates)."""
    toks = [t for text in texts for t in tokens(text)]
    words = tuple(dict.fromkeys(t.fold for t in toks))
    lone = frozenset(n.words[0] for text in texts for n in names_in(text) if len(n.words) == 1)
    return _Read(words, lone, tuple(w for w in words if w in lone), frozenset(t.fold for t in toks if t.capitalised))


def missing_names(q: Question, texts: Sequence[str], matcher: Matcher, strict: bool = False,
                  single: Matcher | None = None, cross: bool = True) -> list[str]:
    """The question's names that none of the texts hold in any spelling or language (half a long name will do,
    unless `strict`: every word). A one-word name may use `single`, a matcher that accepts a translation
    sooner (Kanaal ~ Channel): one word has nothing else to be matched by. Texts in the question's own
    language (`cross` false) hold a name only as spelled: Antwerpen is not Vlaanderen."""
    if not q.names:
        return []
    words, lone, lone_words, named = _read(tuple(texts))
    missing = []
    for name in q.names:
        parts = name_words(name)
        if not parts:
            continue
        if len(parts) == 1:  # one word is looked for among names; a long name's words may be common ones
            found = (single or matcher).best(parts, words, cross)
            if parts[0] not in found or not named_by(found[parts[0]], lone, parts[0], named):
                found = (single or matcher).best(parts, lone_words, cross)
        else:
            found = matcher.best(parts, words, cross)
        need = len(parts) if strict else 1 if len(parts) <= 2 else (len(parts) + 1) // 2
        if len(found) < need:
            missing.append(name)
    return missing


def unknown_name(q: Question, cands: Sequence[Source], matcher: Matcher, in_store: Callable[[str], bool],
                 single: Matcher | None = None) -> str | None:
    """A name the question asks about appears nowhere near the top, nor anywhere in the store as written."""
    for name in missing_names(q, [c.text for c in cands], matcher, single=single):
        if not in_store(name):
            return f"'{name}' is not in the knowledge base"
    return None


def foreign_names(q: Question, article_text: Sequence[str], matcher: Matcher, cross: bool,
                  single: Matcher | None = None) -> str | None:
    """A name the question joins to the answer's subject is not in the answer's article (Clijsters in Waterloo).

    Across languages only one-word names are held to it: longer ones are often translated (Binnenlandse Zaken
    for Home Office), one-word names rarely are (Waterloo, Clijsters)."""
    missing = missing_names(q, article_text, matcher, single=single, cross=cross)
    if cross:
        missing = [m for m in missing if len(name_words(m)) == 1]
    return f"'{missing[0]}' is not in the answer's article" if missing else None


def wrong_year(q: Question, article_text: Sequence[str], article_date: str) -> str | None:
    """The question names a year the article never mentions and that lies after the article was written."""
    if not q.years:
        return None
    written = set(years_in(" ".join(article_text)))
    published = int(article_date[:4]) if article_date[:4].isdigit() else None
    for year in q.years:
        if year not in written and (published is None or year > published or year < published - 1):
            return f"{year} is not in the article (published {article_date or 'undated'})"
    return None


def weak_support(best: Window, q: Question, cal: Calibration, typed: bool = False) -> str | None:
    """The chosen window is too far from the question to count as its answer (an item is some evidence)."""
    floor = cal.min_support_typed if typed else cal.min_support
    return f"window {best.dense:.3f} < {floor}" if best.dense < floor else None


_QUOTED = re.compile(r"„[^”]*”|“[^”]*”|\"[^\"]*\"|«[^»]*»")


def unattributed(q: Question, window: Window, paragraph: str, matcher: Matcher) -> str | None:
    """A "what did X say" answer must report words, and X must be in the paragraph outside the quotations: named
    only inside one ("„Ik denk dat Guterres zich ook weleens eenzaam voelt”", said an official), X is what was
    said about, not who said it."""
    if not says(window.text):
        return "the window reports nobody's words"
    if q.subject:
        words = [t.fold for t in tokens(_QUOTED.sub(" ", paragraph))]
        subject = tuple(s for s in q.subject if s not in FUNCTION_WORDS and len(s) > 1)
        if subject and not matcher.best(subject[-1:], words, window.source.language != q_language(q)):
            return f"'{' '.join(subject)}' is not in the passage"
    return None


def weak_item(attach: float, q: Question, cal: Calibration) -> str | None:
    """A number whose words are about something else than what the question counts."""
    if q.counts and q.focus and attach < cal.attach:
        return f"the number is not about {' '.join(q.focus)} ({attach:.3f} < {cal.attach})"
    return None


def other_role(q: Question, window: Window, matcher: Matcher, language: str) -> str | None:
    """"Who is the British prime minister?" is not answered by a person the passage calls foreign-policy chief:
    a role the question names must stand in the answer's paragraph (in some spelling, or translated)."""
    roles = [t for t in q.posts if t not in q.focus]  # "which politician" names a kind, not a post
    if q.kind != "person" or not roles:
        return None
    cross = bool(window.source.language) and window.source.language != language
    words = [t.fold for t in tokens(window.source.text)]
    if not matcher.best(roles, words, cross):
        return f"the passage calls nobody {', '.join(roles)}"
    return None


FUTURE_MARKERS = load_words("future_markers.txt")


def speaks_ahead(text: str) -> bool:
    """"When will…", "zal … plaatsvinden": the text speaks of what is to come."""
    return any(t.fold in FUTURE_MARKERS for t in tokens(text))


FROM_NOW = load_words("from_now.txt")


def after_now(q: Question, window: Window) -> str | None:
    """"What is the weather forecast for Brussels tomorrow?" asks about the asker's tomorrow: a passage that does
    not speak of what is to come ("will", "zal", "morgen") does not answer it."""
    asked = _from_now(q.text)
    if not asked or speaks_ahead(window.text) or _from_now(window.text):
        return None
    return f"'{asked[0]}' is after the article, and the passage does not speak of what is to come"


_DETERMINERS = frozenset("the that this de die deze dat elke iedere".split())


def _from_now(text: str) -> list[str]:
    """The words of a text that mean the asker's tomorrow or tonight; not after a determiner ("die morgen": that
    morning)."""
    toks = tokens(text)
    return [t.text for i, t in enumerate(toks) if t.fold in FROM_NOW and not (i and toks[i - 1].fold in _DETERMINERS)]


def past_for_future(q: Question, item_text: str, article_date: str) -> str | None:
    """"When will the region get a new constitution?" is not answered by a year before the article was written
    ("Sinds 1989…"): what the article reports as done cannot be what the question expects to come."""
    if q.kind != "time" or not speaks_ahead(q.text):
        return None
    written = int(article_date[:4]) if article_date[:4].isdigit() else None
    years = years_in(item_text)
    if written is not None and years and max(years) < written:
        return f"{max(years)} lies before the article ({article_date}); the question asks about what is to come"
    return None


def weekday_for_future(q: Question, item_text: str, window: Window, start: int, end: int) -> str | None:
    """"When will the next competition take place?" is not answered by "The competition ended on Tuesday": a day
    of the week dates something in the article's own week, and only a clause that speaks of what is to come
    ("will", "zal") makes it the day asked about."""
    if q.kind != "time" or not speaks_ahead(q.text):
        return None
    words = [t.fold for t in tokens(item_text)]
    if not calendar_words(words) or not any(w in WEEKDAYS for w in words):
        return None
    if speaks_ahead(" ".join(clause_of(window.text, start, end))):
        return None
    return f"'{item_text}' dates something in the article's week, and its clause does not speak of what is to come"


def q_language(q: Question) -> str:
    return detect(q.text)


def _plain_terms(q: Question) -> tuple[str, ...]:
    named = q.name_words
    return tuple(t for t in q.terms if t not in named and not t.isdigit())


def uncovered(q: Question, window: Window, language: str, matcher: Matcher, typed: bool = False) -> str | None:
    """Asked in the article's own language, an answer shares at least one of the question's words (beyond
    names) with its passage; across languages the vectors are too weak to demand it, so the rule holds back."""
    if window.source.language != language:
        return None
    terms = tuple(t for t in _plain_terms(q) if not (typed and t in q.focus))  # an item stands for its kind
    words = [t.fold for t in tokens(window.source.text)]
    if terms and not matcher.best(terms, words, cross=False):
        return f"none of {', '.join(terms)} is in the passage"
    return None


def asks_for_a_figure(q: Question) -> bool:
    """A count of something named, a sum of money or a date: an item that must stand by the question's words."""
    return q.counts and bool(q.focus) or q.kind in ("money", "time")


def detached(near: float, q: Question, window: Window, language: str) -> str | None:
    """A number or date whose clause holds none of the question's other words, in the question's own language
    ("how many children have been found?" next to "16,200 children to be traced")."""
    if window.source.language != language or not asks_for_a_figure(q):
        return None
    context = [t for t in _plain_terms(q) if t not in q.focus]
    if context and near == 0:
        return f"none of {', '.join(context)} stands by the {q.kind}"
    return None


def points_elsewhere(q: Question, near: float, window: Window, article_words: Sequence[str], matcher: Matcher,
                     language: str, counted: bool = False) -> str | None:
    """Across languages, a number or date is no answer when nothing of the question anchors its passage: no word
    of it stands by the item, no name or year of it is in the passage, and none of its other words has its
    closest word of the article there ("When will the gas pipeline be finished?" is not answered by "dinsdag" in a
    sentence about a banquet): `detached`, for words spelled otherwise. A count beside the very thing it counts
    (`counted`: "32 pages" for "how many pages") is anchored by that."""
    if window.source.language == language or near > 0 or counted or not asks_for_a_figure(q):
        return None
    text = fold(window.text)
    if any(fold(n) in text for n in q.names) or any(str(y) in window.text for y in q.years):
        return None
    context = [t for t in _plain_terms(q) if t not in q.focus and len(t) >= 4]
    if not context:
        return None
    here = [t.fold for t in tokens(window.text)]
    if matcher.best(context, here, cross=False):
        return None
    closest = matcher.nearest(context, article_words)
    if any(w in here for w in closest.values()):
        return None
    return "nothing of the question in the passage; the article's words closest to its words stand elsewhere: " + \
        ", ".join(f"{t} ~ {w}" for t, w in closest.items())


def weak_relation(window: Window, q: Question, cal: Calibration, masked: bool) -> str | None:
    """With the question's names left out, what it asks about them must still be close to the window ("which
    country did Borrell visit" is not answered by a sentence about Borrell and Ukraine's red lines)."""
    if masked and window.related < cal.min_relation:
        return f"relation {window.related:.3f} < {cal.min_relation}"
    return None


def names_subject(q: Question, text: str) -> bool:
    """"Who is Colette Heald?": a passage that names her in full is about her, however the question's form
    ("Wie is …", in the other language) scores against it."""
    return bool(q.subject) and fold(" ".join(q.subject)) in fold(text)


def in_previous_quote(q: Question, context: FollowUp) -> bool:
    """A follow-up that asks about something the previous answer quoted ("Tegen wie speelde ze de finale?" after a
    quote of "in de finale van de US Open") is about that passage, before any other that mentions it."""
    said = [t.fold for t in tokens(quoted(context.previous.answer.text))]
    asked = [t for t in q.terms if t not in q.name_words and len(t) >= 4]
    return bool(asked) and any(same_word(t, w) for t in asked for w in said)
