"""Re-embed a knowledge base with another model from the texts it stores: no source files needed.

Each stored article is rebuilt as a Document from its record (title, date, language, source, format) and its
paragraphs (text, section, order), and written with ingest's own writer into fresh collections under a temporary
name, so every vector — sentences, paragraphs, articles — is computed exactly as a new ingest computes it; the
knowledge base's state (sample offered, change counter) and each article's indexing time are carried over. Then
the new collections replace the old ones. A crash before the swap leaves the old store intact (the partial copy
is dropped on the next start); a crash during the swap is finished on the next start: each temporary collection
is marked complete before the first old one is deleted.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

log = logging.getLogger("briefbot.store")

TEMP = ".rebuild"  # appended to the knowledge base's name for the collections being built
COMPLETE = "rebuild_complete"
OWN_KEYS = ("embedder", "dim", COMPLETE)  # collection metadata that belongs to the model, not the knowledge base
GROUP_SENTENCES = 2000  # sentences embedded and written per step


def finish_or_drop_partial(client: Any, name: str, suffixes: tuple[str, ...]) -> None:
    """Complete a swap a crash interrupted, or drop a rebuild that never reached it."""
    from .chroma import collection_names

    names = collection_names(client)
    temps = [s for s in suffixes if name + TEMP + s in names]
    if not temps:
        return
    cols = {s: client.get_collection(name + TEMP + s) for s in temps}
    if all((c.metadata or {}).get(COMPLETE) for c in cols.values()):
        log.warning("finishing an interrupted re-embedding of the knowledge base '%s'", name)
        _swap(client, name, temps)
    else:
        for s in temps:
            client.delete_collection(name + TEMP + s)


def _swap(client: Any, name: str, suffixes: list[str]) -> None:
    from .chroma import collection_names

    names = collection_names(client)
    for s in suffixes:
        if name + s in names:
            client.delete_collection(name + s)
        col = client.get_collection(name + TEMP + s)
        col.modify(name=name + s)
        col.modify(metadata={k: v for k, v in (col.metadata or {}).items() if k != COMPLETE})


def stored_documents(client: Any, name: str) -> tuple[list[Any], dict[str, float]]:
    """The knowledge base's complete articles as Documents (paragraphs in order), and when each was indexed."""
    from .chroma import ARTICLES
    from .documents import Document

    arts = client.get_collection(name + ARTICLES).get(include=["metadatas"])
    chunks = client.get_collection(name).get(include=["documents", "metadatas"])
    paragraphs: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for text, meta in zip(chunks["documents"], chunks["metadatas"]):
        paragraphs[meta["article"]].append((int(meta["paragraph"]), text, str(meta.get("section", ""))))
    docs, indexed = [], {}
    for article_id, meta in zip(arts["ids"], arts["metadatas"]):
        meta = meta or {}
        rows = sorted(paragraphs.get(article_id, []))
        if not rows:
            continue
        sections = tuple(s for _, _, s in rows)
        docs.append(Document(
            id=article_id, title=str(meta.get("title", article_id)), date=str(meta.get("date", "")),
            language=str(meta.get("language", "")), source=str(meta.get("source") or meta.get("path") or ""),
            paragraphs=tuple(t for _, t, _ in rows), sections=sections if any(sections) else (),
            format=str(meta.get("format", "")),
        ))
        if meta.get("indexed_at"):
            indexed[article_id] = float(meta["indexed_at"])
    return docs, indexed


def reembed(cols: Any, suffixes: tuple[str, ...], found: str, why: str = "") -> int:
    """Rebuild the knowledge base of `cols` with its embedder from the stored texts; returns the sentences embedded.
    `why` replaces "it was built with <found>" in the log line (a store of an older layout, same model)."""

    from .catalog import bump_version, set_state
    from .chroma import ARTICLES, SENTENCES, Collections, collection_names, drop_collections
    from .writer import embed_sentences, write_group

    client, name, embedder = cols.client, cols.name, cols.embedder
    names = collection_names(client)
    sentences = client.get_collection(name + SENTENCES).count() if name + SENTENCES in names else 0
    log.warning("the knowledge base %s; re-embedding %d sentences with %s…",
                why or f"was built with {found}", sentences, embedder.model_id)
    drop_collections(client, name + TEMP)
    docs, indexed = stored_documents(client, name)
    kb_state = {k: v for k, v in (client.get_collection(name + ARTICLES).metadata or {}).items() if k not in OWN_KEYS}
    fresh = Collections(client, name + TEMP, embedder, cols.target, rebuild=False)
    embedded = 0
    group: list[tuple[Any, list[Any]]] = []
    for i, doc in enumerate(docs):
        group.append((doc, doc.chunks()))
        size = sum(len(c.sentences) for _, chunks in group for c in chunks)
        if size >= GROUP_SENTENCES or i == len(docs) - 1:
            texts = [s for _, chunks in group for c in chunks for s in c.sentences]
            vectors, parts = embed_sentences(embedder, texts)
            embedded += write_group(fresh, group, vectors, parts)[1]
            group = []
    for start in range(0, len(docs), 500):
        part = [d.id for d in docs[start : start + 500] if d.id in indexed]
        if part:  # the record says when the article was indexed, not when it was re-embedded
            fresh.articles.update(ids=part, metadatas=[{"indexed_at": indexed[i]} for i in part])
    if kb_state:
        set_state(fresh, **kb_state)
    bump_version(fresh)  # running processes drop what they cached
    for s in suffixes:
        col = client.get_collection(name + TEMP + s)
        col.modify(metadata={**(col.metadata or {}), COMPLETE: True})
    _swap(client, name, list(suffixes))
    log.info("re-embedded the knowledge base '%s': %d articles, %d sentences", name, len(docs), embedded)
    return embedded
