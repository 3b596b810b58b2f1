"""Values that cross the seam between the core and the adapters."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from knowledge.tags import tag_list

_DATE_PREFIX = re.compile(r"^(\d{2,4}[-_.]?)+")


def short_tag(article_id: str, words: int = 3, chars: int = 24) -> str:
    """A short, readable name for an article in citations: its id without the leading date, a few words long."""
    rest = _DATE_PREFIX.sub("", article_id).strip("-_.") or article_id
    parts = [p for p in re.split(r"[-_.\s]+", rest) if p]
    out: list[str] = []
    for p in parts:
        if out and (len(out) >= words or len("-".join([*out, p])) > chars):
            break
        out.append(p)
    return "-".join(out) or article_id


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
    tag: str = ""  # the article's short name in citations; unique within the knowledge base
    url: str = ""  # where the article came from, when it is a web page

    @property
    def label(self) -> str:
        """The citation label used in the answer text and in every platform's list of sources."""
        return f"{self.tag or short_tag(self.article)} ¶{self.paragraph}"

    def to_dict(self) -> dict:
        out = {
            "article": self.article,
            "title": self.title,
            "paragraph": self.paragraph,
            "label": self.label,
            "text": self.text,
            "score": round(self.score, 4),
        }
        if self.date:
            out["date"] = self.date
        if self.url:
            out["url"] = self.url
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Source:
        """The inverse of to_dict (the tag is read back from the label)."""
        return cls(d["article"], d["title"], int(d["paragraph"]), d["text"], float(d["score"]), d.get("date", ""),
                   d.get("language", ""), d.get("label", "").rpartition(" ¶")[0], d.get("url", ""))


@dataclass(frozen=True)
class Trace:
    """Why an answer was given: the passages seen, the windows weighed, and the rule that decided."""

    rule: str
    detail: str = ""
    passages: tuple[tuple[str, float], ...] = ()  # (label, score) as retrieved
    windows: tuple[tuple[str, float, str], ...] = ()  # (label, score, text) considered, best first
    steps: tuple[str, ...] = ()  # what each step found, in order
    spans: tuple[tuple[str, float, float, str], ...] = ()  # the reader's (label, span score, no-answer score, span)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "detail": self.detail,
            "passages": [{"label": lab, "score": round(s, 4)} for lab, s in self.passages],
            "windows": [{"label": lab, "score": round(s, 4), "text": t} for lab, s, t in self.windows],
            "spans": [{"label": lab, "score": round(s, 3), "null": round(n, 3), "text": t}
                      for lab, s, n, t in self.spans],
            "steps": list(self.steps),
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
    trace: Trace | None = field(default=None, compare=False)
    item: str = ""  # the fact stated in the bot's own words (a name, number, date), for follow-up questions

    def to_dict(self, *, explain: bool = False) -> dict:
        out: dict[str, Any] = {
            "answer": self.text,
            "grounded": self.grounded,
            "language": self.language,
            "sources": [s.to_dict() for s in self.sources],
        }
        if self.item:
            out["item"] = self.item
        if explain and self.trace is not None:
            out["trace"] = self.trace.to_dict()
        return out


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
    reason: str = ""  # the asker's one line on what was wrong (a 👎 only; optional)

    def to_dict(self) -> dict[str, Any]:
        """The one serialised form: the state stores keep it, `briefbot feedback --json` prints it."""
        return {
            "answer_id": self.answer_id, "vote": self.vote, "user": self.user, "platform": self.platform,
            "conversation": self.conversation_id, "question": self.question, "answer": self.answer,
            "sources": [s.to_dict() for s in self.sources], "at": self.at, "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Feedback:
        return cls(d["answer_id"], d["vote"], d["user"], d["platform"], d["conversation"], d["question"],
                   d["answer"], tuple(Source.from_dict(s) for s in d["sources"]), d["at"], d.get("reason") or "")


@dataclass(frozen=True)
class Scope:
    """The articles one channel answers from: those tagged with one of `tags`, or whose id matches one of `ids`
    (shell-style patterns such as `2024-05-*`). A request without a Scope reads every article."""

    tags: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()

    def admits(self, article_id: str, tags: Iterable[str] = ()) -> bool:
        return bool(set(self.tags).intersection(tags)) or any(fnmatchcase(article_id, p) for p in self.ids)

    def to_dict(self) -> dict[str, list[str]]:
        return {"tags": list(self.tags), "ids": list(self.ids)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Scope | None:
        return cls(tag_list(d.get("tags") or ()), tuple(d.get("ids") or ())) if d else None
