"""Fuzzing the HTTP endpoints (Hypothesis): random bodies, headers, content types and signatures sent over a real
socket to the Slack adapter under uvicorn. Never a 5xx, never a traceback in the log; and the answers the issue names:
401 for what cannot be verified, 400 for a verified body that is not an event object (issue 23).

`make fuzz` runs this for minutes (tests/fuzzing.py); in the suite it is a small seeded budget.
"""
from __future__ import annotations

import http.client
import json
import logging
import string
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzzing import TRIED, budget, run_for
from tests.slack_fake import BOT_USER_ID, TEAM_ID
from tests.slack_harness import SECRET, HttpSlack, signature

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]


@dataclass
class LogCatch(logging.Handler):
    """Every log record of the process (root and uvicorn's own loggers), to look for tracebacks."""

    records: list[logging.LogRecord] = field(default_factory=list)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        with self.guard:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        with self.guard:
            out, self.records = self.records, []
        return out

    def __hash__(self) -> int:
        return id(self)


@dataclass
class Client:
    """One keep-alive HTTP connection to the served app (a new one when the server closed it)."""

    port: int
    conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            try:
                self.conn.request("POST", path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HttpSlack, Client, LogCatch]]:
    catch = LogCatch()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn"), logging.getLogger("uvicorn.error")]
    for lg in loggers:
        lg.addHandler(catch)
    harness = HttpSlack(tmp_path_factory.mktemp("fuzz-http"))
    try:
        yield harness, Client(harness.server.port), catch
    finally:
        harness.close()
        for lg in loggers:
            lg.removeHandler(catch)


# --- what is sent ------------------------------------------------------------------------------------------------

NOW, OLD = "{now}", "{10 minutes ago}"  # timestamps made real when the request is sent (examples outlive minutes)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
slack_keys = ["type", "event", "user", "team", "channel", "text", "ts", "thread_ts", "event_id", "authorizations",
              "enterprise", "container", "view", "message", "actions", "bot_id", "subtype", "channel_type",
              "team_id", "api_app_id", "challenge", "is_ext_shared_channel", "user_team", "item", "response_url",
              "trigger_id", "edited", "files", "is_enterprise_install"]
slack_types = ["event_callback", "url_verification", "block_actions", "view_submission", "app_mention", "message",
               "app_rate_limited", "shortcut"]
odd_value = (json_values | st.sampled_from(slack_types) | st.sampled_from([BOT_USER_ID, TEAM_ID, "U0USER", "C0CHAN"])
             | st.text(alphabet=string.digits + ".", max_size=18))


@st.composite
def slack_objects(draw: st.DrawFn) -> dict[str, Any]:
    """Objects shaped like Slack's envelopes, with any field of any type (what Bolt's extractors read)."""
    inner = draw(st.dictionaries(st.sampled_from(slack_keys), odd_value, max_size=8))
    if draw(st.booleans()):
        inner["type"] = draw(st.sampled_from(slack_types))
        inner.setdefault("text", f"<@{BOT_USER_ID}> " + draw(st.text(max_size=60)))
    outer = draw(st.dictionaries(st.sampled_from(slack_keys), odd_value, max_size=8))
    outer["type"] = draw(st.sampled_from(slack_types) | odd_value)
    outer["event"] = inner if draw(st.booleans()) else draw(odd_value)
    if draw(st.booleans()):
        outer["event_id"] = "Ev" + draw(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=4,
                                                max_size=12))
    return outer


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, dict[str, str], str]:
    """A body, headers, and how it was signed ('valid', 'bad', 'none')."""
    kind = draw(st.sampled_from(["bytes", "json", "slack", "form", "text"]))
    if kind == "bytes":
        body = draw(st.binary(max_size=400))
    elif kind == "json":
        body = json.dumps(draw(json_values)).encode()
    elif kind == "slack":
        body = json.dumps(draw(slack_objects())).encode()
    elif kind == "form":
        payload = draw(st.one_of(slack_objects(), json_values).map(json.dumps) | st.text(max_size=40))
        body = urlencode({"payload": payload, **draw(st.dictionaries(st.text(max_size=8), st.text(max_size=8),
                                                                        max_size=3))}).encode()
    else:
        body = draw(st.text(max_size=200)).encode()
    content_type = draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                         "application/json; charset=utf-8", "text/plain", ""]) | header_text)
    timestamp = draw(st.sampled_from([NOW, NOW, NOW, "", "0", OLD]) | header_text)
    signed = draw(st.sampled_from(["valid", "valid", "bad", "none"]))
    headers = {"X-Slack-Request-Timestamp": timestamp}
    if content_type:
        headers["Content-Type"] = content_type
    if signed == "bad":
        headers["X-Slack-Signature"] = draw(st.sampled_from(["v0=" + "0" * 64, "v0="]) | header_text)
    if draw(st.booleans()):
        headers["X-Slack-Retry-Num"] = draw(st.sampled_from(["1", "2"]) | header_text)
        headers["X-Slack-Retry-Reason"] = draw(header_text)
    for name, value in draw(st.dictionaries(st.sampled_from(["Accept", "X-Forwarded-For", "User-Agent", "X-Extra"]),
                                            header_text, max_size=2)).items():
        headers[name] = value
    return body, headers, signed


