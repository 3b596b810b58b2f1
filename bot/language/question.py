"""Reading a question: what kind of item it asks for, about what, naming whom, in which year."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import cues
from .dates import calendar_words, years_in
from .languages import LANGUAGE_NOUNS
from .names import ORG_HEADS, PLACE_NOUNS, ROLES, is_role_word, names_in
from .numbers import head_unit
from .words import FUNCTION_WORDS, QUESTION_WORDS, content_terms, fold, load_list, tokens


@dataclass(frozen=True)
class Question:
    """What the engine needs to know about a question."""

    text: str
    kind: str | None  # overview, describe, money, age, distance, percent, duration, length, number, time, reason,
    #                   quote, place, person, organisation, which, yesno, or None
    terms: tuple[str, ...]  # folded content words
    names: tuple[str, ...]  # names as written ("Kim Clijsters", "NATO")
    focus: tuple[str, ...] = ()  # folded words naming what is asked for ("inhabitants", "journal")
    years: tuple[int, ...] = ()
    subject: tuple[str, ...] = ()  # for quote questions: who is asked about ("yvette", "cooper")
    given: tuple[str, ...] = ()  # names a follow-up already knows (the previous question's), not its answer

    @property
    def typed(self) -> bool:
        """Whether the answer is an item the reply can state in the asker's words."""
        return self.kind in ("money", "age", "distance", "percent", "duration", "length", "number", "time",
                             "place", "person", "organisation", "which", "language")

    @property
    def counts(self) -> bool:
        return self.kind in ("money", "age", "distance", "percent", "duration", "length", "number")

    @property
    def name_words(self) -> frozenset[str]:
        """The folded words of the names it asks about: what an answer or a question word must not merely repeat."""
        return frozenset(fold(w) for n in self.names for w in n.split())

    @property
    def posts(self) -> tuple[str, ...]:
        """The posts the question names ("burgemeester", "coach", "secretary-general"; the roles list), in its
        words."""
        return tuple(t for t in self.terms if is_role_word(t))


def _focus_after(question: str, end: int) -> tuple[str, ...]:
    """Up to three content words right after a cue ("how many cannons and howitzers" -> cannons, howitzers)."""
    out: list[str] = []
    for t in tokens(question[end:]):
        if t.fold in ("and", "en", "or", "of") and out:
            continue
        if t.fold in FUNCTION_WORDS or t.fold in _NO_FOCUS or t.capitalised and out:
            break  # "What happens if…" asks for no "which X"
        out.append(t.fold)
        if len(out) == 3:
            break
    return tuple(out)


def _which_kind(focus: tuple[str, ...]) -> str:
    """What a "which X" question asks for, from the noun X."""
    head = focus[:2]
    if any(w in LANGUAGE_NOUNS for w in head):
        return "language"
    if any(w in PLACE_NOUNS for w in head):
        return "place"
    if any(w in ROLES for w in head):
        return "person"
    if any(w in ORG_HEADS for w in head):
        return "organisation"
    return "which"


_SPEAKER_CUE = re.compile(r"\b(did|does|do|has|have|had|would|will|zei|zegt|zeiden|zeggen|schreef|schrijft|"
                          r"vertelde|vertelt|verklaarde|antwoordde|vindt|vond|vinden|vonden|zou|noemt|noemen|noemde|"
                          r"omschrijft|beschrijft)\s+", re.I)


