"""Values that cross the seam between the core and the adapters."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """One retrieved paragraph, enough to cite and quote it."""

    article: str
    title: str
    paragraph: int
    text: str
    score: float
    date: str = ""
    language: str = ""

    def to_dict(self) -> dict:
        return {
            "article": self.article,
            "title": self.title,
            "paragraph": self.paragraph,
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Answer:
    """What the bot says, the passages behind it, and whether the passages support it."""

    text: str
    sources: tuple[Source, ...]
    grounded: bool
    language: str
    question: str = ""
    id: str = ""

    def to_dict(self) -> dict:
        return {
            "answer": self.text,
            "grounded": self.grounded,
            "language": self.language,
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass(frozen=True)
class Article:
    """An article as the knowledge base knows it (for /about and ingestion)."""

    id: str
    title: str
    date: str
    language: str
    paragraphs: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Turn:
    """One question and its answer in a conversation."""

    question: str
    answer: Answer
    at: float


@dataclass(frozen=True)
class Feedback:
    """A 👍/👎 on an answer, with what was asked and answered."""

    answer_id: str
    vote: str  # "up" | "down"
    user: str
    platform: str
    conversation_id: str
    question: str
    answer: str
    sources: tuple[Source, ...]
    at: float
