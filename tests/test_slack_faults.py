"""Bad requests, invisible questions and broken state files: a 4xx or a hint, and one clear line — no tracebacks."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.common.errors import StoreError
from bot.language.phrases import phrase
from bot.state.store import SQLiteStore
from tests import fault_scenarios as runs
from tests.services import Tmpfs
from tests.slack_fake import FakeSlackAPI, wait_for
from tests.slack_harness import BOT_TOKEN, SECRET, mention, post, signature

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base

ROOT = Path(__file__).resolve().parents[1]


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        return s.recv(4096)


def test_bad_requests_get_a_4xx_and_one_json_log_line_each(kb_copy, tmp_path):
    api = FakeSlackAPI().start()
    worker = runs.Worker(runs.worker_env(kb_copy, api), tmp_path / "bad.log").start()
    try:
        before = worker.log.read_text().splitlines()
        body = b'{"type": "event_callback", "event": '  # cut off
        ts = "1700000000"
        cases = {
            "malformed JSON": (body, {"X-Slack-Request-Timestamp": str(int(__import__("time").time())),
                                      "X-Slack-Signature": ""}),
            "non-numeric timestamp": (b"{}", {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}),
            "unsigned": (b'{"token": "xoxb-should-not-show"}', {"X-Slack-Request-Timestamp": ts,
                                                                  "X-Slack-Signature": "v0=bad"}),
        }
        now = cases["malformed JSON"][1]["X-Slack-Request-Timestamp"]
        cases["malformed JSON"][1]["X-Slack-Signature"] = signature(SECRET, now, body)
        statuses = {}
        for name, (data, headers) in cases.items():
            statuses[name] = post(worker.url, data, {"Content-Type": "application/json", **headers}).status
        raw_request(worker.port, b"NOT HTTP AT ALL\r\n\r\n")  # uvicorn's own complaint, in our format
        assert statuses == {"malformed JSON": 400, "non-numeric timestamp": 400, "unsigned": 401}

        def logged() -> list[str]:
            return worker.log.read_text().splitlines()[len(before):]

        wait_for(lambda: len(logged()) >= 4, 10, "the log lines")
        worker.stop(signal.SIGTERM)
        lines = logged()
        entries = [json.loads(line) for line in lines]  # every line is one JSON object: no traceback lines
        rejected = [e for e in entries if e["message"].startswith("rejected a Slack request")]
        assert len(rejected) == 3, lines
        assert any(e["logger"].startswith("uvicorn") for e in entries), lines
        assert not any("Traceback" in line or "xoxb-" in line or BOT_TOKEN in line for line in lines)
    finally:
        worker.stop(signal.SIGKILL)
        api.stop()


def test_an_invisible_only_mention_gets_the_usage_hint(http_slack):
    http_slack.send(mention("\u200b\u200b"))
    http_slack.send(mention("Hi! Thanks!"))
    hints = http_slack.api.wait_calls("chat.postMessage", 2)
    assert [h.body["text"] for h in hints] == [phrase("usage", "en")] * 2
    http_slack.api.quiet()
    assert http_slack.engine.calls == [] and not http_slack.api.calls("chat.update")


def test_healthz_writes_to_the_state_store(http_slack):
    from urllib.request import urlopen

    with urlopen(f"http://127.0.0.1:{http_slack.server.port}/healthz", timeout=5) as r:
        assert json.loads(r.read()) == {"status": "ok", "chroma": "ok", "store": "ok"}
    row = http_slack.store._conn().execute("SELECT at FROM health WHERE k='ping'").fetchone()
    assert row is not None  # a real write, not only a read


def one_line_from_cli(data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BRIEFBOT_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "bot", "ask", "Who is Borrell?"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def assert_one_line(done: subprocess.CompletedProcess, path: Path, what: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(path) in lines[0] and what in lines[0], lines[0]


def test_a_corrupt_state_file_is_one_line_naming_it(tmp_path):
    state = tmp_path / "state.sqlite3"
    state.write_bytes(b"this is not a database, it was overwritten " * 200)
    assert_one_line(one_line_from_cli(tmp_path), state, "move it aside")


def test_a_read_only_or_full_disk_is_one_line_naming_the_file(tmp_path):
    disk = Tmpfs(tmp_path / "ro", size_kb=1024).mount()
    try:
        SQLiteStore(disk.path / "state.sqlite3").close()
        disk.read_only()
        assert_one_line(one_line_from_cli(disk.path), disk.path / "state.sqlite3", "writable")
    finally:
        disk.unmount()
    full = Tmpfs(tmp_path / "full", size_kb=256).mount()
    try:
        full.fill()
        assert_one_line(one_line_from_cli(full.path), full.path / "state.sqlite3", "disk is full")
    finally:
        full.unmount()


def test_storage_faults_name_the_file_in_one_line(tmp_path):
    state = tmp_path / "state.sqlite3"
    state.write_bytes(b"garbage" * 1000)
    with pytest.raises(StoreError) as err:
        SQLiteStore(state)
    assert str(state) in err.value.message and "\n" not in err.value.message
