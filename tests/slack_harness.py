"""Shared pieces for the Slack tests and bench: signed requests, event payloads, uvicorn in a thread (the fixture
is `http_slack` in conftest.py)."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import uvicorn

from adapters.slack import create_asgi_app
from bot.common.config import Settings
from bot.core.bot import Bot
from bot.state.gaps import SQLiteGaps
from bot.state.store import SQLiteStore
from tests.fakes import FakeEngine, FakeRetriever
from tests.slack_fake import BOT_USER_ID, TEAM_ID, FakeSlackAPI, wait_for

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1111-2222-faketokenvalue"
APP_TOKEN = "xapp-1-A0001-3333-fakeapptokenvalue"
_ts = itertools.count(1)


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def new_ts() -> str:
    """A fresh, unique Slack message timestamp."""
    n = next(_ts)
    return f"{1_600_000_000 + n}.{n:06d}"


def event_body(event: dict, *, event_id: str | None = None, team: str = TEAM_ID) -> dict:
    """An Events API `event_callback` envelope around `event`."""
    return {
        "token": "legacy-verification-token", "team_id": team, "api_app_id": "A0001", "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{new_ts().replace('.', '')}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def mention(text: str, *, user: str = "U0USER", channel: str = "C0CHAN", ts: str | None = None,
            thread_ts: str | None = None, event_id: str | None = None, **extra: object) -> dict:
    """An `app_mention` event callback, the text starting with the bot's mention as Slack sends it."""
    ts = ts or new_ts()
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}".rstrip(), "ts": ts,
             "channel": channel, "team": TEAM_ID, "event_ts": ts, **extra}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_body(event, event_id=event_id)


def dm(text: str, *, user: str = "U0USER", channel: str = "D0DM", ts: str | None = None,
       event_id: str | None = None, **extra: object) -> dict:
    """A `message` event in a direct message (channel_type im)."""
    ts = ts or new_ts()
    event = {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel,
             "team": TEAM_ID, "event_ts": ts, **extra}
    return event_body(event, event_id=event_id)


def block_action(message: dict, channel: str, action_id: str, value: str, *, user: str = "U0USER",
                 response_url: str = "") -> dict:
    """A `block_actions` payload: a button clicked on `message` (as Slack returns it: ts, text, blocks)."""
    return {
        "type": "block_actions", "user": {"id": user, "username": "asker", "team_id": TEAM_ID},
        "api_app_id": "A0001", "token": "legacy", "team": {"id": TEAM_ID, "domain": "fake"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                      "is_ephemeral": False},
        "trigger_id": "1.2.3", "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "user": BOT_USER_ID, "bot_id": "BBOT", **message},
        "response_url": response_url,
        "actions": [{"type": "button", "action_id": action_id, "block_id": "briefbot_feedback",
                     "value": value, "action_ts": str(time.time())}],
    }


def feedback_click(message: dict, channel: str, vote: str, answer_id: str, *, user: str = "U0USER") -> dict:
    """A click on Slack's own 👍/👎 (feedback_buttons): the value says which, and of which answer."""
    payload = block_action(message, channel, "briefbot_feedback", f"{vote}:{answer_id}", user=user)
    payload["actions"][0].update(type="feedback_buttons", text={"type": "plain_text", "text": "👍" if vote == "up"
                                                                else "👎"})
    return payload


def answer_id_of(blocks: list[dict]) -> str:
    """The answer id a message's buttons carry (feedback_buttons' "up:<id>", or a button's value)."""
    for b in blocks:
        for e in b.get("elements") or []:
            if e.get("type") == "feedback_buttons":
                return str(e["positive_button"]["value"]).partition(":")[2]
            if e.get("type") == "button" and e.get("value"):
                return str(e["value"])
    raise AssertionError("the message has no buttons")


@dataclass
class Reply:
    status: int
    body: str
    elapsed: float


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> Reply:
    """POST raw bytes; an HTTP error status is a Reply too, not an exception."""
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Reply(resp.status, resp.read().decode(), time.monotonic() - started)
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.read().decode(), time.monotonic() - started)


def signed_request(payload: dict, *, secret: str = SECRET, age_s: float = 0, form: bool = False,
                   extra_headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers Slack would send: JSON events, or `payload=` form-encoded interactions."""
    if form:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        ctype = "application/x-www-form-urlencoded"
    else:
        body = json.dumps(payload).encode()
        ctype = "application/json"
    ts = int(time.time() - age_s)
    headers = {"Content-Type": ctype, "X-Slack-Request-Timestamp": str(ts),
               "X-Slack-Signature": signature(secret, ts, body), **(extra_headers or {})}
    return body, headers


class Served:
    """An ASGI app under a real uvicorn server on 127.0.0.1 (random port), in a thread."""

    def __init__(self, asgi: object) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(asgi, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def start(self) -> Served:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(5)


def slack_settings(data_dir: Path, api_url: str, **env: str) -> Settings:
    return Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir), "SLACK_BOT_TOKEN": BOT_TOKEN,
                              "SLACK_API_URL": api_url, **env})


class HttpSlack:
    """The adapter in HTTP mode, end to end: fake Slack Web API ← adapter under uvicorn ← signed requests."""

    def __init__(self, tmp_path: Path, engine: FakeEngine | None = None, retriever: FakeRetriever | None = None,
                 *, api: FakeSlackAPI | None = None, bot: Bot | None = None, **env: str):
        self.owns_api = api is None
        self.api = api or FakeSlackAPI().start()
        self.retriever = retriever or FakeRetriever()
        self.store = SQLiteStore(tmp_path / "state.sqlite3")
        self.gaps = SQLiteGaps(tmp_path / "state.sqlite3")
        self.bot = bot or Bot(self.retriever, engine or FakeEngine(), self.store, gaps=self.gaps)
        self.settings = slack_settings(tmp_path, self.api.url, SLACK_SIGNING_SECRET=SECRET, **env)
        self.web = create_asgi_app(self.bot, self.settings)
        self.server = Served(self.web).start()
        self.url = f"http://127.0.0.1:{self.server.port}/slack/events"

    @property
    def engine(self) -> FakeEngine:
        return self.bot.engine  # type: ignore[return-value]

    def send(self, payload: dict, **kwargs: object) -> Reply:
        body, headers = signed_request(payload, **kwargs)  # type: ignore[arg-type]
        return post(self.url, body, headers)

    def placeholder_ts(self, index: int = 0) -> str:
        """The ts of the `index`-th message the adapter posted (placeholder or hint), once it has been posted."""
        return self.api.wait_calls("chat.postMessage", index + 1)[index].response["ts"]

    def answer_to(self, placeholder_ts: str, timeout: float = 10.0) -> dict:
        """The chat.update that carried the final answer (the one with feedback buttons) for a placeholder."""
        def final() -> dict | None:
            for call in self.api.calls("chat.update"):
                if call.body.get("ts") == placeholder_ts and call.status == 200 and any(
                        b.get("type") in ("actions", "context_actions") for b in call.body.get("blocks") or []):
                    return call.body
            return None
        return wait_for(final, timeout, what="the final answer")

    def close(self) -> None:
        self.server.stop()
        self.web.state.bolt.briefbot_listeners.close()
        if self.owns_api:
            self.api.stop()
        self.store.close()
        self.gaps.close()
