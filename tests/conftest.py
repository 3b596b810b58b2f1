"""Shared fixtures: a Bot from fakes where the fake is the point."""
from __future__ import annotations

import pytest

from bot.core import Bot
from bot.store import SQLiteStore
from tests.fakes import FakeEngine, FakeRetriever


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "state.sqlite3")
    yield s
    s.close()


@pytest.fixture
def fake_bot(store):
    """A Bot whose engine echoes the question; swap `bot.engine` for another FakeEngine as needed."""
    return Bot(FakeRetriever(), FakeEngine(), store)


# --- A real knowledge base: real Chroma, the real bundled embedder, the bundled article ---------------------------

import shutil  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.core import build_bot  # noqa: E402


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled article indexed once per session (embedding takes seconds); the bot is closed to free the lock."""
    data_dir = tmp_path_factory.mktemp("kb") / "data"
    settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir)})
    bot = build_bot(settings)
    try:
        assert bot.retriever.cols.chunks.count() > 0, "build_bot did not index the bundled article"
    finally:
        bot.close()
    return settings


@pytest.fixture
def kb_copy(kb_settings: Settings, tmp_path: Path) -> Path:
    """A private copy of the session knowledge base, so no test shares its conversation store or writer lock."""
    dest = tmp_path / "kb-data"
    shutil.copytree(kb_settings.data_dir, dest)
    return dest


@pytest.fixture
def real_bot(kb_copy: Path) -> Iterator[Bot]:
    """The real offline Bot (Chroma, e5 embedder, extractive engine, SQLite memory) on a copy of the session KB."""
    bot = build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": str(kb_copy)}))
    yield bot
    bot.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One real redis-server for the session; tests use distinct key prefixes or flush it."""
    from tests.services import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    client.close()
    return redis_server.url


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """One real `chroma run` server for the session (tests that kill it use their own)."""
    from tests.services import ChromaServer

    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data")
    server.start()
    yield server
    server.stop()