def traced(records: list[logging.LogRecord]) -> list[str]:
    """The log records that carry a traceback, as text."""
    out = []
    for r in records:
        text = r.getMessage()
        if r.exc_info or r.stack_info or "Traceback" in text:
            out.append(f"{r.name}: {text[:200]} ({r.exc_info[1]!r})" if r.exc_info else f"{r.name}: {text[:200]}")
    return out


def is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check(served: tuple[HttpSlack, Client, LogCatch], request: tuple[bytes, dict[str, str], str]) -> None:
    harness, client, catch = served
    TRIED["http /slack/events"] += 1
    body, headers, signed = sent(*request)
    assert traced(catch.take()) == []  # what the listener threads logged since the last example
    status, reply = client.post("/slack/events", body, headers)
    assert status < 500, (status, reply[:200])
    assert b"Traceback" not in reply
    ts = headers["X-Slack-Request-Timestamp"]
    fresh = ts.isascii() and ts.isdigit() and len(ts) <= 12 and abs(time.time() - int(ts)) < 290
    if fresh and signed != "valid" and len(body) <= 1_000_000:
        assert status == 401, (status, reply[:200])  # cannot be verified: never reaches Bolt
    if fresh and signed == "valid" and not is_utf8(body):
        assert status == 401
    if fresh and signed == "valid" and headers.get("Content-Type") == "application/json" and is_utf8(body):
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = {}
        if not isinstance(parsed, dict):
            assert status == 400, (status, reply[:200])  # verified, but not an event object
    assert traced(catch.take()) == []


def sent(body: bytes, headers: dict[str, str], signed: str) -> tuple[bytes, dict[str, str], str]:
    """The request as sent now: NOW/OLD timestamps made real, and signed when it is to be signed validly."""
    ts = headers.get("X-Slack-Request-Timestamp", "")
    ts = {NOW: str(int(time.time())), OLD: str(int(time.time()) - 600)}.get(ts, ts)
    headers = {**headers, "X-Slack-Request-Timestamp": ts}
    if signed == "valid":
        headers["X-Slack-Signature"] = signature(SECRET, ts, body)
    return body, headers, signed


def _stamp(body: bytes, content_type: str = "application/json", sign: bool = True) -> tuple[bytes, dict, str]:
    return body, {"X-Slack-Request-Timestamp": NOW, "Content-Type": content_type}, "valid" if sign else "none"


def test_the_cases_from_the_issue(served: tuple[HttpSlack, Client, LogCatch]) -> None:
    """A body that is not UTF-8 (signed or not): 401; signed `[1,2,3]` and `null`: 400; each one log line."""
    _, client, catch = served
    for request in (_stamp(b"\xff\xfe{}", sign=False), _stamp(b"\xff\xfe{}"),
                    (b"\xff", {"X-Slack-Request-Timestamp": NOW, "X-Slack-Signature": "v0=bad"}, "bad")):
        catch.take()
        assert client.post("/slack/events", *sent(*request)[:2])[0] == 401
        lines = [r for r in catch.take() if r.name == "briefbot.web"]
        assert len(lines) == 1 and not traced(lines) and "not UTF-8" in lines[0].getMessage()
    catch.take()
    assert client.post("/slack/events", *sent(*_stamp(b"[" * 100_000 + b"]" * 100_000))[:2])[0] == 400
    assert [r.getMessage() for r in catch.take() if r.name == "briefbot.web"] == [
        "rejected a Slack request (400): the body's JSON is nested too deeply"]
    for body in (b"[1,2,3]", b"null", b"42", b'"text"'):
        catch.take()
        status, _ = client.post("/slack/events", *sent(*_stamp(body))[:2])
        assert status == 400
        lines = [r for r in catch.take() if r.name == "briefbot.web"]
        assert len(lines) == 1 and "not an event object" in lines[0].getMessage()


@given(request=requests())
@example(request=_stamp(b"[1,2,3]"))
@example(request=_stamp(b"null"))
@example(request=_stamp(b"\xff{}", sign=False))
@example(request=_stamp(b'{"type": "event_callback", "event": {"type": "app_mention"}, "user": 5}'))
@example(request=_stamp(b'{"authorizations": "x", "type": "event_callback"}'))
@example(request=_stamp(b"payload=%5B1%5D", content_type="application/x-www-form-urlencoded"))
@example(request=_stamp(b"[" * 100_000 + b"]" * 100_000))  # json's parser recursed out (a 500)
@example(request=_stamp(b'{"a":' * 50_000 + b"1" + b"}" * 50_000))
@budget(ci=60, fuzz=3_000)
def _fuzz_events(served: tuple[HttpSlack, Client, LogCatch], request: tuple[bytes, dict[str, str], str]) -> None:
    _check(served, request)


def test_random_requests_never_get_a_5xx_or_a_traceback(served: tuple[HttpSlack, Client, LogCatch]) -> None:
    run_for("http /slack/events", lambda: _fuzz_events(served))
