"""Writing and deleting articles in Chroma in the order that keeps each one whole: its articles record last."""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .chroma import Collections
from .documents import Chunk, Document
from .tags import stored
from .terms import add_terms
from .text import clause_spans

UPSERT_ROWS = 2000  # rows per upsert call (well under Chroma's max batch size; fewer, bigger calls are faster)


def _batch_size(cols: Collections) -> int:
    try:
        return max(1, min(UPSERT_ROWS, int(cols.client.get_max_batch_size())))
    except Exception:  # older servers do not say
        return UPSERT_ROWS


def _in(ids: Sequence[str]) -> dict:
    return {"article": ids[0]} if len(ids) == 1 else {"article": {"$in": list(ids)}}


def chunk_metadata(c: Chunk) -> dict:
    meta = {"article": c.article, "title": c.title, "date": c.date, "language": c.language,
            "paragraph": c.paragraph, "hash": c.hash, "sentences": len(c.sentences)}
    if c.section:
        meta["section"] = c.section
    if c.url:
        meta["url"] = c.url
    return meta


def article_metadata(doc: Document, chunks: list[Chunk]) -> dict:
    meta = {"title": doc.title, "date": doc.date, "language": doc.language, "hash": doc.hash,
            "paragraphs": len(chunks), "sentences": sum(len(c.sentences) for c in chunks),
            "path": doc.path.name if doc.path else "", "source": doc.source, "format": doc.format,
            "indexed_at": time.time()}
    if doc.url:
        meta["url"] = doc.url
    if doc.tags:
        meta["tags"] = stored(doc.tags)
    return meta


def paragraph_vectors(sentence_vectors: np.ndarray, owners: list[int], n: int) -> np.ndarray:
    """A paragraph's vector is the normalised mean of its sentences' (as good for retrieval, measured; half the
    cost)."""
    out = np.zeros((n, sentence_vectors.shape[1]), dtype=np.float32)
    if len(owners):
        np.add.at(out, np.asarray(owners), sentence_vectors)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def _vectors_for(cols: Collections, group: list[tuple[Document, list[Chunk]]], vectors: np.ndarray):
    """Per article: its paragraph vectors (mean of its sentences') and its own vector (mean of those)."""
    offset = 0
    for doc, chunks in group:
        n = sum(len(c.sentences) for c in chunks)
        svecs = vectors[offset:offset + n]
        offset += n
        owners = [i for i, c in enumerate(chunks) for _ in c.sentences]
        pvecs = paragraph_vectors(svecs, owners, len(chunks))
        mean = pvecs.mean(axis=0) if len(pvecs) else np.zeros(cols.embedder.dim, dtype=np.float32)
        yield doc, chunks, svecs, pvecs, mean / (np.linalg.norm(mean) or 1.0)


def embed_sentences(embedder: Any, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The sentences' vectors and each one's clauses' vectors, from one model run (the clauses are pooled from
    their sentence's token states: no run of their own)."""
    if not texts:
        return np.zeros((0, embedder.dim), np.float32), []
    return embedder.passages_with_parts(texts, [clause_spans(t) for t in texts])


def write_group(cols: Collections, group: list[tuple[Document, list[Chunk]]], vectors: np.ndarray,
                parts: Sequence[np.ndarray]) -> tuple[int, int]:
    """Replace these articles: old records, paragraphs and sentences out; paragraphs, sentences, then records in.

    Paragraphs go first so that the orphan scan (first paragraphs without a record) sees any unfinished article.
    """
    ids = [doc.id for doc, _ in group]
    cols.articles.delete(ids=ids)  # first: from here until the end the article counts as unfinished
    cols.sentences.delete(where=_in(ids))
    cols.clauses.delete(where=_in(ids))
    cols.chunks.delete(where=_in(ids))
    sent_rows: list[tuple[str, np.ndarray, str, dict]] = []
    chunk_rows: list[tuple[str, np.ndarray, str, dict]] = []
    art_rows: list[tuple[str, np.ndarray, str, dict]] = []
    for doc, chunks, svecs, pvecs, avec in _vectors_for(cols, group, vectors):
        k = 0
        for c, pvec in zip(chunks, pvecs):
            for j, s in enumerate(c.sentences):
                sent_rows.append((f"{c.id}:{j}", svecs[k], s,
                                  {"article": c.article, "chunk": c.id, "paragraph": c.paragraph, "index": j}))
                k += 1
            chunk_rows.append((c.id, pvec, c.text, chunk_metadata(c)))
        art_rows.append((doc.id, avec, doc.title, article_metadata(doc, chunks)))
    clause_rows = _clause_rows(sent_rows, parts)
    size = _batch_size(cols)
    for col, rows in ((cols.chunks, chunk_rows), (cols.sentences, sent_rows), (cols.clauses, clause_rows),
                      (cols.articles, art_rows)):
        if col is cols.articles:  # the vocabulary before the records: a finished article has its words' vectors
            add_terms(cols.terms, cols.embedder, [r[2] for r in chunk_rows])
        for start in range(0, len(rows), size):
            part = rows[start:start + size]
            col.upsert(ids=[r[0] for r in part], embeddings=np.stack([r[1] for r in part]),
                       documents=[r[2] for r in part], metadatas=[r[3] for r in part])
    return len(chunk_rows), len(sent_rows)


def _clause_rows(sent_rows: list[tuple[str, np.ndarray, str, dict]], parts: Sequence[np.ndarray]
                 ) -> list[tuple[str, np.ndarray, str, dict]]:
    """The clauses of the long sentences: id `<sentence id>:<k>`, the sentence's metadata plus `clause`."""
    out = []
    for (sid, _, sentence, meta), vecs in zip(sent_rows, parts):
        for k, ((a, b), vec) in enumerate(zip(clause_spans(sentence), vecs)):
            out.append((f"{sid}:{k}", vec, sentence[a:b], {**meta, "clause": k}))
    return out


def remove_articles(cols: Collections, ids: Sequence[str]) -> list[str]:
    """Delete whole articles: the record first (so a crash leaves an unfinished article, cleaned next run)."""
    ids = list(ids)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        cols.articles.delete(ids=part)
        cols.sentences.delete(where=_in(part))  # before the paragraphs, which mark the article unfinished
        cols.clauses.delete(where=_in(part))
        cols.chunks.delete(where=_in(part))
    return ids


def remove_orphans(cols: Collections) -> list[str]:
    """Paragraphs and sentences of articles that have no record (an interrupted write or remove): deleted.

    Looks only at each article's first paragraph, which every write puts in its first call (paragraphs are
    written before sentences, and deleted before them too).
    """
    got = cols.chunks.get(where={"paragraph": 1}, include=["metadatas"])
    firsts = {m["article"] for m in got["metadatas"] if m}
    if not firsts:
        return []
    complete = set(cols.articles.get(ids=sorted(firsts), include=[])["ids"])
    orphans = sorted(firsts - complete)
    if orphans:
        remove_articles(cols, orphans)
    return orphans