def _subject(question: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """Who a quote question is about: the name right after its verb ("What did Yvette Cooper say", "Wat zei
    Colette Heald"), else its first name; ("he",) for a pronoun, which a follow-up resolves."""
    m = _SPEAKER_CUE.search(question)
    if m:
        after = question[m.end() :]
        first = tokens(after)[:1]
        if first and cues.PRONOUNS_PERSON.fullmatch(first[0].text):
            return ("he",)
        for n in names:
            if after.startswith(n) or after.split(" ", 2)[-1].startswith(n):
                return tuple(fold(w) for w in n.split())
    if names:
        return tuple(fold(w) for n in names[:1] for w in n.split())
    return ()


_PREPOSITIONS = frozenset("to in at from into near naar in te bij uit op van voor".split())


def masked(q: Question, language: str) -> str | None:
    """The question with the names it asks about replaced by a pronoun ("Who was they engaged to?"): what it asks
    about them. A name after a preposition ("to Beijing") stays: it is part of the relation; one that qualifies a
    noun is left out ("the whole region"). None without names."""
    text = q.text
    changed = False
    for name in sorted(q.names, key=len, reverse=True):
        m = re.search(rf"(\b\w+\s+)?{re.escape(name)}", text)
        if m and not (m.group(1) and m.group(1).strip().lower() in _PREPOSITIONS):
            stand_in = "ze" if language == "nl" else "they"
            pronoun = "" if attributive(text, m.end() - len(name), m.end(), language) else stand_in
            text = text[: m.start()] + (m.group(1) or "") + pronoun + text[m.end() :]
            text = re.sub(r"\s{2,}", " ", text)
            changed = True
    return text if changed else None


_ARTICLES = frozenset("the a an".split())
_AUXILIARIES = frozenset("do does did will would can could shall should may might must".split())
# the noun a name qualifies ends its noun phrase: the question, a clause, a possessive or a preposition follows
_HEAD_NOUN = re.compile(r" ([a-z]+)(?=\s*[?.!,;]|'s\b|\s*$| (?:the|a|an|of|in|on|at|to|for|from|with|by)\b)")


def attributive(text: str, start: int, end: int, language: str) -> bool:
    """An English name that qualifies the noun ending its noun phrase ("the whole Brussels region?", "in the
    2005 US Open final?"): left out of the question rather than replaced by a pronoun ("the whole they region"
    is no question). Not after an auxiliary, where the word after the name is a verb ("did the EU announce")."""
    if language != "en":
        return False
    before = [t.fold for t in tokens(text[:start])]
    head = _HEAD_NOUN.match(text, end)
    return any(w in _ARTICLES for w in before[-2:]) and not any(w in _AUXILIARIES for w in before) \
        and head is not None and head.group(1) not in FUNCTION_WORDS


EVENT_PHRASES = tuple(frozenset(line.split()) for line in load_list("event_phrases.txt"))


_NO_FOCUS = QUESTION_WORDS | {w for p in EVENT_PHRASES if len(p) == 1 for w in p}


def without_event_verbs(terms: tuple[str, ...]) -> tuple[str, ...]:
    """"When did the battle take place?": "take place" says only that it happened; what must stand by the answer
    is the battle (`event_phrases.txt`)."""
    present = set(terms)
    drop = set().union(*(p for p in EVENT_PHRASES if p <= present))
    return tuple(t for t in terms if t not in drop)


def _name_part(text: str) -> str:
    """A name joined to a common noun is the name ("de NCLAN-studies" -> NCLAN, "EU-landen" -> EU)."""
    return re.sub(r"-[^\W\d_A-Z][\w-]*$", "", text) or text


@lru_cache(maxsize=1024)
def analyse(question: str) -> Question:
    """The question read once; the retriever and the engine both use it."""
    kind = cues.kind_of(question)
    focus: tuple[str, ...] = ()
    m = cues.HOW_MANY.search(question)
    if m and kind in ("number", "money", "percent", "duration", "distance", "age", "length"):
        focus = _focus_after(question, m.end())
    w = cues.WHICH.search(question)
    if w and kind in (None, "place", "time", "person") and not m:
        focus = _focus_after(question, w.end())
        if kind is None and focus:
            kind = _which_kind(focus)
    if kind == "number" and focus and head_unit(focus[0]) == "money":
        kind = "money"  # "hoeveel prijzengeld": a sum of money
    terms = without_event_verbs(content_terms(question))
    if kind == "money":  # "Hoeveel verdiende ze?": the verb says money is asked; nothing counted, nothing to stand by
        focus = tuple(f for f in focus if not cues.MONEY_VERB.fullmatch(f))
        terms = tuple(t for t in terms if not cues.MONEY_VERB.fullmatch(t))
    written = tuple(n.text for n in names_in(question) if (n.kind != "adjective" or " " in n.text)
                    and not calendar_words(n.words))  # a speaker stays as written ("een hoge EU-ambtenaar")
    names = tuple(_name_part(n) for n in written)
    return Question(
        text=question,
        kind=kind,
        terms=terms,
        names=tuple(dict.fromkeys(names)),
        focus=focus,
        years=years_in(question),
        subject=_subject(question, written) if kind == "quote" and not cues.ARTICLE_SPEAKS.search(question) else
        _subject(question, written) if kind in ("role", "describe") else (),
    )
