"""A local stand-in for Slack: the Web API over HTTP and the Socket Mode websocket, both recording what they got.

Modelled on bolt-python's tests/mock_web_api_server (a threaded http.server answering per method path) and
python-slack-sdk's Socket Mode tests (a websocket server pushing envelopes, the client acking by envelope_id).
"""
from __future__ import annotations

import json
import math
import queue
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve
from tests.waiting import wait_for  # noqa: F401  (re-exported for the tests)


BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"




@dataclass
class Call:
    """One Web API request as the fake received it."""

    method: str
    body: dict
    token: str | None
    status: int
    response: dict
    at: float = field(default_factory=time.monotonic)


class _Server(ThreadingHTTPServer):
    request_queue_size = 512  # bursts of concurrent clients must not meet a 5-deep listen backlog
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-reply (a worker killed by a test) is not the fake's problem."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class FakeSlackAPI:
    """Slack's Web API on 127.0.0.1 (random port): records calls, keeps posted messages, can answer 429 once."""

    def __init__(self, socket_url: str | None = None, *, delay_s: float = 0.0,
                 revoked: frozenset[str] = frozenset()) -> None:
        self.socket_url = socket_url
        self.revoked = revoked  # well-formed tokens Slack answers `token_revoked` for (an uninstalled app's)
        self.delay_s = delay_s  # how long each chat.* call takes (the real Web API: ~0.2 s)
        self.scopes: str | None = None  # auth.test's x-oauth-scopes header (None: not sent)
        self.status_error: str | None = None  # assistant.threads.setStatus answers this error when set
        self.streams: dict[str, list[dict]] = {}  # ts -> the calls that built a streamed message
        self._holds: dict[str, threading.Event] = {}  # method -> its response waits for this (see `hold`)
        self._calls: list[Call] = []
        self._failures: dict[str, list[tuple[int, int]]] = {}
        self._limited_until: dict[str, float] = {}  # like Slack: a method stays rate-limited for its Retry-After
        self.messages: dict[str, dict] = {}  # ts -> the message as last posted or updated
        self._lock = threading.Lock()
        self._seq = 0
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def start(self) -> FakeSlackAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_once(self, method: str, status: int = 429, retry_after: int = 1) -> None:
        """The next call to `method` gets `status` with a Retry-After header."""
        with self._lock:
            self._failures.setdefault(method, []).append((status, retry_after))

    def hold(self, method: str) -> threading.Event:
        """The next call to `method` is carried out (a message is posted) but its response waits until the returned
        event is set: a worker that hangs, or dies, right after its answer went out."""
        event = threading.Event()
        with self._lock:
            self._holds[method] = event
        return event

    def calls(self, *methods: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if not methods or c.method in methods]

    def wait_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        return wait_for(lambda: (found := self.calls(method)) and len(found) >= count and found,
                        timeout, what=f"{count} × {method}")

    def quiet(self, seconds: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until nothing new has arrived for `seconds`: how a test knows no late duplicate is coming."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                last = self._calls[-1].at if self._calls else 0.0
            if time.monotonic() - last >= seconds:
                return
            time.sleep(0.02)
        raise AssertionError("the fake Slack API never went quiet")

    # --- the server side ---

    def _next_ts(self) -> str:
        with self._lock:
            self._seq += 1
            return f"{1_700_000_000 + self._seq}.{self._seq:06d}"

    def _respond(self, method: str, body: dict, token: str | None) -> tuple[int, dict, dict]:
        with self._lock:
            now = time.monotonic()
            left = self._limited_until.get(method, 0.0) - now
            if left > 0:  # retried before Retry-After was up: still limited
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(math.ceil(left))}
            pending = self._failures.get(method)
            failure = pending.pop(0) if pending else None
            if failure is not None and failure[0] == 429:
                self._limited_until[method] = now + failure[1]
        if failure is not None:
            status, retry_after = failure
            return status, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        if method == "response_url":
            return 200, {"ok": True}, {}
        expected = "xapp-" if method == "apps.connections.open" else "xoxb-"
        if not token or not token.startswith(expected):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if token in self.revoked:
            return 200, {"ok": False, "error": "token_revoked"}, {}
        if method == "auth.test":
            return 200, {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "briefbot",
                         "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}, \
                ({"x-oauth-scopes": self.scopes} if self.scopes is not None else {})
        if method == "assistant.threads.setStatus":
            if self.status_error:
                return 200, {"ok": False, "error": self.status_error}, {}
            if not body.get("channel_id") or not body.get("thread_ts") or "status" not in body:
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            return 200, {"ok": True}, {}
        if method in ("chat.startStream", "chat.appendStream", "chat.stopStream"):
            return self._stream(method, body)
        if method == "apps.connections.open":
            return 200, {"ok": True, "url": self.socket_url}, {}
        if method == "chat.postMessage":
            ts = self._next_ts()
            message = {"ts": ts, "text": body.get("text"), "blocks": body.get("blocks"),
                       "thread_ts": body.get("thread_ts"), "channel": body.get("channel")}
            with self._lock:
                self.messages[ts] = message
            return 200, {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}, {}
        if method == "chat.getPermalink":
            channel, ts = body.get("channel"), str(body.get("message_ts") or "").replace(".", "")
            return 200, {"ok": True, "channel": channel,
                         "permalink": f"https://fake.slack.com/archives/{channel}/p{ts}"}, {}
        if method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": self._next_ts()}, {}
        if method == "conversations.replies":  # the thread under a message, its own message first
            with self._lock:
                found = [{**m, "user": BOT_USER_ID, "bot_id": BOT_ID} for m in self.messages.values()
                         if m.get("channel") == body.get("channel") and m.get("thread_ts") == body.get("ts")]
            return 200, {"ok": True, "messages": [{"ts": body.get("ts"), "user": "U0USER"}, *found]}, {}
        if method == "chat.update":
            with self._lock:
                message = self.messages.get(body.get("ts", ""))
                if message is None:
                    return 200, {"ok": False, "error": "message_not_found"}, {}
                message.update(text=body.get("text"), blocks=body.get("blocks"))
            return 200, {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text")}, {}
        return 200, {"ok": True}, {}

    def _stream(self, method: str, body: dict) -> tuple[int, dict, dict]:
        """chat.startStream / appendStream / stopStream: one message, its markdown growing, blocks at the end."""
        text = str(body.get("markdown_text") or "") + "".join(
            c.get("text", "") for c in body.get("chunks") or [] if c.get("type") == "markdown_text")
        if method == "chat.startStream":
            if not body.get("thread_ts"):
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            if str(body.get("channel", "")).startswith("C") and not body.get("recipient_user_id"):
                return 200, {"ok": False, "error": "missing_recipient_user_id"}, {}
            ts = self._next_ts()
            with self._lock:
                self.messages[ts] = {"ts": ts, "text": text, "blocks": None, "thread_ts": body.get("thread_ts"),
                                     "channel": body.get("channel"), "streaming": True}
                self.streams[ts] = [body]
            return 200, {"ok": True, "channel": body.get("channel"), "ts": ts}, {}
        with self._lock:
            message = self.messages.get(str(body.get("ts")))
            if message is None or not message.get("streaming"):
                return 200, {"ok": False, "error": "message_not_in_streaming_state"}, {}
            message["text"] += text
            self.streams[message["ts"]].append(body)
            if method == "chat.stopStream":
                message["streaming"] = False
                message["blocks"] = body.get("blocks")
        return 200, {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}, {}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                return

            def do_POST(self) -> None:
                parsed = urlparse(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                if raw.startswith("{"):
                    body = json.loads(raw)
                else:
                    body = {k: v[0] for k, v in parse_qs(raw or parsed.query).items()}
                for key in ("blocks", "attachments"):  # form-encoded bodies carry these as JSON strings
                    if isinstance(body.get(key), str):
                        body[key] = json.loads(body[key])
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else body.get("token")
                path = parsed.path
                method = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
                if fake.delay_s and method.startswith(("chat.", "views.")):
                    time.sleep(fake.delay_s)
                status, payload, headers = fake._respond(method, body, token)
                with fake._lock:
                    fake._calls.append(Call(method, body, token, status, payload))
                    held = fake._holds.pop(method, None)
                if held is not None:
                    held.wait(30)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        return Handler


class FakeSocketMode:
    """Slack's Socket Mode websocket on 127.0.0.1: says hello, pushes envelopes, records the acks."""

    def __init__(self) -> None:
        self._outbox: queue.Queue[str] = queue.Queue()
        self.acks: list[dict] = []
        self.connections = 0
        self._lock = threading.Lock()
        sock = socket.create_server(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._server = serve(self._handle, sock=sock, compression=None, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=fake"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        for connection in list(self._server.connections):
            connection.close()
        self._server.shutdown()

    def deliver(self, payload: dict, *, kind: str = "events_api", envelope_id: str | None = None,
                retry_attempt: int = 0) -> str:
        """Queue an envelope (events_api or interactive) for the connected client; returns its envelope_id."""
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "payload": payload, "type": kind,
                    "accepts_response_payload": kind != "events_api"}
        if kind == "events_api":
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else ""}
        self._outbox.put(json.dumps(envelope))
        return envelope_id

    def acked(self, envelope_id: str) -> int:
        with self._lock:
            return sum(1 for a in self.acks if a.get("envelope_id") == envelope_id)

    def _handle(self, ws: ServerConnection) -> None:
        with self._lock:
            self.connections += 1
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}}))
        try:
            while True:
                try:
                    while True:
                        ws.send(self._outbox.get_nowait())
                except queue.Empty:
                    pass
                try:
                    message = ws.recv(timeout=0.02)
                except TimeoutError:
                    continue
                data = json.loads(message)
                if "envelope_id" in data:
                    with self._lock:
                        self.acks.append(data)
        except ConnectionClosed:
            return
