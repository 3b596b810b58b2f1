"""Re-embed a knowledge base with another model from the texts it stores: no source files needed.

The stored paragraphs (with their article's id, title, date, language and file name) are written back out as
article files (metadata in a sidecar .json) in a temporary folder and ingested into fresh collections under a
temporary name, so every vector — sentences, paragraphs, articles, whatever ingest derives — is computed exactly as
a new ingest would. Then the new collections replace the old ones. A crash before the swap leaves the old store
intact (the partial copy is dropped on the next start); a crash during the swap is finished on the next start: each
temporary collection is marked complete before the first old one is deleted.
"""
from __future__ import annotations

import json
import logging
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

log = logging.getLogger("briefbot.store")

TEMP = ".rebuild"  # appended to the knowledge base's name for the collections being built
COMPLETE = "rebuild_complete"


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
        client.get_collection(name + TEMP + s).modify(name=name + s)


def _write_articles(client: Any, name: str, folder: Path) -> tuple[int, int]:
    """The stored articles as files ingest reads back identically; (articles, paragraphs)."""
    from .chroma import ARTICLES

    arts = client.get_collection(name + ARTICLES).get(include=["metadatas"])
    chunks = client.get_collection(name).get(include=["documents", "metadatas"])
    paragraphs: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for text, meta in zip(chunks["documents"], chunks["metadatas"]):
        paragraphs[meta["article"]].append((int(meta["paragraph"]), text))
    used: set[str] = set()
    for article_id, meta in zip(arts["ids"], arts["metadatas"]):
        meta = meta or {}
        paras = [t for _, t in sorted(paragraphs.get(article_id, []))]
        stem = Path(str(meta.get("path") or article_id)).name
        if not stem.endswith((".md", ".txt")) or stem in used:
            stem = f"{article_id}.md"
        used.add(stem)
        # metadata in a sidecar .json (read by documents.parse when a file has no front matter): exact strings
        sidecar = {"id": article_id, **{k: str(meta.get(k, "")) for k in ("title", "date", "language")}}
        (folder / stem).with_suffix(".json").write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")
        (folder / stem).write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    return len(arts["ids"]), len(chunks["ids"])


def reembed(cols: Any, suffixes: tuple[str, ...], found: str) -> int:
    """Rebuild the knowledge base of `cols` with its embedder from the stored texts; returns the sentences embedded."""
    from .chroma import SENTENCES, Collections, collection_names, drop_collections
    from .ingest import ingest

    client, name, embedder = cols.client, cols.name, cols.embedder
    sentences = client.get_collection(name + SENTENCES).count() if name + SENTENCES in collection_names(client) else 0
    log.warning("the knowledge base was built with %s; re-embedding %d sentences with %s…",
                found, sentences, embedder.model_id)
    drop_collections(client, name + TEMP)
    with tempfile.TemporaryDirectory(prefix="briefbot-reembed-") as tmp:
        _write_articles(client, name, Path(tmp))
        fresh = Collections(client, name + TEMP, embedder, cols.target, rebuild=False)
        report = ingest(fresh, [Path(tmp)], progress=None)
    for s in suffixes:
        col = client.get_collection(name + TEMP + s)
        col.modify(metadata={**(col.metadata or {}), COMPLETE: True})
    _swap(client, name, list(suffixes))
    log.info("re-embedded the knowledge base '%s': %s", name, report.summary())
    return report.sentences
