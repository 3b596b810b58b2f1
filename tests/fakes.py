"""Fakes for the seams where a fake is the point: an engine you can make slow, wrong or failing."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

from bot.models import Answer, Article, Source

SOURCE = Source(
    article="2023-03-china-russia-multilateralism",
    title="China and Russia close ranks; the EU defends multilateralism (descriptive title)",
    paragraph=16,
    text="Eén van hen is EU-Buitenlandchef Josep Borrell.",
    score=0.9,
    date="2023-03",
)


class FakeRetriever:
    """Returns fixed passages and records every query it was asked."""

    def __init__(self, sources: Sequence[Source] = (SOURCE,)) -> None:
        self.sources = list(sources)
        self.queries: list[str] = []

    def retrieve(self, query: str, k: int, prefer: str | None = None, language: str | None = None) -> list[Source]:
        self.queries.append(query)
        return self.sources[:k]

    def articles(self) -> list[Article]:
        return [Article(SOURCE.article, SOURCE.title, SOURCE.date, "nl")]

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
    ) -> None:
        self.text = text
        self.delay_s = delay_s
        self.error = error
        self.deltas = list(deltas)
        self.grounded = grounded
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def _final(self, question: str, passages: Sequence[Source], language: str) -> Answer:
        with self.lock:
            self.calls.append(question)
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.error is not None:
            raise self.error
        text = self.text if self.text is not None else f"Echo: {question} [{passages[0].paragraph}]"
        return Answer(text, tuple(passages), self.grounded, language)

    def answer(self, question: str, passages: Sequence[Source], language: str, context: object = None) -> Answer:
        return self._final(question, passages, language)

    def stream(
        self, question: str, passages: Sequence[Source], language: str, context: object = None
    ) -> Iterator[str | Answer]:
        for d in self.deltas:
            yield d
        yield self._final(question, passages, language)
