"""The real discord.py client, running the adapter in a background thread against the fake Discord (the fixture is
`discord_harness` in conftest.py)."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from adapters.discord import BriefbotClient, create_client
from bot.common.config import Settings
from bot.core.bot import Bot
from bot.state.gaps import SQLiteGaps
from bot.state.store import SQLiteStore
from tests.discord_fake import Call, FakeDiscord, wait_for
from tests.fakes import FakeEngine, FakeRetriever


class Harness:
    """A fake Discord, a Bot from fakes with a real SQLite store, and the adapter's client connected to both."""

    def __init__(self, tmp_path: Path, engine: FakeEngine | None = None, *, workers: int = 4,
                 answer_timeout_s: float = 60.0, bot: Bot | None = None, fake: FakeDiscord | None = None,
                 **env: str) -> None:
        self.owns_fake = fake is None
        self.fake = fake or FakeDiscord().start()
        self.engine = engine or FakeEngine()
        self.store = SQLiteStore(tmp_path / "state.sqlite3") if bot is None else bot.store
        self.gaps = SQLiteGaps(tmp_path / "state.sqlite3")
        self.bot = bot or Bot(FakeRetriever(), self.engine, self.store, gaps=self.gaps)
        self.settings = Settings.from_env({
            "DISCORD_TOKEN": self.fake.token, "DISCORD_API_BASE": self.fake.api_base,
            "BRIEFBOT_DATA_DIR": str(tmp_path), "BRIEFBOT_MAX_CONCURRENT": str(workers),
            "BRIEFBOT_DRAIN_SECONDS": "5", **env,
        })
        self.client: BriefbotClient = create_client(self.bot, self.settings, answer_timeout_s=answer_timeout_s)
        self.errors: list[BaseException] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, name="discord-client", daemon=True)
        self.thread.start()
        try:
            self.fake.wait_connected(alive=self.thread.is_alive)
        except AssertionError:
            self.stop()
            raise

    def _run(self) -> None:
        async def main() -> None:
            self.loop = asyncio.get_running_loop()
            async with self.client:  # leaving it awaits close() to the end, whoever started the close
                await self.client.start(self.fake.token)

        try:
            asyncio.run(main())  # like client.run(): cancels what discord.py leaves pending
        except BaseException as exc:  # noqa: BLE001 - reported by stop()
            self.errors.append(exc)

    def stop(self) -> None:
        try:
            if self.thread.is_alive() and self.loop is not None:
                asyncio.run_coroutine_threadsafe(self.client.close(), self.loop)
            self.thread.join(15)
            assert not self.thread.is_alive(), "the client did not shut down"
        finally:
            self.store.close()
            self.gaps.close()
            if self.owns_fake:
                self.fake.stop()
        assert not self.errors, f"the client crashed: {self.errors!r}"

    # -- conveniences ----------------------------------------------------------------------------------------

    def ask(self, question: str, private: bool | None = None, **where: Any) -> dict:
        options: dict[str, Any] = {"question": question}
        if private is not None:
            options["private"] = private
        return self.fake.slash("ask", options, **where)

    def calls_for(self, ix: dict, method: str | None = None) -> list[Call]:
        """Every REST call about one interaction (its callback, original-response edits and follow-ups)."""
        return [c for c in self.fake.calls(method) if f"/{ix['token']}" in c.path]

    def callback(self, ix: dict, timeout: float = 5.0) -> Call:
        return wait_for(lambda: next(iter(c for c in self.calls_for(ix, "POST") if c.path.endswith("/callback")), None),
                        timeout, f"the callback for interaction {ix['id']}")

    def final_edit(self, ix: dict, timeout: float = 10.0) -> Call:
        """The edit that delivers the answer (progress edits carry content only; deliveries also carry embeds)."""
        return wait_for(
            lambda: next(iter(c for c in self.calls_for(ix, "PATCH") if c.status == 200 and "embeds" in c.body), None),
            timeout, f"the final edit for interaction {ix['id']}")

    def idle(self, timeout: float = 10.0) -> None:
        """Wait until the flow holds no question: every one is answered and recorded, so nothing more is posted."""
        assert self.client.flow is not None
        wait_for(lambda: self.client.flow.pending == 0, timeout, "the flow to finish every question")  # type: ignore[union-attr]

    def followups(self, ix: dict) -> list[Call]:
        return [c for c in self.calls_for(ix, "POST") if not c.path.endswith("/callback")]

    def sends(self) -> list[Call]:
        """Every call that put text in front of users."""
        return [c for c in self.fake.calls() if c.method in ("POST", "PATCH") and isinstance(c.body, dict)
                and ("content" in c.body or "embeds" in c.body or "data" in c.body)]

