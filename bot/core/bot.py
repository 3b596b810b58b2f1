"""The seam every adapter talks to: a question and a conversation id in, an Answer out."""
from __future__ import annotations

import logging
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Protocol

from bot.common import metrics
from bot.common.errors import EmptyQuestion, InputError, RateLimited, StoreError
from bot.common.models import Answer, Article, Feedback, Scope, Source, Turn
from bot.common.text import one_line
from bot.language.followup import FollowUp, is_follow_up, resolve
from bot.language.phrases import detect, phrase, strip_pleasantries
from bot.state.gaps import GapRecorder, gap_from_answer
from bot.state.limits import Gate, unlimited
from bot.state.store import Store
from bot.state.usage import UsageRecorder, usage_event
from bot.state.work import WorkLog

log = logging.getLogger("briefbot.core")

MAX_REASON_CHARS = 300  # a 👎's reason is one line


class Retriever(Protocol):
    """Finds the passages nearest a query (among the articles a channel's scope admits, when it has one)."""

    def retrieve(self, query: str, k: int, prefer: str | None = None, language: str | None = None,
                 scope: Scope | None = None) -> list[Source]: ...
    def articles(self, scope: Scope | None = None) -> list[Article]: ...
    def ping(self) -> None: ...


class Engine(Protocol):
    """Turns a question and its passages into an Answer; `scope` is the channel's articles, for what the engine
    looks up beyond the passages (the list of articles in an overview)."""

    def answer(self, question: str, passages: Sequence[Source], language: str,
               context: FollowUp | None = None, scope: Scope | None = None) -> Answer: ...
    def stream(self, question: str, passages: Sequence[Source], language: str,
               context: FollowUp | None = None, scope: Scope | None = None) -> Iterator[str | Answer]: ...


_ANSI = re.compile(r"\x1b\[[0-?]{0,32}[ -/]{0,8}[@-~]")  # a terminal's colour or cursor sequence, pasted along
_INVISIBLE = frozenset({"Cf", "Cc", "Co", "Cn", "Zl", "Zp"})  # format, control, private, unassigned, separators


def _visible(ch: str) -> str:
    """A control character (NUL, escape, C1) becomes a space, so it still separates words; other invisible ones
    (zero-width spaces, joiners) go."""
    if ch.isprintable() or ch.isspace():
        return ch
    category = unicodedata.category(ch)
    if category == "Cc":
        return " "
    return "" if category in _INVISIBLE else ch


