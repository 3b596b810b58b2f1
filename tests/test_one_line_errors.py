"""The README's promise, checked for every command `briefbot --help` lists and for `adapters.serve`'s start-up
failures (issue 23): an error is one line on stderr, no traceback, no secret, with a non-zero exit status."""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from briefbot.cli import parser
from tests.clirun import REPO, cli_env, run_cli
from tests.slack_fake import FakeSlackAPI

pytestmark = pytest.mark.slow  # starts processes

TOKEN = "xoxb-1111-2222-onelinetokenvalue"
SECRET = "signing-secret-value-0123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@dataclass(frozen=True)
class Case:
    """A command line that must fail, the environment it runs in, and what its one line must say."""

    args: tuple[str, ...]
    says: str
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None


def cli_cases(tmp_path: Path) -> list[Case]:
    missing = str(tmp_path / "no-such-file.md")
    return [
        Case(("frobnicate",), "invalid choice"),
        Case(("console",), "BRIEFBOT_TOP_K", {"BRIEFBOT_TOP_K": "0"}),
        Case(("console", "--as", "teams"), "invalid choice"),
        Case(("ask",), "give a question"),
        Case(("ask", "Who is Guterres?"), "BRIEFBOT_LLM", {"BRIEFBOT_LLM": "nosuch:model"}),
        Case(("ask", "Who is Guterres?"), "Chroma", {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(free_port())}),
        Case(("ingest", missing), "no-such-file.md"),
        Case(("ingest", "--since", "someday", str(tmp_path)), "--since 'someday' is not a date"),
        Case(("ingest", closed_url() + "/story"), "cannot be reached"),
        Case(("articles",), "Chroma", {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(free_port())}),
        Case(("remove", "no-such-article"), "no article with the id 'no-such-article'"),
        Case(("gaps", "--since", "yesterday-ish"), "gaps:"),
        Case(("gaps",), "REDIS_URL", {"REDIS_URL": "http://not-redis"}),
        Case(("eval", missing), "no-such-file.md"),
        Case(("feedback", "--limit", "many"), "--limit"),
        Case(("feedback",), "Redis", {"REDIS_URL": f"redis://:pw-not-shown-123@127.0.0.1:{free_port()}/0"}),
        Case(("usage", "--since", "tomorrowish"), "is not a day"),
        Case(("reindex", "no-such-article"), "no article with the id 'no-such-article'"),
        Case(("admin",), "BRIEFBOT_ADMIN_TOKEN is not set"),
        Case(("admin", "--port", "0"), "must be a port number"),
        Case(("discord", "sync"), "DISCORD_TOKEN"),
        Case(("discord", "sync", "--guild", "123456789012345678"), "cannot reach Discord",
             {"DISCORD_TOKEN": "discord-token-not-shown-0123", "DISCORD_API_BASE": closed_url() + "/api/v10"}),
    ]


def commands() -> set[str]:
    """Every command and subcommand `briefbot --help` lists."""
    found: set[str] = set()

    def walk(p: argparse.ArgumentParser, prefix: str) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.add(f"{prefix}{name}".strip())
                    walk(sub, f"{prefix}{name} ")

    walk(parser(), "")
    return found


def assert_one_line(done: subprocess.CompletedProcess[str], says: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert done.returncode not in (0, 134), (done.returncode, done.stderr)
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and says in lines[0], lines[0]
    for secret in ("pw-not-shown-123", "discord-token-not-shown", TOKEN, SECRET):
        assert secret not in done.stderr and secret not in done.stdout


def test_every_command_has_a_case(tmp_path: Path) -> None:
    covered = {" ".join(a for a in c.args if not a.startswith("-")).split(" /")[0] for c in cli_cases(tmp_path)}
    covered = {c.split()[0] if c.split()[0] != "discord" else " ".join(c.split()[:2]) for c in covered if c}
    assert commands() - {"discord"} <= covered | {"frobnicate"}, commands() - covered


@pytest.mark.parametrize("index", range(len(cli_cases(Path("/tmp")))))
def test_every_cli_error_is_one_line(tmp_path: Path, index: int) -> None:
    case = cli_cases(tmp_path)[index]
    done = run_cli(list(case.args), tmp_path / "data", env=case.env, stdin=case.stdin, timeout=120)
    assert_one_line(done, case.says)


# --- adapters.serve: what stops it before it serves ----------------------------------------------------------------


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlackAPI]:
    api = FakeSlackAPI(revoked=frozenset({"xoxb-9999-8888-revokedtoken"})).start()
    yield api
    api.stop()


def serve(args: list[str], data: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "adapters.serve", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=REPO, env=cli_env(data, env), timeout=120)


def serve_cases(api: str, busy: int) -> list[tuple[str, list[str], dict[str, str], str]]:
    ok = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api}
    return [
        ("a revoked token", [], {**ok, "SLACK_BOT_TOKEN": "xoxb-9999-8888-revokedtoken"}, "token_revoked"),
        ("a token of the wrong kind", [], {**ok, "SLACK_BOT_TOKEN": "xapp-1-abc"}, "SLACK_BOT_TOKEN"),
        ("no token", [], {k: v for k, v in ok.items() if k != "SLACK_BOT_TOKEN"}, "SLACK_BOT_TOKEN"),
        ("the Slack API unreachable", [], {**ok, "SLACK_API_URL": closed_url() + "/api/"}, "could not reach Slack"),
        ("the port in use", ["--port", str(busy)], ok, f"{busy}"),
        ("a bad setting", [], {**ok, "BRIEFBOT_TOP_K": "lots"}, "BRIEFBOT_TOP_K"),
        ("a bad port", ["--port", "http"], ok, "--port"),
        ("no signing secret", [], {k: v for k, v in ok.items() if k != "SLACK_SIGNING_SECRET"},
         "SLACK_SIGNING_SECRET"),
        ("workers without a Chroma server", ["--workers", "2"], ok, "Chroma server"),
    ]


@pytest.mark.parametrize("index", range(9))
def test_every_serve_start_up_failure_is_one_line(tmp_path: Path, slack_api: FakeSlackAPI, index: int) -> None:
    with socket.create_server(("0.0.0.0", 0)) as held:
        busy = held.getsockname()[1]
        name, args, env, says = serve_cases(slack_api.url, busy)[index]
        port = [] if "--port" in args else ["--port", str(free_port())]
        done = serve([*args, *port], tmp_path / "data", env)
    assert_one_line(done, says)
    assert done.stderr.startswith("briefbot web: "), name


def test_serve_starts_without_bolts_token_notice(tmp_path: Path, slack_api: FakeSlackAPI) -> None:
    """A good start logs no `token will be unused` line (Bolt reads SLACK_BOT_TOKEN itself besides our client)."""
    port = free_port()
    env = cli_env(tmp_path / "data", {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                                      "SLACK_API_URL": slack_api.url})
    proc = subprocess.Popen([sys.executable, "-m", "adapters.serve", "--port", str(port), "--host", "127.0.0.1"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = 90.0
        started = time.monotonic()
        while time.monotonic() - started < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert "will be unused" not in out and "Traceback" not in out, out
    assert "stopping" in out  # it did start (the lifespan ran), so the notice had its chance
