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

from .catalog import bump_version, set_state
from .chroma import (
    ARTICLES,
    CLAUSES,
    SENTENCES,
    SUFFIXES,
    ChromaTarget,
    Collections,
    collection_names,
    drop_collections,
)
from .documents import Document
from .embeddings import E5Embedder, is_ours
from .errors import StoreError
from .tags import tag_list
from .writer import embed_sentences, write_group

log = logging.getLogger("briefbot.store")

TEMP = ".rebuild"  # appended to the knowledge base's name for the collections being built
COMPLETE = "rebuild_complete"
OWN_KEYS = ("embedder", "dim", COMPLETE)  # collection metadata that belongs to the model, not the knowledge base
GROUP_SENTENCES = 2000  # sentences embedded and written per step


def open_checked(client: Any, name: str, embedder: E5Embedder, target: ChromaTarget, *,
                 rebuild: bool | None = None) -> Collections:
    """The knowledge base's collections, its model checked first.

    A knowledge base built with another of our embedding models is re-embedded from its stored texts: on an
    embedded store automatically (one process holds it, see WriterLock), on a Chroma server only when asked
    (`rebuild=True`, i.e. `briefbot ingest --rebuild`): every worker sharing the server would start the same
    rebuild at once. `rebuild=False` never rebuilds (a store of another model is refused).
    """
    check_model(client, name, embedder, target, rebuild)
    return Collections(client, name, embedder, target)


def check_model(client: Any, name: str, embedder: E5Embedder, target: ChromaTarget, rebuild: bool | None) -> None:
    """Finish or drop an interrupted rebuild, then re-embed, refuse or accept the store as its model requires."""
    finish_or_drop_partial(client, name, SUFFIXES)
    found = {c: (client.get_collection(c).metadata or {}).get("embedder")
             for c in collection_names(client) & {name + s for s in SUFFIXES}}
    stale = sorted({m or "" for m in found.values()} - {embedder.model_id})
    if found and not stale and rebuild is not True and _lacks_clauses(name, set(found)):
        if rebuild is None and not target.host:
            reembed(client, name, embedder, target, embedder.model_id, why="predates clause vectors")
        elif rebuild is None:
            log.warning("the knowledge base '%s' predates clause vectors: answers are ranked without them "
                        "until `briefbot ingest --rebuild` is run once", name)
        return
    if not found or (not stale and rebuild is not True):
        return
    # ours when built by briefbot: the paragraphs and articles (all that re-embedding reads) with one of our models
    ours = {name, name + ARTICLES} <= set(found) and all(is_ours(m) for m in found.values())
    if not ours:
        if rebuild is True:  # nothing of ours to re-embed: start empty
            drop_collections(client, name)
            return
        raise StoreError(
            f"The collection '{name}' in the {target.description} was built with the embedding "
            f"model {stale[0] or 'unknown (not briefbot)'}, but this bot embeds with {embedder.model_id}. "
            "Rebuild it with `briefbot ingest --rebuild [PATH ...]`, or point BRIEFBOT_DATA_DIR / "
            "BRIEFBOT_COLLECTION elsewhere."
        )
    if rebuild is True or (rebuild is None and not target.host):
        why = "" if stale else ("predates clause vectors" if _lacks_clauses(name, set(found))
                                else "is rebuilt as asked")
        reembed(client, name, embedder, target, stale[0] if stale else embedder.model_id, why=why)
        return
    raise StoreError(
        f"The knowledge base '{name}' in the {target.description} was built with the embedding "
        f"model {stale[0]}, but this bot embeds with {embedder.model_id}. Run `briefbot ingest --rebuild` "
        "once before starting the workers (it re-embeds the stored texts; no source files needed), or set "
        "BRIEFBOT_EMBEDDER to the engine the store was built with."
    )


def _lacks_clauses(name: str, present: set[str]) -> bool:
    """A store of ours written before clauses were stored: its sentences are there, their clauses are not."""
    return name + SENTENCES in present and name + CLAUSES not in present


def finish_or_drop_partial(client: Any, name: str, suffixes: tuple[str, ...]) -> None:
    """Complete a swap a crash interrupted, or drop a rebuild that never reached it."""
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
    names = collection_names(client)
    for s in suffixes:
        if name + s in names:
            client.delete_collection(name + s)
        col = client.get_collection(name + TEMP + s)
        col.modify(name=name + s)
        col.modify(metadata={k: v for k, v in (col.metadata or {}).items() if k != COMPLETE})


def stored_documents(client: Any, name: str) -> tuple[list[Any], dict[str, float]]:
    """The knowledge base's complete articles as Documents (paragraphs in order), and when each was indexed."""
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
            format=str(meta.get("format", "")), tags=tag_list(str(meta.get("tags", ""))),
        ))
        if meta.get("indexed_at"):
            indexed[article_id] = float(meta["indexed_at"])
    return docs, indexed


def reembed(client: Any, name: str, embedder: E5Embedder, target: ChromaTarget, found: str, why: str = "") -> int:
    """Rebuild the knowledge base `name` with `embedder` from the stored texts; returns the sentences embedded.
    `why` replaces "it was built with <found>" in the log line (a store of an older layout, same model)."""

    names = collection_names(client)
    sentences = client.get_collection(name + SENTENCES).count() if name + SENTENCES in names else 0
    log.warning("the knowledge base %s; re-embedding %d sentences with %s…",
                why or f"was built with {found}", sentences, embedder.model_id)
    drop_collections(client, name + TEMP)
    docs, indexed = stored_documents(client, name)
    kb_state = {k: v for k, v in (client.get_collection(name + ARTICLES).metadata or {}).items() if k not in OWN_KEYS}
    fresh = Collections(client, name + TEMP, embedder, target)  # dropped above: nothing to check
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
    for s in SUFFIXES:
        col = client.get_collection(name + TEMP + s)
        col.modify(metadata={**(col.metadata or {}), COMPLETE: True})
    _swap(client, name, list(SUFFIXES))
    log.info("re-embedded the knowledge base '%s': %d articles, %d sentences", name, len(docs), embedded)
    return embedded
