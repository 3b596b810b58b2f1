"""A channel's scope as the articles it admits, and those articles as a Chroma `where` filter: the same filter is
applied to the in-memory search (paragraph_index.py), so both paths return only the scope's paragraphs."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.common.models import Scope
from knowledge.tags import tag_list

Within = frozenset[str] | None  # the article ids a request may read; None: every article


def admitted(scope: Scope | None, records: Mapping[str, Mapping[str, Any]]) -> Within:
    """The ids of the articles (id → its articles record) the scope admits, by tag or id pattern."""
    if scope is None:
        return None
    return frozenset(i for i, meta in records.items() if scope.admits(i, tag_list(str(meta.get("tags") or ""))))


def where_within(where: dict | None, within: Within) -> dict | None:
    """`where` narrowed to the admitted articles (Chroma's `$in`; `$and` when there is a filter already)."""
    if within is None:
        return where
    only = {"article": {"$in": sorted(within)}} if len(within) != 1 else {"article": next(iter(within))}
    return {"$and": [where, only]} if where else only


NOTHING: dict[str, Any] = {"ids": [[]], "documents": [[]], "metadatas": [[]], "distances": [[]]}
