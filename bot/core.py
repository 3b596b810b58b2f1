"""The seam every adapter talks to: a question and a conversation id in, an Answer out."""
from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from . import metrics
from .errors import InputError, RateLimited, StoreError
from .gaps import GapRecorder, gap_from_answer
from .language import detect, phrase, strip_pleasantries
from .limits import Gate, LocalGate
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


# A question that opens like this carries on the previous turn ("and what did Borrell say?").
_LEADS = re.compile(r"^(and|but|so|also|then|what about|how about|en|maar|dus|ook|wat dan|en hoe|of)\b", re.I)
# Words that point back; only a short question that uses one is taken to lean on the previous turn.
_POINTS_BACK = re.compile(
    r"\b(that|this|those|these|it|he|she|they|him|her|them|there|then|"
    r"dat|dit|die|deze|daar\w*|hij|zij|ze|hem|haar|hun|toen|erover|hierover)\b",
    re.I,
)


def is_follow_up(question: str) -> bool:
    """Whether a question is likely to need the previous turn to be understood."""
    words = question.split()
    if _LEADS.match(question):
        return True
    if len(words) <= 7 and _POINTS_BACK.search(question):
        return True
    return len(words) <= 3 and not any(w[:1].isupper() for w in words[1:])  # "Borrell?" names its topic


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
        gate: Gate | None = None,
        on_close: Sequence[Callable[[], None]] = (),
        gaps: GapRecorder | None = None,
    ) -> None:
        self.retriever = retriever
        self.engine = engine
        self.store = store
        self.top_k = top_k
        self.candidates = max(candidates, top_k)
        self.max_question_chars = max_question_chars
        # No per-user limit unless one is configured (build_bot passes the configured gate).
        self.gate: Gate = gate or LocalGate(per_minute=10**9, burst=10**9, max_concurrent=4)
        self._on_close = list(on_close)
        self.gaps = gaps  # refused questions and 👎 go here (`briefbot gaps`)

    def check(self, question: str) -> tuple[str, str]:
        """The cleaned question and its language, or an InputError that says what is wrong."""
        cleaned = strip_pleasantries(" ".join(question.split()))
        language = detect(cleaned or question)
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
        if not is_follow_up(question):  # cheap test first: most questions stand alone
            return question
        history = self.store.turns(conversation_id)
        return f"{history[-1].question} {question}" if history else question

    def answer(self, question: str, conversation_id: str) -> Answer:
        final = None
        for item in self.stream(question, conversation_id):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(
        self, question: str, conversation_id: str, *, on_queued: Callable[[int], None] | None = None
    ) -> Iterator[str | Answer]:
        """Text deltas as they come, then the final Answer (the offline engine yields only the Answer).

        Waits for a free answering slot first (`on_queued(position)` is called when that takes a while).
        """
        platform = conversation_id.split(":", 1)[0] or "unknown"
        engine = type(self.engine).__name__
        metrics.QUESTIONS.labels(platform).inc()
        started = time.perf_counter()
        try:
            cleaned, language = self.check(question)
            with self.gate.slot(on_queued):
                query = self.query_for(cleaned, conversation_id)
                try:
                    passages = self.retriever.retrieve(query, self.candidates)
                except StoreError as exc:
                    log.warning("retrieval failed: %s", exc.message)
                    raise StoreError(phrase("store_down", language), language=language) from exc
                for item in self.engine.stream(query, passages, language):
                    if isinstance(item, Answer):
                        item = self._remember(conversation_id, cleaned, item)
                        metrics.ANSWER_SECONDS.labels(platform, engine).observe(time.perf_counter() - started)
                        if not item.grounded:
                            metrics.REFUSALS.labels(platform).inc()
                            self._gap("refused", item.id, cleaned, item, platform)
                    yield item
        except Exception as exc:
            metrics.ERRORS.labels(platform, type(exc).__name__).inc()
            raise

    def admit(self, user: str, language: str, platform: str) -> None:
        """Raise RateLimited, in the asker's language, when this user has used up their questions for now."""
        wait = self.gate.wait_time(user)
        if wait > 0:
            metrics.RATE_LIMITED.labels(platform).inc()
            raise RateLimited(phrase("rate_limited", language, seconds=max(1.0, wait)), language=language)

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

    def record_feedback(
        self, answer_id: str, vote: str, user: str, platform: str, reason: str | None = None
    ) -> Feedback | None:
        """Store a vote with the question, answer and sources it is about; None for an unknown answer.

        A 👎 is also kept as a knowledge gap, with the voter's optional one-line reason (a second call with the
        reason replaces the first record)."""
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
        if vote == "down":
            self._gap("down", f"{answer_id}|{user}", turn.question, turn.answer, platform, reason or "")
        return fb

    def _gap(self, kind: str, key: str, question: str, answer: Answer, platform: str, reason: str = "") -> None:
        if self.gaps is None:
            return
        try:
            self.gaps.record(gap_from_answer(kind, key, question, answer, platform, reason))
        except Exception as exc:  # a gap not recorded must never cost the user their answer
            log.warning("could not record a knowledge gap (%s)", type(exc).__name__)

    def close(self) -> None:
        self.store.close()
        for fn in self._on_close:
            fn()


def build_bot(settings: Settings) -> Bot:
    """The one place that constructs Chroma, the embedder, the LLM and the store."""
    from .wiring import build

    return build(settings)
