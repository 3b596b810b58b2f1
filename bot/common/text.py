"""Cutting text for display: one rule everywhere (engines, platform formats, console)."""
from __future__ import annotations

from knowledge.text import normalise as one_line  # runs of whitespace as one space: the rule ingestion uses too

__all__ = ["ELLIPSIS", "cap", "clip_line", "clip_words", "one_line"]

ELLIPSIS = "…"


def clip_words(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the last word boundary (when there is one in the second half) plus '…'."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - len(ELLIPSIS))]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= len(head) // 2:
        head = head[:space]
    return head.rstrip(" \n,;:") + ELLIPSIS


def cap(text: str, limit: int, note: str) -> str:
    """`text` whole when it fits, else cut at a word boundary within `limit` chars, with an ellipsis and `note`."""
    if len(text) <= limit:
        return text
    return clip_words(text, max(1, limit - len(note) - 1)) + "\n" + note


def clip_line(text: str, limit: int) -> str:
    """A title or a quote on one line, at most `limit` characters, cut at a word boundary with an ellipsis."""
    return clip_words(one_line(text), limit)
