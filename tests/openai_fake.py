"""A local stand-in for an OpenAI-compatible chat endpoint: records each request, streams a scripted reply (SSE)."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[list[dict[str, Any]]], list[str]]  # the request's messages -> the reply's text deltas


class FakeOpenAI:
    """What the tests see: the requests received and the base url to give the client."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.base_url = ""


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            with fake.lock:
                fake.requests.append(body)
            if not self.path.endswith("/chat/completions") or not body.get("stream"):
                self.send_error(404, "only streamed chat completions here")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i, delta in enumerate(fake.reply(body["messages"])):
                chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                         "model": body.get("model", "fake"),
                         "choices": [{"index": 0, "finish_reason": None,
                                      "delta": {"content": delta, **({"role": "assistant"} if i == 0 else {})}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            done = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                    "choices": [{"index": 0, "finish_reason": "stop", "delta": {}}]}
            self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def fake_openai(reply: Reply) -> Iterator[FakeOpenAI]:
    """The fake endpoint on a free port of 127.0.0.1, for the duration of the block."""
    fake = FakeOpenAI(reply)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
