"""Secrets in a model's reply are masked on every platform (issue 23): token shapes (xoxb-, xapp-, ghp_, sk-, …)
and the configured OPENAI_API_KEY's value itself, also when the model streams a token in pieces."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.common.config import Settings
from bot.common.models import Source
from bot.llm.engine import LLMEngine
from bot.llm.masking import SecretFilter
from tests.clirun import run_cli
from tests.openai_fake import fake_openai

KEY = "test-key-Zq93mLp0Xv7"  # no token shape: only the configured value tells it is secret
SECRETS = ["xoxb-1111-2222-AbCdEfGhIjKl", "xapp-1-A0001-3333-abcdef", "ghp_" + "a1B2" * 9, "github_pat_" + "x9" * 15]
REPLY = ("Het artikel noemt Guterres [china-russia ¶3]. Token: {}, app {}; en {} met {}. De sleutel is {} "
         "(Bot {}).").format(*SECRETS, KEY, "Q" * 40)


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def leaked(text: str) -> list[str]:
    return [s for s in [*SECRETS, KEY, "Q" * 40] if s in text or s[:12] in text]


class ScriptedModel:
    """A chat model that streams a fixed reply in pieces of `size` characters (what LangChain's models yield)."""

    def __init__(self, reply: str, size: int) -> None:
        self.reply, self.size = reply, size

    def stream(self, messages: Any) -> Iterator[str]:
        yield from _pieces(self.reply, self.size)


@pytest.mark.parametrize("size", [1, 3, 7, 50, 10_000])
def test_the_llm_engine_masks_secrets_in_every_delta_and_the_answer(size: int) -> None:
    Settings.from_env({"OPENAI_API_KEY": KEY})  # registers the key's value for masking, as at start-up
    source = Source("2023-03-china-russia", "China", 3, "Guterres was er.", 0.9, "2023-03", "nl", "china-russia")
    items = list(LLMEngine(ScriptedModel(REPLY, size)).stream("Wie is Guterres?", [source], "nl"))
    deltas, answer = "".join(i for i in items if isinstance(i, str)), items[-1]
    assert not leaked(deltas) and not leaked(answer.text)  # type: ignore[union-attr]
    assert deltas.count("[redacted]") == 6 and "Guterres [china-russia ¶3]" in deltas


def test_the_secret_filter_holds_back_only_the_last_word() -> None:
    f = SecretFilter()
    assert f.feed("The token is xo") == "The token is "
    assert f.feed("xb-12-34-abc and") == "[redacted] "
    assert f.feed("x" * 2000) == "and" + "x" * (2000 - 256)  # a reply without spaces still streams
    assert f.flush() == "x" * 256


@pytest.mark.parametrize("args", [["ask", "--json", "Wie is Guterres?"], ["ask", "Wie is Guterres?"],
                                  ["console", "--as", "slack"], ["console", "--as", "discord"], ["console"]])
def test_no_secret_reaches_any_platform(kb_copy: Path, args: list[str]) -> None:
    with fake_openai(lambda messages: _pieces(REPLY, 5)) as provider:
        env = {"BRIEFBOT_LLM": "openai:gpt-4o-mini", "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": provider.base_url}
        done = run_cli(args, kb_copy, env=env, stdin="Wie is Guterres?\n" if args[0] == "console" else None)
    assert done.returncode == 0, done.stderr
    assert provider.requests, "the model was not asked"
    assert not leaked(done.stdout) and not leaked(done.stderr)
    shown = json.loads(done.stdout)["answer"] if "--json" in args else done.stdout
    assert "[redacted]" in shown and "Guterres" in shown
