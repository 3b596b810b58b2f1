"""build_bot: the one place that constructs Chroma, the embedder, the LLM and the state store."""
from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

from bot.common.config import Settings
from bot.core.bot import Bot, Engine
from bot.llm.engine import LLMEngine, chat_model
from bot.reading.extractive import ExtractiveEngine
from bot.reading.reader_engine import ReaderCalibration, ReaderEngine
from bot.retrieval.retriever import ChromaRetriever
from bot.state.gaps import GapLog, RedisGaps, SQLiteGaps
from bot.state.handled import HandledMarks, RedisHandled, SQLiteHandled
from bot.state.limits import Gate, LocalGate
from bot.state.redis_gate import RedisGate
from bot.state.redis_store import RedisStore
from bot.state.store import SQLiteStore, Store
from bot.state.usage import RedisUsage, SQLiteUsage, UsageLog
from knowledge.chroma import ChromaTarget, Collections, WriterLock, open_client
from knowledge.embeddings import shared_embedder
from knowledge.ingest import ensure_sample
from knowledge.reader import DECISION, OnnxReader
from knowledge.reembed import open_checked
from knowledge.watch import FolderWatcher

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
    """The knowledge base's collections (the bundled sample article goes into an empty store on first start);
    `rebuild`: see knowledge.reembed.open_checked (True re-embeds the stored texts with the configured model)."""
    target = chroma_target(settings)
    lock = None if target.host else WriterLock(settings.data_dir)
    try:
        embedder = shared_embedder(settings.embedder, settings.threads, settings.cache_dir)
        cols = open_checked(open_client(target), settings.collection, embedder, target, rebuild=rebuild)
        if index_builtin:
            report = ensure_sample(cols, enabled=settings.sample_article)
            if report is not None:
                log.info("indexed the bundled sample article: %s", report.summary())
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    return cols, lock


def build_store(settings: Settings) -> Store:
    """The state store alone (the CLI's `feedback`): on Redis when REDIS_URL is set, else the SQLite file."""
    if settings.redis_url:
        return RedisStore.connect(settings.redis_url)
    return SQLiteStore(settings.data_dir / "state.sqlite3")


def build_state(settings: Settings) -> tuple[Store, Gate]:
    """The state store and the answer gate on it: both on Redis when REDIS_URL is set, else local."""
    store = build_store(settings)
    if settings.redis_url:
        assert isinstance(store, RedisStore)
        return store, RedisGate(store.client, settings.rate_per_minute, settings.rate_burst, settings.max_concurrent)
    return store, LocalGate(settings.rate_per_minute, settings.rate_burst, settings.max_concurrent)


def chat_model_of(settings: Settings) -> Any:
    """The configured LLM's chat model (None for the offline engine); a ConfigError naming the extra or key."""
    if not settings.llm:
        return None
    return chat_model(settings)


def build_engine(settings: Settings, retriever: ChromaRetriever, model: Any = None) -> Engine:
    if settings.llm:
        return LLMEngine(
            model if model is not None else chat_model_of(settings), timeout_s=settings.llm_timeout_s,
            top_k=settings.top_k, max_chars=settings.llm_max_chars,
        )
    if settings.engine == "rules":
        return ExtractiveEngine(retriever, retriever.embedder, top_k=settings.top_k, calibration=retriever.cal)
    reader = OnnxReader(settings.threads, settings.cache_dir)
    return ReaderEngine(retriever, reader, ReaderCalibration.load(DECISION), top_k=settings.top_k,
                        calibration=retriever.cal)


def build_bot(settings: Settings) -> Bot:
    """The one place that constructs Chroma, the embedder, the LLM and the store."""
    store, gate = build_state(settings)  # first: a wrong REDIS_URL fails before the store is opened
    try:
        # Then the LLM's configuration, before the knowledge base starts its background work (the embedder's
        # session, the vocabulary): a process that stops at once on a ConfigError must not exit under them.
        model = chat_model_of(settings)
        cols, lock = open_collections(settings)
    except BaseException:
        gate.close()
        store.close()
        raise
    retriever = ChromaRetriever(cols, embed_variant=not settings.llm and settings.engine == "rules")
    try:
        engine = build_engine(settings, retriever, model)
    except BaseException:
        retriever.close()
        gate.close()
        store.close()
        if lock is not None:
            lock.release()
        raise
    gaps = build_gaps(settings, store)
    on_close: list[Callable[[], None]] = [start_watch(settings, cols).stop] if settings.watch_dir else []
    usage = build_usage(settings, store)
    on_close += [retriever.close, gaps.close, usage.close, cols.close] + ([lock.release] if lock is not None else [])
    # What is loaded by now (Chroma, onnxruntime, Babel's locale data: ~100,000 objects) lives as long as the
    # process: out of the collector's sight, a full collection no longer walks it mid-answer (a 75 ms pause,
    # measured on the first questions after start).
    gc.freeze()
    return Bot(
        retriever, engine, store, top_k=settings.top_k, max_question_chars=settings.max_question_chars,
        gate=gate, on_close=on_close, gaps=gaps, usage=usage,
    )


def start_watch(settings: Settings, cols: Collections) -> FolderWatcher:
    """BRIEFBOT_WATCH: this process keeps the folder indexed (the embedded store admits one process only)."""
    assert settings.watch_dir is not None
    log.info("watching %s for new, changed and deleted articles", settings.watch_dir)
    return FolderWatcher(cols, settings.watch_dir, max_bytes=settings.max_article_bytes).start()


def build_gaps(settings: Settings, store: Store) -> GapLog:
    """Where refused questions and 👎 are kept: beside the state store (same SQLite file, or the same Redis)."""
    if settings.redis_url:
        assert isinstance(store, RedisStore)  # build_store made it from the same REDIS_URL
        return RedisGaps(store.client)
    return SQLiteGaps(settings.data_dir / "state.sqlite3")


def build_usage(settings: Settings, store: Store) -> UsageLog:
    """Where answers are counted per day and channel: beside the state store (same SQLite file, or the same Redis)."""
    if settings.redis_url:
        assert isinstance(store, RedisStore)  # build_store made it from the same REDIS_URL
        return RedisUsage(store.client)
    return SQLiteUsage(settings.data_dir / "state.sqlite3")


def build_handled(settings: Settings, store: Store) -> HandledMarks:
    """Which gaps an editor marked handled: beside the gaps (same SQLite file, or the same Redis)."""
    if settings.redis_url:
        assert isinstance(store, RedisStore)
        return RedisHandled(store.client)
    return SQLiteHandled(settings.data_dir / "state.sqlite3")
