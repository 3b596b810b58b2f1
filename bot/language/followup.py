"""Follow-up questions: "And which country proposed it?" read against the thread's previous turn."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.common.models import Source, Turn

from . import cues
from .names import names_in
from .question import analyse


@dataclass(frozen=True)
class FollowUp:
    """A question that leans on the previous turn, with what it leans on."""

    query: str  # what to search for: the question widened with the previous turn
    previous: Turn
    referent: str  # who or what a pronoun points at ("Napoleon", "Suella Braverman"), or ""
    given: tuple[str, ...] = ()  # what the thread already named: the previous question's names and answer
    anaphoric: bool = False  # nothing of its own to search for ("Wie zei dat?", "Waarom?"): read the last passage
    read_as: str = ""  # one question for a reader to read: the pronoun replaced, never two questions joined

    @property
    def quoted(self) -> Source | None:
        """The passage the previous answer quoted, when it answered."""
        answer = self.previous.answer
        return answer.sources[0] if answer.grounded and answer.sources else None

    @property
    def article(self) -> str | None:
        """The article the previous answer cited: the thread is about it, also when the answer was a refusal that
        showed the closest passage there (a refusal with nothing close, off the articles' topics, cites none)."""
        sources = self.previous.answer.sources
        return sources[0].article if sources else None


def is_follow_up(question: str) -> bool:
    """Whether a question is likely to need the previous turn to be understood."""
    words = question.split()
    if cues.LEADS_ON.match(question):
        return True
    if len(words) <= 8 and cues.POINTS_BACK.search(question) and not analyse(question).kind == "overview":
        return True
    return len(words) <= 3 and not analyse(question).names  # "Waarom?", "En wanneer?"


_SINGULAR = re.compile(r"\b(he|she|him|her|his|hij|hem|zij|ze|haar)\b", re.I)
_LIST = re.compile(r",| and | en | or | of ")


def _referent(question: str, turn: Turn) -> str:
    """The name a pronoun in the question most likely points at: the previous answer's item if it is one
    person's name, else the first person or thing the previous question names ("he" after "Who defeated
    Napoleon?" answered "Wellington and Blücher" is Napoleon; "she" after "Who is Suella Braverman?" answered
    "Home Secretary" is Braverman)."""
    asked_who = analyse(turn.question).kind in ("role", "describe")  # "Wie is X?" answered "Home Secretary": X
    item = turn.answer.item if turn.answer.grounded and not asked_who else ""
    names = [n.text for n in names_in(turn.question) if n.kind in ("person", "other")]
    one = bool(item) and not (_SINGULAR.search(question) and _LIST.search(item))
    if one and item[:1].isupper() and any(n.kind in ("person", "other") for n in names_in(item)):
        return item
    return names[0] if names else ""


def _own_terms(question: str) -> tuple[str, ...]:
    """The words a question brings itself, beyond function words and pronouns."""
    return tuple(t for t in analyse(question).terms if not cues.POINTS_BACK.fullmatch(t))


def resolve(question: str, history: list[Turn]) -> FollowUp | None:
    """The follow-up reading of a question, or None when it stands on its own (or there is no history)."""
    if not history or not is_follow_up(question):
        return None
    # the last turn that answered: a refusal in between ("Met welke zender sprak ze?") does not end the thread
    turn = next((t for t in reversed(history) if t.answer.grounded), history[-1])
    referent = _referent(question, turn)
    given = tuple(dict.fromkeys([*(n.text for n in names_in(turn.question)), *([turn.answer.item] if turn.answer.item
                                                                                 else [])]))
    read_as = question  # "En hoeveel gemeenten?" is read as it is, in the passages the widened query finds
    if referent and cues.PRONOUNS_PERSON.search(question):
        # "Where was he sent afterwards?" -> "Where was Napoleon sent afterwards?": a question in its own right
        query = read_as = cues.PRONOUNS_PERSON.sub(referent, question, count=1)
        if cues.PRONOUNS_PLACE.search(question) and turn.answer.item:
            query += " " + turn.answer.item
    elif turn.answer.grounded and turn.answer.sources and _own_terms(question):
        query = question  # "Who funded it?" is searched as it is, within the thread's article (see retrieve)
    else:
        extra = [turn.question]  # "Waarom?", "En hoeveel gemeenten?": the previous question supplies the rest
        if cues.PRONOUNS_PLACE.search(question) and turn.answer.item:
            extra.append(turn.answer.item)
        query = " ".join([question, *extra])
    return FollowUp(query=query, previous=turn, referent=referent, given=given, anaphoric=not _own_terms(question),
                    read_as=read_as)
