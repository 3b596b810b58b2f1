"""Shared fixtures, and the two test layers.

`pytest -m "not slow"` is the fast layer: pure functions and in-process fakes, in seconds. A test is slow when it
starts a server or a process, or uses the real knowledge base (Chroma and the bundled embedder): every test that
asks for one of SLOW_FIXTURES is marked slow here; a module that starts servers or processes in its own body says
`pytestmark = pytest.mark.slow`. The full suite (`make test`, what CI runs) runs both layers, on two workers.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.common.config import Settings
from bot.core.bot import Bot
from bot.state.store import SQLiteStore
from bot.wiring import build_bot
from tests.fakes import FakeEngine, FakeRetriever

# Fixtures that start servers or processes, or open the real knowledge base: a test using one is in the slow layer.
SLOW_FIXTURES = frozenset({
    "kb_settings", "kb_copy", "real_bot", "redis_server", "redis_url", "chroma_server", "discord_harness",
    "http_slack",
})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """One process at a time (pytest-xdist workers share the session knowledge base)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled article indexed once per run, shared by the xdist workers (embedding takes seconds); tests get
    copies (kb_copy), so nothing writes here once it is built."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, above each worker's own
    data_dir = root / "kb-shared" / "data"
    ready = root / "kb-shared" / "ready"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir)})
    with _file_lock(root / "kb-shared.lock"):
        if not ready.exists():
            bot = build_bot(settings)
            try:
                assert bot.retriever.cols.chunks.count() > 0, "build_bot did not index the bundled article"
            finally:
                bot.close()  # frees the writer lock, so copies of the folder open cleanly
            ready.touch()
    return settings


@pytest.fixture
def kb_copy(kb_settings: Settings, tmp_path: Path) -> Path:
    """A private copy of the session knowledge base, so no test shares its conversation store or writer lock."""
    dest = tmp_path / "kb-data"
    shutil.copytree(kb_settings.data_dir, dest)
    return dest


@pytest.fixture
def real_bot(kb_copy: Path) -> Iterator[Bot]:
    """The real offline Bot (Chroma, e5 embedder, SQLite memory) on a copy of the session KB, with the rules engine:
    the answers these tests expect are its (the reader's are in test_reader_shipped.py)."""
    bot = build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": str(kb_copy), "BRIEFBOT_ENGINE": "rules"}))
    yield bot
    bot.close()


# --- Real services: one of each per worker process, on free ports ------------------------------------------------


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


# --- The adapters against the fake platforms ----------------------------------------------------------------------


@pytest.fixture
def http_slack(tmp_path):
    """The Slack adapter in HTTP mode under uvicorn, a fake Slack Web API, a Bot from fakes (tests/slack_harness.py)."""
    from tests.slack_harness import HttpSlack

    harness = HttpSlack(tmp_path)
    yield harness
    harness.close()


@pytest.fixture
def discord_harness(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Start a harness (call it with an engine or options): the real discord.py client against the fake Discord
    (tests/discord_harness.py); everything is stopped after the test."""
    from tests.discord_harness import Harness

    started: list[Harness] = []

    def start(engine: FakeEngine | None = None, **options: Any) -> Harness:
        h = Harness(tmp_path / f"h{len(started)}", engine, **options)
        started.append(h)
        return h

    yield start
    for h in started:
        h.stop()
    for h in started:
        assert not h.fake.unknown_routes(), f"the client called routes the fake doesn't know: {h.fake.unknown_routes()}"
