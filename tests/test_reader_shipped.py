"""The shipped reader (knowledge/reader/reader.npz) behind the real Bot: Chroma, the e5 embedder, onnxruntime."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.core.bot import Bot
from bot.wiring import build_bot
from tests.clirun import run_cli


@pytest.fixture
def reader_bot(kb_copy: Path) -> Iterator[Bot]:
    bot = build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": str(kb_copy), "BRIEFBOT_ENGINE": "reader"}))
    yield bot
    bot.close()


def test_the_reader_states_a_number_in_the_askers_format_and_quotes_its_sentence(reader_bot: Bot) -> None:
    a = reader_bot.answer("How many deported children does the conference aim to trace?", "r1")
    assert a.grounded and a.item == "16,200"
    assert "[china-russia ¶9]" in a.text and "16.200 gedeporteerde kinderen" in a.text
    assert a.trace is not None and a.trace.rule == "answer" and a.trace.spans


def test_the_reader_refuses_what_the_article_does_not_say_and_shows_the_closest_passage(reader_bot: Bot) -> None:
    a = reader_bot.answer("How many submarines did China sell to Russia?", "r2")
    assert not a.grounded
    assert a.trace is not None and a.trace.rule in ("no_answer", "nothing_asked")


def test_an_overview_is_not_read(reader_bot: Bot) -> None:
    a = reader_bot.answer("What is the article about?", "r3")
    assert a.grounded and a.trace is not None and a.trace.rule == "overview"
    assert any("reader is not run" in s for s in a.trace.steps)


def test_the_reader_is_the_default_engine_and_answers_through_ask_json(kb_copy: Path) -> None:
    assert Settings.from_env({}).engine == "reader"
    done = run_cli(["ask", "--json"], kb_copy, stdin="Hoeveel gedeporteerde kinderen wil de conferentie opsporen?\n",
                   env={"BRIEFBOT_ENGINE": "reader"})
    reply = json.loads(done.stdout.splitlines()[0])
    assert reply["grounded"] and reply["item"] == "16.200" and "[china-russia ¶9]" in reply["answer"]
