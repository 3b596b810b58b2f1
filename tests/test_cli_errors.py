"""Every CLI error is one line with a non-zero exit status, and no secret ever reaches the terminal."""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.clirun import run_cli


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_version(tmp_path: Path) -> None:
    done = run_cli(["--version"], tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("briefbot 0.")


def test_a_bad_guild_id_is_one_line(tmp_path: Path) -> None:
    done = run_cli(["discord", "sync", "--guild", "abc"], tmp_path)
    assert done.returncode == 2
    assert "--guild: must be a numeric guild (server) id" in one_line(done.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_discord_unreachable_is_one_line(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": "token-value-not-shown-0123", "DISCORD_API_BASE": f"http://127.0.0.1:{free_port()}/api/v10"}
    done = run_cli(["discord", "sync", "--guild", "123456789012345678"], tmp_path, env=env)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith("briefbot: cannot reach Discord;") and "token-value-not-shown" not in line


def test_ask_json_reports_a_non_utf8_line_and_answers_the_rest(kb_copy: Path) -> None:
    stdin = b"Who is Guterres?\n" + b"\xff\xfe not text\n" + b"Wie is Borrell?\n"
    done = run_cli(["ask", "--json"], kb_copy, stdin_bytes=stdin)
    assert done.returncode == 1
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 3 and records[0]["grounded"] and records[2]["grounded"]
    assert records[1]["error"] == "InputError" and "line 2 is not valid UTF-8" in records[1]["answer"]
    assert one_line(done.stderr) == "briefbot ask: input line(s) 2 not valid UTF-8; answered the others"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"q": "Who?", "lang": "en", "unanswerable": true}\n{"q": "x"\n', "line 2 is not valid JSON"),
        ('["not", "an", "object"]\n', "line 1: expected a JSON object"),
        ('{"q": "Who?", "lang": "de", "unanswerable": true}\n', "line 1: 'lang' must be \"en\" or \"nl\""),
        ('{"q": "Who?", "lang": "en", "expect": [["(unclosed"]], "source": "x"}\n', "not a regular expression"),
        ("\n\n", "holds no questions"),
    ],
)
def test_a_malformed_eval_file_is_one_line_naming_the_line(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text(content, encoding="utf-8")
    done = run_cli(["eval", str(path)], tmp_path / "data")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert expected in line and str(path) in line and "briefbot eval --help" in line


def test_eval_help_documents_the_file_format(tmp_path: Path) -> None:
    done = run_cli(["eval", "--help"], tmp_path)
    assert done.returncode == 0
    for key in ('"q"', '"lang"', '"expect"', '"source"', '"unanswerable"', "Exit status"):
        assert key in done.stdout


class _EchoingProvider(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that rejects the key and, like some providers, repeats it in the error."""

    def do_POST(self) -> None:
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        body = json.dumps({"error": {"message": f"Incorrect API key provided: {key}.", "type": "invalid_request_error",
                                     "code": "invalid_api_key"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echoing_provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("verbose", [False, True])
def test_a_provider_error_that_echoes_the_key_never_prints_it(kb_copy: Path, echoing_provider: str,
                                                              verbose: bool) -> None:
    pytest.importorskip("langchain_openai")  # in the dev extra; skipped only on an install without it
    secret = "plain-looking-secret-value-0123456789"
    env = {"BRIEFBOT_LLM": "openai:gpt-4o-mini", "OPENAI_API_KEY": secret, "OPENAI_BASE_URL": echoing_provider}
    done = run_cli([*(["-v"] if verbose else []), "ask", "Who is Borrell?"], kb_copy, env=env)
    assert done.returncode == 2
    assert secret not in done.stdout + done.stderr
    assert "[redacted]" in done.stderr
    if not verbose:
        assert "The language model could not be reached" in one_line(done.stderr)
        assert "401" in done.stderr


def test_an_unexpected_failure_is_one_masked_line(tmp_path: Path) -> None:
    """A data dir that is a file: whatever breaks below, the user sees one line, exit 1, no traceback, no token."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    done = run_cli(["ask", "Who is Borrell?"], blocker, env={"SLACK_BOT_TOKEN": "xoxb-1234-abcdefghijkl"})
    assert done.returncode in (1, 2)
    assert "xoxb-1234-abcdefghijkl" not in done.stderr
    assert one_line(done.stderr).startswith("briefbot: ")
