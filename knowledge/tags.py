"""Article tags: what a channel's scope selects articles by (front matter `tags:`, `briefbot ingest --tag`)."""
from __future__ import annotations

from collections.abc import Iterable


def tag_list(raw: str | Iterable[str]) -> tuple[str, ...]:
    """Tags as stored and compared: lower case, trimmed, each once ("Sport, local" → ("sport", "local"))."""
    parts = raw.split(",") if isinstance(raw, str) else raw
    return tuple(dict.fromkeys(t.strip().lower() for t in parts if t and t.strip()))


def stored(tags: Iterable[str]) -> str:
    """Tags as one Chroma metadata value (Chroma keeps strings, numbers and booleans)."""
    return ",".join(tag_list(tags))
