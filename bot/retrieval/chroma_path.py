"""Chroma's answers ranked as the in-memory search ranks them: for a store too large for memory, or before it loads."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np

from .paragraph_index import best_sentence


class _SentenceVectors(Protocol):
    @property
    def vectors(self) -> np.ndarray: ...

    @property
    def texts(self) -> tuple[str, ...]: ...


Row = tuple[str, str, dict, float]


def rows_of(res: dict[str, Any]) -> list[Row]:
    """(id, document, metadata, distance) of a Chroma query's first result list."""
    return list(zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]))


def with_sentence_hits(cols: Any, res: dict[str, Any], vec: np.ndarray, n: int, where: dict | None) -> dict[str, Any]:
    """Chroma's nearest paragraphs plus those of its nearest sentences: the candidates memory would find by their
    best sentence, which the paragraph's own vector ranks too low."""
    hits = cols.sentences.query(query_embeddings=[vec], n_results=n, include=["metadatas"],
                                **({"where": where} if where else {}))
    have = set(res["ids"][0])
    extra = list(dict.fromkeys(m["chunk"] for m in hits["metadatas"][0] if m.get("chunk") not in have))
    if not extra:
        return res
    got = cols.chunks.get(ids=extra, include=["embeddings", "documents", "metadatas"])
    matrix = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1)
    sims = matrix @ np.asarray(vec, dtype=np.float32) / np.maximum(np.linalg.norm(matrix, axis=1), 1e-12)
    return {"ids": [res["ids"][0] + list(got["ids"])],
            "documents": [res["documents"][0] + list(got["documents"])],
            "metadatas": [res["metadatas"][0] + list(got["metadatas"])],
            "distances": [res["distances"][0] + [float(1.0 - x) for x in sims]]}


def by_best_sentence(res: dict[str, Any], vec: np.ndarray,
                     sentences_of: Callable[[list[tuple[str, int]]], Mapping[tuple[str, int], _SentenceVectors]],
                     weight: float, n: int | None = None) -> dict[str, Any]:
    """The candidates re-ranked with their best sentence's similarity mixed in (`best_sentence`); the n best."""
    rows = rows_of(res)
    if not rows:
        return res
    keys = [(m["article"], int(m["paragraph"])) for _, _, m, _ in rows]
    sents = sentences_of(keys)
    dense = np.asarray([1.0 - float(r[3]) for r in rows], dtype=np.float32)
    best = np.asarray([float((sents[k].vectors @ vec).max()) if k in sents and len(sents[k].texts) else d
                       for k, d in zip(keys, dense)], dtype=np.float32)
    mixed = best_sentence(dense, best, weight)
    order = sorted(range(len(rows)), key=lambda i: -mixed[i])[:n]
    return {"ids": [[rows[i][0] for i in order]], "documents": [[rows[i][1] for i in order]],
            "metadatas": [[rows[i][2] for i in order]], "distances": [[float(1.0 - mixed[i]) for i in order]]}