def visible_text(text: str) -> str:
    """The text with controls turned into spaces, other invisible characters dropped and spaces collapsed: a NUL
    or an escape sequence never changes which question is read (issue 23)."""
    return " ".join("".join(map(_visible, _ANSI.sub(" ", text))).split())


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
        clock: Callable[[], float] = time.time,
        gaps: GapRecorder | None = None,
        usage: UsageRecorder | None = None,
    ) -> None:
        self.retriever = retriever
        self.engine = engine
        self.store = store
        self.top_k = top_k
        self.candidates = max(candidates, top_k)
        self.max_question_chars = max_question_chars
        # No per-user limit unless one is configured (build_bot passes the configured gate).
        self.gate: Gate = gate or unlimited()
        self.clock = clock
        self._on_close = list(on_close)
        self.gaps = gaps  # refused questions and 👎 go here (`briefbot gaps`)
        self.usage = usage  # one count per answer: questions, refusals, answer time per day and channel

    @property
    def work(self) -> WorkLog:
        """The durable record of acknowledged questions (adapters/flow.py), in the same state store."""
        return self.store

    @property
    def max_input_chars(self) -> int:
        """Raw input longer than this is refused by its length alone, before any pattern looks at it."""
        return 2 * self.max_question_chars + 100

    def too_long(self, text: str) -> InputError | None:
        """The error for input too long to even clean (a length check only: constant time)."""
        if len(text) <= self.max_input_chars:
            return None
        language = detect(text[:2000])
        return InputError(phrase("too_long", language, length=len(text), limit=self.max_question_chars),
                          language=language)

    def check(self, question: str) -> tuple[str, str]:
        """The cleaned question and its language, or an InputError that says what is wrong.

        Linear in the input: the length is checked before any pattern runs (issue 10), then invisible characters
        and chat manners go; nothing left is an EmptyQuestion (adapters show how to ask).
        """
        error = self.too_long(question)
        if error is not None:
            raise error
        cleaned = strip_pleasantries(visible_text(question))
        language = detect(cleaned or question)
        if not cleaned:
            raise EmptyQuestion(phrase("empty_question", language), language=language)
        if len(cleaned) > self.max_question_chars:
            raise InputError(
                phrase("too_long", language, length=len(cleaned), limit=self.max_question_chars),
                language=language,
            )
        return cleaned, language

    def follow_up(self, question: str, conversation_id: str) -> FollowUp | None:
        """The question read against the conversation's previous turn, when it leans on it."""
        if not is_follow_up(question):  # cheap test first: most questions stand alone
            return None
        return resolve(question, self.store.turns(conversation_id))

    def answer(self, question: str, conversation_id: str, *, scope: Scope | None = None) -> Answer:
        return self.compute(question, conversation_id, scope=scope)

    def probe(self, question: str) -> Answer:
        """An answer that leaves no trace: no memory, no gap, no usage count (does a gap still refuse?)."""
        return self.compute(question, "probe", record=False)

    def compute(
        self, question: str, conversation_id: str, *, on_queued: Callable[[int], None] | None = None,
        on_delta: Callable[[str], None] | None = None, scope: Scope | None = None, record: bool = True,
    ) -> Answer:
        """The final Answer, computed under an answering slot; text deltas go to `on_delta` as they come.

        The slot is free again when this returns: posting the answer (slow platform calls) never holds one.
        """
        final = None
        for item in self.stream(question, conversation_id, on_queued=on_queued, scope=scope, record=record):
            if isinstance(item, Answer):
                final = item
            elif on_delta is not None:
                on_delta(item)
        if final is None:
            raise RuntimeError("the engine finished without an Answer")
        return final

    def stream(
        self, question: str, conversation_id: str, *, on_queued: Callable[[int], None] | None = None,
        scope: Scope | None = None, record: bool = True,
    ) -> Iterator[str | Answer]:
        """Text deltas as they come, then the final Answer (the offline engine yields only the Answer).

        Waits for a free answering slot first (`on_queued(position)` is called when that takes a while); the final
        Answer is yielded after the slot is given back. With a `scope` (a channel's articles) nothing outside it is
        read, cited or listed; `record=False` (Bot.probe): nothing is remembered or counted.
        """
        platform = conversation_id.split(":", 1)[0] or "unknown"
        engine = type(self.engine).__name__
        metrics.QUESTIONS.labels(platform).inc()
        started = time.perf_counter()
        final: Answer | None = None
        try:
            cleaned, language = self.check(question)
            with self.gate.slot(on_queued):
                context = self.follow_up(cleaned, conversation_id)
                query = context.query if context else cleaned
                try:
                    passages = self.retriever.retrieve(
                        query, self.candidates, prefer=context.article if context else None, language=language,
                        scope=scope)
                    if context is not None and self._in_scope(context, scope):
                        passages = carry_over(passages, context)
                    for item in self.engine.stream(cleaned, passages, language, context=context, scope=scope):
                        if isinstance(item, Answer):
                            final = item
                            break
                        yield item
                except StoreError as exc:  # the search (or the engine's reading of sentences) needed the store
                    log.warning("knowledge store failed: %s", exc.message)
                    raise StoreError(phrase("store_down", language), language=language) from exc
            if final is None:
                raise RuntimeError("the engine finished without an Answer")
            if not record:
                yield replace(final, question=cleaned, id=uuid.uuid4().hex[:16])
                return
            final = self._remember(conversation_id, cleaned, final)
            seconds = time.perf_counter() - started
            metrics.ANSWER_SECONDS.labels(platform, engine).observe(seconds)
            if not final.grounded:
                metrics.REFUSALS.labels(platform).inc()
                self._gap("refused", final.id, cleaned, final, platform)
            self._count(conversation_id, not final.grounded, seconds)
        except Exception as exc:
            metrics.ERRORS.labels(platform, type(exc).__name__).inc()
            raise
        yield final

    def admit(self, user: str, language: str, platform: str) -> None:
        """Raise RateLimited, in the asker's language, when this user has used up their questions for now."""
        wait = self.gate.wait_time(user)
        if wait > 0:
            metrics.RATE_LIMITED.labels(platform).inc()
            raise RateLimited(phrase("rate_limited", language, seconds=max(1.0, wait)), language=language)

    def _remember(self, conversation_id: str, question: str, answer: Answer) -> Answer:
        """Keep the turn for follow-ups and feedback; if the store is down the answer still goes out."""
        answer = replace(answer, question=question, id=uuid.uuid4().hex[:16])
        try:
            self.store.add_turn(conversation_id, Turn(question, answer, self.clock()))
        except StoreError as exc:
            log.warning("answer not remembered (%s)", exc.message)
        return answer

    def reset(self, conversation_id: str) -> None:
        self.store.reset(conversation_id)

    def last_answer(self, conversation_id: str) -> Answer | None:
        turns = self.store.turns(conversation_id)
        return turns[-1].answer if turns else None

    def articles(self, scope: Scope | None = None) -> list[Article]:
        """The articles a channel answers from (every article without a scope)."""
        return self.retriever.articles(scope)

    def _in_scope(self, context: FollowUp, scope: Scope | None) -> bool:
        """Whether the passage a follow-up carries over may be read here (the channel's scope may have changed)."""
        cited = context.quoted
        return scope is None or cited is None or any(a.id == cited.article for a in self.retriever.articles(scope))

    def answer_language(self, answer_id: str, default: str = "en") -> str:
        """The language an earlier answer was given in (for replies about it), or `default`."""
        found = self.store.find_answer(answer_id)
        return found[1].answer.language if found else default

    def claim(self, key: str, ttl_s: float) -> bool:
        """True the first time `key` is claimed within `ttl_s` (deduplicates clicks and replayed events)."""
        return self.store.claim(key, ttl_s)

    def health(self) -> dict[str, str]:
        """'ok' or the failure for the knowledge base and the state store (a real write); never raises."""
        status: dict[str, str] = {}
        for name, probe in (("chroma", self.retriever.ping), ("store", self.store.ping)):
            try:
                probe()
                status[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                status[name] = f"down ({type(exc).__name__})"
        return status

    def record_feedback(self, answer_id: str, vote: str, user: str, platform: str, reason: str = "") -> Feedback | None:
        """Store a vote (and the asker's one-line reason) with what it is about; None for an unknown answer.

        A 👎 is also kept as a knowledge gap with its reason (a second call with the reason replaces the record)."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        found = self.store.find_answer(answer_id)
        if found is None:
            return None
        conversation_id, turn = found
        fb = Feedback(
            answer_id, vote, user, platform, conversation_id, turn.question, turn.answer.text,
            turn.answer.sources, self.clock(), one_line(reason)[:MAX_REASON_CHARS],
        )
        self.store.add_feedback(fb)
        if vote == "down":
            self._gap("down", f"{answer_id}|{user}", turn.question, turn.answer, platform, fb.reason)
        return fb

    def escalate(self, answer_id: str, user: str, platform: str) -> tuple[str, Turn] | None:
        """The conversation and turn a person is called in for, kept as a knowledge gap ("escalated", once per
        answer); None for an answer no longer remembered."""
        found = self.store.find_answer(answer_id)
        if found is None:
            return None
        _, turn = found
        self._gap("escalated", f"escalated:{answer_id}", turn.question, turn.answer, platform,
                  f"{platform} user {user} asked for a person")
        return found

    def _gap(self, kind: str, key: str, question: str, answer: Answer, platform: str, reason: str = "") -> None:
        if self.gaps is None:
            return
        try:
            self.gaps.record(gap_from_answer(kind, key, question, answer, platform, reason))
        except Exception as exc:  # a gap not recorded must never cost the user their answer
            log.warning("could not record a knowledge gap (%s)", type(exc).__name__)

    def _count(self, conversation_id: str, refused: bool, seconds: float) -> None:
        if self.usage is None:
            return
        try:
            self.usage.record(usage_event(conversation_id, refused, seconds, self.clock()))
        except Exception as exc:  # a count not kept must never cost the user their answer
            log.warning("could not count the answer in the usage figures (%s)", type(exc).__name__)

    def close(self) -> None:
        try:
            self.gate.close()
        finally:
            self.store.close()
            for fn in self._on_close:
                fn()


def carry_over(passages: list[Source], context: FollowUp) -> list[Source]:
    """A follow-up also reads the paragraph the previous answer quoted ("Wie zei dat?" is about that passage)."""
    cited = context.quoted
    if not context.anaphoric or cited is None:
        return passages
    if any((p.article, p.paragraph) == (cited.article, cited.paragraph) for p in passages):
        return passages
    top = passages[0].score if passages else cited.score
    return [passages[0], replace(cited, score=top), *passages[1:]] if passages else [cited]

