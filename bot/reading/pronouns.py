"""Who a pronoun stands for, when it is the one doing what a who-question asks ("won ze haar eerste titel")."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from bot.language.match import Matcher
from bot.language.names import Name, names_in
from bot.language.question import Question
from bot.language.words import Token, fold, load_words, tokens

from .items import Item
from .windows import Window

SUBJECT_PRONOUNS = load_words("subject_pronouns.txt")
OBJECT_PRONOUNS = frozenset("him her them hem haar hen hun".split())
SUBJECT = 0.3  # "Wie won …?": the person a pronoun beside the asked verb stands for ("won ze"), over the names after


@dataclass(frozen=True)
class People:
    """Who the passages near the top name: surnames of people named in full ("Donald Trump" makes a lone "Trump"
    a person), and the one they name most (who an unexplained "she" is)."""

    surnames: frozenset[str]
    salient: str | None = None
    common: frozenset[str] = frozenset()  # words the passages also write in lower case

    def person(self, n: Name) -> bool:
        """A run of capitals read as a person's name, unless most of its words are common words of the passages:
        then it is a title ("Nature Climate Change", a journal, beside "climate" and "change")."""
        return n.kind == "person" and 3 * sum(w in self.common for w in n.words) < 2 * len(n.words)


def persons_in(windows: Sequence[Window]) -> People:
    """Who the paragraphs of these windows name, read once per question."""
    texts = list(dict.fromkeys(w.source.text for w in windows))
    common = frozenset(t.fold for text in texts for t in tokens(text) if t.text[:1].islower())
    probe = People(frozenset(), None, common)
    out: set[str] = set()
    for text in texts:
        for n in names_in(text):
            if probe.person(n):
                out.add(n.words[-1])
    return People(frozenset(out), salient(texts, out), common)


def doer_items(q: Question, w: Window, verbs: Sequence[str], persons: People, matcher: Matcher,
               cross: bool) -> list[tuple[Item, float]]:
    """"Wie won de US Open?" read in "… won ze haar eerste Grand Slam door Mary Pierce te verslaan": "ze" did it,
    and stands for the person last named before it, else for the one the passages name most."""
    if not verbs or not asks_the_doer(q.text):
        return []
    found = {word for word, _ in matcher.best(verbs, [t.fold for t in tokens(w.text)], cross).values()}
    if not found:
        return []
    pronoun = subject_pronoun(w.text, found.__contains__)
    if pronoun is None:
        return []
    at = w.source.text.find(w.text)
    who = referent(w.source.text, (at if at >= 0 else 0) + pronoun.start, persons.surnames, persons.salient)
    if who is None or fold(who.split()[-1]) in q.name_words:
        return []
    fit = 0.5 + SUBJECT
    return [(Item("person", pronoun.text, who, pronoun.start, pronoun.end, fit, 1.0), fit + 0.5)]


_AUXILIARIES = frozenset("do does did will would can could shall should may might must has have had is are was were "
                         "zal zou kan kon heeft hebben had is was werd wordt".split())
_ASKED_BY = re.compile(r"^\s*(?:who|wie)\s+(\w+)(?:\s+(\w+))?", re.IGNORECASE)


def asks_the_doer(question: str) -> bool:
    """"Who won …?", "Wie leidde …?": who did it, not to whom ("Who did she beat?", "Wie versloeg ze?")."""
    m = _ASKED_BY.match(question)
    if m is None:
        return False
    verb, after = m.group(1).casefold(), (m.group(2) or "")
    return verb not in _AUXILIARIES and after.casefold() not in SUBJECT_PRONOUNS | OBJECT_PRONOUNS and \
        not after[:1].isupper()


def subject_pronoun(text: str, asked: Callable[[str], bool]) -> Token | None:
    """A personal pronoun right beside a word of what the question asks ("won ze", "she won"), unless a name
    stands just before that word: then the name does it, and the pronoun after it is its object ("Pierce
    versloeg ze")."""
    toks = tokens(text)
    name_ends = {n.end for n in names_in(text)}
    for i, t in enumerate(toks):
        if t.fold in SUBJECT_PRONOUNS or not asked(t.fold):
            continue
        before = toks[i - 1] if i > 0 else None
        after = toks[i + 1] if i + 1 < len(toks) else None
        if before is not None and before.fold in SUBJECT_PRONOUNS:
            return before
        if after is not None and after.fold in SUBJECT_PRONOUNS and (before is None or before.end not in name_ends):
            return after
    return None


def salient(texts: Sequence[str], persons: Collection[str]) -> str | None:
    """The person the passages name most (in the fullest form they give): who an unexplained "she" is."""
    counts: Counter[str] = Counter()
    forms: Counter[tuple[str, bool, str]] = Counter()  # the form most often given as a person's, then the shortest
    for text in texts:
        for n in names_in(text):
            last = n.words[-1]
            if n.kind == "person" or last in persons:
                counts[last] += 1
                forms[(last, n.kind == "person" and len(n.words) > 1, n.text)] += 1
    if not counts:
        return None
    (top, most), *rest = counts.most_common(2) + [("", 0)]
    if most == rest[0][1]:
        return None  # a tie names nobody for sure
    return max((k for k in forms if k[0] == top), key=lambda k: (k[1], forms[k], -len(k[2])))[2]


def referent(paragraph: str, offset: int, persons: Collection[str], fallback: str | None) -> str | None:
    """The person a pronoun at `offset` of the paragraph stands for: the last one named before it there, else
    the one the passages name most."""
    before = [n for n in names_in(paragraph[:offset]) if n.kind == "person" or n.words[-1] in persons]
    return before[-1].text if before else fallback
