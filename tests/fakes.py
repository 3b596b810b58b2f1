"""Fakes for the seams where a fake is the point: an engine you can make slow, wrong or failing."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import numpy as np

from bot.common.models import Answer, Article, Scope, Source

GATE_TIMEOUT_S = 30.0  # a gated engine left waiting this long means the test forgot to release it

SOURCE = Source(
    article="2023-03-china-russia-multilateralism",
    title="China and Russia close ranks; the EU defends multilateralism (descriptive title)",
    paragraph=16,
    text="Eén van hen is EU-Buitenlandchef Josep Borrell.",
    score=0.9,
    date="2023-03",
)


class FixedVectors:
    """Word vectors set by hand (normalised): translations close, other words at `default`."""

    def __init__(self, table: dict[str, list[float]], default: Sequence[float] = (0.0, 0.0, 1.0)) -> None:
        self.table = {w: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for w, v in table.items()}
        self.default = np.asarray(default, dtype=np.float32) / np.linalg.norm(default)

    def vectors(self, words: Sequence[str]) -> dict[str, np.ndarray]:
        return {w: self.table.get(w, self.default) for w in words}


class FakeRetriever:
    """Returns fixed passages and records every query it was asked (and the scope it came with); `tags` gives an
    article its tags, for scopes that select by tag."""

    def __init__(self, sources: Sequence[Source] = (SOURCE,), tags: dict[str, tuple[str, ...]] | None = None) -> None:
        self.sources = list(sources)
        self.tags = tags or {}
        self.queries: list[str] = []
        self.scopes: list[Scope | None] = []

    def _admits(self, article: str, scope: Scope | None) -> bool:
        return scope is None or scope.admits(article, self.tags.get(article, ()))

    def retrieve(self, query: str, k: int, prefer: str | None = None, language: str | None = None,
                 scope: Scope | None = None) -> list[Source]:
        self.queries.append(query)
        self.scopes.append(scope)
        return [s for s in self.sources if self._admits(s.article, scope)][:k]

    def articles(self, scope: Scope | None = None) -> list[Article]:
        known = {s.article: s for s in [SOURCE, *self.sources]}
        return [Article(a, s.title, s.date, s.language or "nl") for a, s in known.items() if self._admits(a, scope)]

    def ping(self) -> None:
        return None


class FakeEngine:
    """Answers with a fixed text (or an echo), optionally after a delay, optionally by raising."""

    def __init__(
        self,
        text: str | None = None,
        *,
        delay_s: float = 0.0,
        error: Exception | None = None,
        deltas: Sequence[str] = (),
        grounded: bool = True,
        gate: threading.Event | None = None,
    ) -> None:
        self.text = text
        self.delay_s = delay_s
        self.error = error
        self.deltas = list(deltas)
        self.grounded = grounded
        self.gate = gate  # when given, the final answer waits until the test sets it (a core as slow as the test says)
        self.calls: list[str] = []
        self.finished = 0  # calls that have returned or raised
        self.lock = threading.Lock()

    def _final(self, question: str, passages: Sequence[Source], language: str) -> Answer:
        with self.lock:
            self.calls.append(question)
        try:
            if self.gate is not None:
                assert self.gate.wait(GATE_TIMEOUT_S), "the test never released the engine"
            if self.delay_s:
                time.sleep(self.delay_s)
            if self.error is not None:
                raise self.error
            cite = f" [{passages[0].paragraph}]" if passages else ""
            text = self.text if self.text is not None else f"Echo: {question}{cite}"
            return Answer(text, tuple(passages), self.grounded, language)
        finally:
            with self.lock:
                self.finished += 1

    def answer(self, question: str, passages: Sequence[Source], language: str, context: object = None,
               scope: object = None) -> Answer:
        return self._final(question, passages, language)

    def stream(
        self, question: str, passages: Sequence[Source], language: str, context: object = None, scope: object = None
    ) -> Iterator[str | Answer]:
        for d in self.deltas:
            yield d
        yield self._final(question, passages, language)



class SteppedEngine(FakeEngine):
    """Streams one delta each time the test says `step()`; `ready` is released when it waits for the next step,
    i.e. once the flow has handled the delta before."""

    def __init__(self, parts: Sequence[str]) -> None:
        super().__init__("".join(parts))
        self.parts = list(parts)
        self.ready = threading.Semaphore(0)
        self.go = threading.Semaphore(0)

    def _wait_turn(self) -> None:
        self.ready.release()
        assert self.go.acquire(timeout=10), "the test did not step the engine"

    def stream(self, question: str, passages: Sequence[Source], language: str,
               context: object = None, scope: object = None) -> Iterator[str | Answer]:
        for part in self.parts:
            self._wait_turn()
            yield part
        self._wait_turn()
        yield self._final(question, passages, language)

    def step(self) -> None:
        """Let the next delta (or the final answer) out, once the one before has been handled."""
        assert self.ready.acquire(timeout=10), "the flow did not ask for the next delta"
        self.go.release()

def sentences(n_chars: int) -> str:
    """A long answer-like text of `n_chars`: numbered sentences, a paragraph break every nine."""
    out: list[str] = []
    i = 0
    while sum(map(len, out)) < n_chars:
        i += 1
        out.append(f"Sentence number {i} talks about Borrell and multilateralism at some length. ")
        if i % 9 == 0:
            out.append("\n\n")
    return "".join(out)[:n_chars].rstrip()
