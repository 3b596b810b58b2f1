"""Opening the Chroma store: embedded or server, one process per embedded store, our embedder everywhere."""
from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .embeddings import E5Embedder, chroma_embedding_function
from .errors import StoreError

log = logging.getLogger("briefbot.store")

SENTENCES = "-sentences"
ARTICLES = "-articles"
TERMS = "-terms"
CLAUSES = "-clauses"
SUFFIXES = ("", SENTENCES, ARTICLES, TERMS, CLAUSES)  # every collection of one knowledge base (drop, re-embed)


@dataclass(frozen=True)
class ChromaTarget:
    """Where the store lives: a data dir for the embedded client, or a server."""

    path: Path | None = None
    host: str | None = None
    port: int = 8000
    ssl: bool = False
    auth_token: str | None = None

    @property
    def description(self) -> str:
        if self.host:
            return f"Chroma server at {'https' if self.ssl else 'http'}://{self.host}:{self.port}"
        return f"embedded Chroma store at {self.path}"


class WriterLock:
    """One process per embedded data dir: Chroma's PersistentClient is not process-safe (chroma #961)."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "chroma.lock"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            holder = self.path.read_text().strip() or "another process"
            raise StoreError(
                f"The embedded Chroma store in {data_dir} is already open in process {holder}. "
                "Chroma's embedded store is not safe for several processes: stop the other one, or run a "
                "Chroma server (`chroma run --path ...`) and set CHROMA_HOST/CHROMA_PORT for every process."
            ) from None
        os.ftruncate(self._fd, 0)
        os.write(self._fd, str(os.getpid()).encode())

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


def open_client(target: ChromaTarget) -> Any:
    """A chromadb client with telemetry off; a StoreError that says what to do when it can't connect."""
    # start-up: chromadb takes ~0.5 s to import; only a process that opens a store pays it
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if target.host:
        headers = {"Authorization": f"Bearer {target.auth_token}"} if target.auth_token else None
        try:
            client = chromadb.HttpClient(
                host=target.host, port=target.port, ssl=target.ssl, headers=headers, settings=chroma_settings
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"Cannot reach the {target.description} ({type(exc).__name__}). Is `chroma run` up? "
                "Check CHROMA_HOST and CHROMA_PORT."
            ) from exc
        return client
    assert target.path is not None
    target.path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(target.path), settings=chroma_settings)


class Collections:
    """The collections of one knowledge base: paragraphs, their sentences, the articles, the vocabulary and the
    clauses of long sentences, opened (or created) with our embedder.

    Opening checks nothing: knowledge.reembed.open_checked checks the store's model first (and re-embeds a store
    built with another of ours), which is how the bot opens a knowledge base.
    """

    def __init__(self, client: Any, name: str, embedder: E5Embedder, target: ChromaTarget) -> None:
        self.client = client
        self.name = name
        self.embedder = embedder
        self.target = target
        ef = chroma_embedding_function(embedder)
        self.chunks = self._open(name, ef)
        self.sentences = self._open(name + SENTENCES, ef)
        self.articles = self._open(name + ARTICLES, ef)
        self.terms = self._open(name + TERMS, ef)  # the vocabulary, for cross-language word matching
        self.clauses = self._open(name + CLAUSES, ef)  # the clauses of long sentences, for ranking answers

    def close(self) -> None:
        """Release the client: an embedded store keeps its database files open until then (a process that opens
        many stores, as the tests do, would run out of file descriptors)."""
        self.client.close()

    def _open(self, name: str, ef: Any) -> Any:
        if name in collection_names(self.client):
            return self.client.get_collection(name, embedding_function=ef)
        return self.client.get_or_create_collection(
            name, metadata={"embedder": self.embedder.model_id, "dim": self.embedder.dim}, embedding_function=ef,
            configuration={"hnsw": {"space": "cosine"}},
        )


def collection_names(client: Any) -> set[str]:
    return {c if isinstance(c, str) else c.name for c in client.list_collections()}


def drop_collections(client: Any, name: str) -> None:
    """Delete a knowledge base's collections without opening them (they may be from another model)."""
    names = collection_names(client)
    for suffix in SUFFIXES:
        if name + suffix in names:
            client.delete_collection(name + suffix)
