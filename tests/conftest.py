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
