"""Starting and configuring the Discord adapter: token errors are one clear line; commands sync on demand."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.discord import serve, sync_commands
from bot.common.config import Settings
from bot.common.errors import ConfigError
from bot.core.bot import Bot
from bot.state.store import SQLiteStore
from tests.discord_fake import APP_ID, GUILD_ID, FakeDiscord
from tests.fakes import FakeEngine, FakeRetriever

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base

REPO = Path(__file__).resolve().parents[1]


def run_adapter(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python -m adapters.discord` with a scrubbed environment: only what the test passes in."""
    base = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "BRIEFBOT_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "adapters.discord"], cwd=REPO, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_a_missing_token_is_one_line_naming_the_variable(tmp_path):
    done = run_adapter({}, tmp_path)
    assert done.returncode == 2
    assert "DISCORD_TOKEN is not set" in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_a_malformed_token_is_named_but_never_echoed(tmp_path):
    done = run_adapter({"DISCORD_TOKEN": "Bot sekrit-value-123"}, tmp_path)
    assert done.returncode == 2 and "DISCORD_TOKEN" in done.stderr
    assert "sekrit-value-123" not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_a_token_discord_rejects_is_one_line_and_exit_2(tmp_path, capsys, caplog):
    secret = "wrong-token-value-do-not-print"
    with FakeDiscord() as fake:
        settings = Settings.from_env({"DISCORD_TOKEN": secret, "DISCORD_API_BASE": fake.api_base})
        store = SQLiteStore(tmp_path / "state.sqlite3")
        try:
            status = serve(Bot(FakeRetriever(), FakeEngine(), store), settings, secret)
        finally:
            store.close()
        [login] = fake.calls("GET", "/users/@me")
        assert login.status == 401
    err = capsys.readouterr().err
    assert status == 2 and "DISCORD_TOKEN was rejected by Discord (401" in err
    assert secret not in err + caplog.text and "Traceback" not in err


def test_sync_registers_the_commands_on_a_guild_or_globally(tmp_path):
    with FakeDiscord() as fake:
        env = {"DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base}
        names = sync_commands(Settings.from_env(env), GUILD_ID)
        assert sorted(names) == sorted(["ask", "sources", "about", "reset", "Ask briefbot about this"])
        [put] = fake.calls("PUT")
        assert put.path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
        ask = next(c for c in put.body if c["name"] == "ask")
        options = {o["name"]: (o["type"], o.get("required", False), o.get("autocomplete", False))
                   for o in ask["options"]}
        assert options == {"question": (3, True, True), "private": (5, False, False)}  # suggestions as you type
        assert all(len(c["description"]) <= 100 for c in put.body if c.get("type", 1) == 1)
        [menu] = [c for c in put.body if c.get("type") == 3]  # Apps → "Ask briefbot about this" on a message
        assert menu["name"] == "Ask briefbot about this" and len(menu["name"]) <= 32

        assert sync_commands(Settings.from_env(env)) == names
        assert fake.calls("PUT")[-1].path == f"/applications/{APP_ID}/commands"
        assert not fake.calls("GET", "/gateway")  # REST only: syncing never opens the gateway
        assert not fake.unknown_routes()


def test_sync_with_a_bad_token_or_guild_id_says_which_variable(tmp_path):
    with FakeDiscord() as fake:
        with pytest.raises(ConfigError, match="DISCORD_TOKEN was rejected"):
            sync_commands(Settings.from_env({"DISCORD_TOKEN": "nope", "DISCORD_API_BASE": fake.api_base}))
    with pytest.raises(ConfigError, match="DISCORD_GUILD_ID"):
        sync_commands(Settings.from_env({"DISCORD_TOKEN": "x", "DISCORD_GUILD_ID": "my-server"}))
