"""The seam every adapter talks to: a question and a conversation id in, an Answer out."""
from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from .errors import InputError
from .language import detect, phrase
from .models import Answer, Article, Feedback, Source, Turn
from .store import Store

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger("briefbot.core")


class Retriever(Protocol):
    """Finds the passages nearest a query."""

    def retrieve(self, query: str, k: int) -> list[Source]: ...
    def articles(self) -> list[Article]: ...
    def ping(self) -> None: ...


class Engine(Protocol):
    """Turns a question and its passages into an Answer."""

    def answer(self, question: str, passages: Sequence[Source], language: str) -> Answer: ...
    def stream(self, question: str, passages: Sequence[Source], language: str) -> Iterator[str | Answer]: ...


# Words that make a question lean on the previous turn ("and what did Borrell say about that?").
_FOLLOW_UP = re.compile(
    r"^(and|but|what about|how about|also|en|maar|en hoe|en wat|wat dan|ook)\b|"
    r"\b(that|this|those|these|it|he|she|they|him|her|them|there|then|"
    r"dat|dit|die|deze|daar\w*|hij|zij|ze|hem|haar|hun|toen|erover|hierover)\b",
    re.I,
)


def is_follow_up(question: str) -> bool:
    """Whether a question is likely to need the previous turn to be understood."""
    if _FOLLOW_UP.search(question):
        return True
    words = question.split()
    return len(words) <= 3 and not any(w[:1].isupper() for w in words[1:])  # "and Russia?" names its topic


class Bot:
    """Validates, remembers and retrieves; the engine decides what to say."""

    def __init__(
        self,
        retriever: Retriever,
        engine: Engine,
        store: Store,
        *,
        top_k: int = 4,
        candidates: int = 10,
        max_question_chars: int = 1000,
        on_close: Sequence[Callable[[], None]] = (),
    ) -> None:
        self.retriever = retriever
        self.engine = engine
        self.store = store
        self.top_k = top_k
        self.candidates = max(candidates, top_k)
        self.max_question_chars = max_question_chars
        self._on_close = list(on_close)

    def check(self, question: str) -> tuple[str, str]:
        """The cleaned question and its language, or an InputError that says what is wrong."""
        cleaned = " ".join(question.split())
        language = detect(cleaned)
        if not cleaned:
            raise InputError(phrase("empty_question", language), language=language)
        if len(cleaned) > self.max_question_chars:
            raise InputError(
                phrase("too_long", language, length=len(cleaned), limit=self.max_question_chars),
                language=language,
            )
        return cleaned, language

    def query_for(self, question: str, conversation_id: str) -> str:
        """What to search for: the question, widened with the previous one when it is a follow-up."""
        history = self.store.turns(conversation_id)
        if history and is_follow_up(question):
            return f"{history[-1].question} {question}"
        return question

    def answer(self, question: str, conversation_id: str) -> Answer:
        cleaned, language = self.check(question)
        query = self.query_for(cleaned, conversation_id)
        answer = self.engine.answer(query, self.retriever.retrieve(query, self.candidates), language)
        return self._remember(conversation_id, cleaned, answer)

    def stream(self, question: str, conversation_id: str) -> Iterator[str | Answer]:
        """Text deltas as they come, then the final Answer (the offline engine yields only the Answer)."""
        cleaned, language = self.check(question)
        query = self.query_for(cleaned, conversation_id)
        for item in self.engine.stream(query, self.retriever.retrieve(query, self.candidates), language):
            if isinstance(item, Answer):
                yield self._remember(conversation_id, cleaned, item)
            else:
                yield item

    def _remember(self, conversation_id: str, question: str, answer: Answer) -> Answer:
        answer = replace(answer, question=question, id=uuid.uuid4().hex[:16])
        self.store.add_turn(conversation_id, Turn(question, answer, time.time()))
        return answer

    def reset(self, conversation_id: str) -> None:
        self.store.reset(conversation_id)

    def last_answer(self, conversation_id: str) -> Answer | None:
        turns = self.store.turns(conversation_id)
        return turns[-1].answer if turns else None

    def articles(self) -> list[Article]:
        return self.retriever.articles()

    def record_feedback(self, answer_id: str, vote: str, user: str, platform: str) -> Feedback | None:
        """Store a vote with the question, answer and sources it is about; None for an unknown answer."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        found = self.store.find_answer(answer_id)
        if found is None:
            return None
        conversation_id, turn = found
        fb = Feedback(
            answer_id, vote, user, platform, conversation_id, turn.question, turn.answer.text,
            turn.answer.sources, time.time(),
        )
        self.store.add_feedback(fb)
        return fb

    def close(self) -> None:
        self.store.close()
        for fn in self._on_close:
            fn()


def build_bot(settings: Settings) -> Bot:
    """The one place that constructs Chroma, the embedder, the LLM and the store."""
    from .wiring import build

    return build(settings)
