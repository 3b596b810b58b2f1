"""build_bot: the one place that constructs Chroma, the embedder, the LLM and the state store."""
from __future__ import annotations

import logging

from knowledge.chroma import ChromaTarget, Collections, WriterLock, open_client
from knowledge.embeddings import E5Embedder
from knowledge.ingest import ensure_builtin

from .config import Settings
from .core import Bot, Engine
from .extractive import ExtractiveEngine
from .limits import Gate, LocalGate, RedisGate
from .retrieval import ChromaRetriever
from .store import SQLiteStore, Store

log = logging.getLogger("briefbot.wiring")


def chroma_target(settings: Settings) -> ChromaTarget:
    if settings.chroma_host:
        return ChromaTarget(
            host=settings.chroma_host, port=settings.chroma_port, ssl=settings.chroma_ssl,
            auth_token=settings.chroma_auth_header.get_secret_value() if settings.chroma_auth_header else None,
        )
    return ChromaTarget(path=settings.data_dir / "chroma")


def open_collections(settings: Settings, *, index_builtin: bool = True,
                     rebuild: bool | None = None) -> tuple[Collections, WriterLock | None]:
    """The knowledge base's collections (indexing the bundled articles into an empty store); `rebuild`: see
    Collections (True re-embeds the stored texts with the configured model)."""
    target = chroma_target(settings)
    lock = None if target.host else WriterLock(settings.data_dir)
    try:
        embedder = E5Embedder.shared(settings.embedder, settings.threads, settings.cache_dir)
        cols = Collections(open_client(target), settings.collection, embedder, target, rebuild=rebuild)
        if index_builtin:
            report = ensure_builtin(cols)
            if report is not None:
                log.info("indexed the bundled articles: %s", report.summary())
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    return cols, lock


def build_store(settings: Settings) -> Store:
    if settings.redis_url:
        from .redis_store import RedisStore

        return RedisStore.connect(settings.redis_url)
    return SQLiteStore(settings.data_dir / "state.sqlite3")


def build_engine(settings: Settings, retriever: ChromaRetriever) -> Engine:
    if settings.llm:
        from .llm import LLMEngine, chat_model

        return LLMEngine(
            chat_model(settings), timeout_s=settings.llm_timeout_s, top_k=settings.top_k,
            max_chars=settings.llm_max_chars,
        )
    return ExtractiveEngine(retriever, retriever.embedder, top_k=settings.top_k)


def build_gate(settings: Settings, store: Store) -> Gate:
    """Per-user and global limits; shared through Redis when the store is."""
    if settings.redis_url and hasattr(store, "r"):
        return RedisGate(store.r, settings.rate_per_minute, settings.rate_burst, settings.max_concurrent)
    return LocalGate(settings.rate_per_minute, settings.rate_burst, settings.max_concurrent)


def build(settings: Settings) -> Bot:
    store = build_store(settings)  # first: a wrong REDIS_URL fails before the store is opened
    try:
        cols, lock = open_collections(settings)
    except BaseException:
        store.close()
        raise
    retriever = ChromaRetriever(cols)
    try:
        engine = build_engine(settings, retriever)
    except BaseException:
        store.close()
        if lock is not None:
            lock.release()
        raise
    return Bot(
        retriever, engine, store, top_k=settings.top_k, max_question_chars=settings.max_question_chars,
        gate=build_gate(settings, store), on_close=[lock.release] if lock is not None else [],
    )
