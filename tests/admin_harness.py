"""The admin page served for real (uvicorn on a free loopback port, in a thread of the test process, beside the bot
it shares the store with) and Debian's chromium driven by Playwright."""
from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from adapters.admin.server import local_app
from bot.common.config import Settings
from bot.core.bot import Bot
from bot.wiring import build_bot
from tests.services import free_port, missing, wait_until

TOKEN = "test-admin-token-0123456789"
CHROMIUM = "/usr/bin/chromium"
# Flags that work on this machine (headless, no sandbox as root, nothing fetched from the network).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


class AdminServer:
    """`local_app` (what `briefbot admin` serves) under uvicorn in a thread; stop() ends it."""

    def __init__(self, settings: Settings, bot: Bot) -> None:
        self.app = local_app(settings, bot)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False, log_config=None))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/admin"

    def start(self) -> AdminServer:
        self.thread.start()
        wait_until(lambda: self.server.started, 20, "the admin page")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.desk.close()


def admin_settings(data_dir: Path, **extra: str) -> Settings:
    return Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir), "BRIEFBOT_ADMIN_TOKEN": TOKEN, **extra})


@contextmanager
def serving(data_dir: Path) -> Iterator[tuple[AdminServer, Bot, Settings]]:
    """The admin page over a real Bot on `data_dir`, on a free port; stopped and closed afterwards."""
    settings = admin_settings(data_dir)
    bot = build_bot(settings)
    server = AdminServer(settings, bot).start()
    try:
        yield server, bot, settings
    finally:
        server.stop()
        bot.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's package) under Playwright, with a fresh profile."""
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        missing("chromium (the Debian package)")
    from playwright.sync_api import sync_playwright  # optional: the dev extra's browser driver

    with sync_playwright() as p:
        # Playwright gives every launch a fresh, empty profile of its own (it refuses --user-data-dir here).
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
