"""What is indexed, and the knowledge base's own state: a change counter and whether the sample was offered.

The state lives in the metadata of the `<name>-articles` collection (next to `embedder` and `dim`), so it is
shared by every process on an embedded store or a Chroma server and goes away with the collections.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .chroma import ARTICLES, Collections
from .tags import tag_list

VERSION_KEY = "kb_version"  # bumped by every ingest or remove that changed something
SAMPLE_KEY = "sample"  # "added" | "declined": the bundled sample article was offered once, never again


@dataclass(frozen=True)
class IndexedArticle:
    """One row of `briefbot articles`."""

    id: str
    title: str
    date: str
    language: str
    paragraphs: int
    source: str
    indexed_at: float
    tags: tuple[str, ...] = ()  # from the article's metadata, when its ingest recorded any

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "date": self.date, "language": self.language,
                "paragraphs": self.paragraphs, "source": self.source, "tags": list(self.tags),
                "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.indexed_at)) if self.indexed_at
                else None}


def state(cols: Collections) -> dict[str, Any]:
    """The articles collection's metadata as stored now (not as cached when the collection was opened)."""
    return dict(cols.client.get_collection(cols.name + ARTICLES).metadata or {})


def set_state(cols: Collections, **values: Any) -> None:
    """Merge keys into the articles collection's metadata (Chroma replaces it whole, so read first)."""
    meta = state(cols)
    meta.update(values)
    cols.articles.modify(metadata=meta)


def version(cols: Collections) -> int:
    """The knowledge base's change counter: poll it and drop caches when it moves (one small read, ~0.3 ms
    embedded, one round trip on a server). 0 for a store no ingest has written to since this was added."""
    return int(state(cols).get(VERSION_KEY, 0))


def bump_version(cols: Collections) -> int:
    """Mark the knowledge base as changed; a time-based value so two writers never step back."""
    new = max(version(cols) + 1, time.time_ns() // 1000)
    set_state(cols, **{VERSION_KEY: new})
    return new


def list_articles(cols: Collections) -> list[IndexedArticle]:
    """Every complete article (those with their articles record), oldest date first."""
    got = cols.articles.get(include=["metadatas"])
    out = [
        IndexedArticle(i, m.get("title", i), m.get("date", ""), m.get("language", ""), int(m.get("paragraphs", 0)),
                       m.get("source") or m.get("path", ""), float(m.get("indexed_at", 0.0)),
                       tag_list(str(m.get("tags") or "")))
        for i, m in zip(got["ids"], got["metadatas"])
    ]
    return sorted(out, key=lambda a: (a.date, a.id))


def search_articles(items: list[IndexedArticle], text: str) -> list[IndexedArticle]:
    """The articles whose id, title, source, language, date or tags contain every word of `text` (any case)."""
    words = text.casefold().split()
    if not words:
        return list(items)
    return [a for a in items
            if all(w in " ".join((a.id, a.title, a.source, a.language, a.date, *a.tags)).casefold() for w in words)]


def sources(cols: Collections) -> dict[str, str]:
    """Article id → source (path or URL) for every complete article."""
    got = cols.articles.get(include=["metadatas"])
    return {i: (m or {}).get("source", "") for i, m in zip(got["ids"], got["metadatas"])}
