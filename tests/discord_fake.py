"""A local stand-in for Discord on 127.0.0.1: REST and the gateway websocket, recording every call the client makes.

Strict where real Discord is strict, so a test fails the way production would: an interaction acknowledged later
than 3 s gets 404 10062, a second acknowledgement 400 40060, a message over the content or embed limits 400 50035,
and a route it doesn't know 404 plus a loud log line. The gateway speaks discord.py's protocol (see
discord/gateway.py): HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeat ACKs, sequenced dispatches, and
RESUME → the missed events + RESUMED after a forced close.
"""
from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.discord_fake_payloads import (
    APP_ID, ASK_CHANNEL_ID, BOT_ROLE_ID, CHANNEL_ID, FORUM_ID, GUILD_ID, SOLVED_TAG_ID, TOKEN, USER_ID, Ids, bot_user,
    guild_create, interaction_base, message_create, thread_channel,
)
from tests.discord_fake_rest import Call, FakeRest, Interaction
from tests.waiting import wait_for  # noqa: F401  (re-exported for the tests)

MESSAGE_CONTENT = 1 << 15  # the privileged intent





class FakeDiscord(FakeRest):
    """Discord's REST API and gateway on a random local port, run in a thread with its own event loop."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.ids = Ids()
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._rate_limits: list[list] = []  # [method, path regex, retry_after, times left]
        self.interactions: dict[str, Interaction] = {}  # by interaction id
        self._by_token: dict[str, Interaction] = {}
        self.messages: dict[str, dict] = {}  # every message the client created, by id
        self.commands: dict[str, list[dict]] = {}  # "global" or a guild id -> the synced commands
        self.threads: dict[str, dict] = {}  # threads created since start (by the bot, or forum posts), by id
        self.intents = 0  # what the client asked for at IDENTIFY
        self.gateway_ops: list[tuple[int, dict | None]] = []  # every op the client sent (heartbeats excluded)
        self.identifies = 0
        self.resumes = 0
        self.session_id: str | None = None
        self._seq = 0
        self._events: list[dict] = []  # dispatched this session, for RESUME
        self._dispatched_at: dict[int, float] = {}
        self._replay_from: int | None = None
        self._ws: web.WebSocketResponse | None = None
        self._transports: dict[int, Any] = {}  # per socket, to cut the connection without a close frame
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-discord", daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> FakeDiscord:
        self._thread.start()
        self._run(self._start())
        return self

    async def _start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._ws is not None:
                await self._ws.close(code=1001)
            if self._runner is not None:
                await self._runner.cleanup()

        try:
            self._run(shutdown(), timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- what the client did ---------------------------------------------------------------------------------

    def calls(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """Recorded calls, optionally only those with `method` and a path matching the regex `path`."""
        with self._lock:
            found = list(self._calls)
        return [c for c in found if (method is None or c.method == method) and (path is None or re.search(path, c.path))]

    def wait_calls(self, method: str, path: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """At least `count` matching calls (waiting up to `timeout`), in the order they arrived."""
        return wait_for(lambda: (c := self.calls(method, path)) and len(c) >= count and c, timeout,
                        f"{count} × {method} {path}; got {[(c.method, c.path) for c in self.calls()]}")

    def unknown_routes(self) -> list[Call]:
        return [c for c in self.calls() if c.unknown]

    def wait_connected(self, timeout: float = 10.0, alive: Callable[[], bool] = lambda: True) -> None:
        """Until a client has identified and been sent READY and GUILD_CREATE (or `alive()` turns false)."""
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.02):
            if not alive() or time.monotonic() > deadline:
                raise AssertionError("the client never identified on the fake gateway")

    def dispatched_at(self, seq: int) -> float:
        return self._dispatched_at[seq]

    # -- making things happen --------------------------------------------------------------------------------

    def dispatch(self, event: str, data: dict) -> int:
        """Send a DISPATCH (or buffer it while disconnected, for RESUME); returns its sequence number."""
        return self._run(self._dispatch(event, data))

    def slash(self, name: str, options: dict[str, Any] | None = None, **where: Any) -> dict:
        """A user runs `/name option:value …` (type 2 INTERACTION_CREATE); returns the payload sent."""
        opts = [{"name": k, "type": 5 if isinstance(v, bool) else 3, "value": v} for k, v in (options or {}).items()]
        payload = interaction_base(self.ids, type_=2, **where)
        payload["data"] = {"id": self._command_id(name), "name": name, "type": 1, "options": opts}
        if where.get("guild_id", GUILD_ID):
            payload["data"]["guild_id"] = str(where.get("guild_id", GUILD_ID))
        return self._interact(payload)

    def slash_many(self, name: str, options: list[dict[str, Any]], **where: Any) -> list[dict]:
        """Several `/name` interactions dispatched back to back in one burst (for the benchmark)."""
        payloads = []
        for opts in options:
            payload = interaction_base(self.ids, type_=2, **where)
            payload["data"] = {"id": self._command_id(name), "name": name, "type": 1,
                               "options": [{"name": k, "type": 3, "value": v} for k, v in opts.items()]}
            payloads.append(payload)

        async def burst() -> list[int]:
            return [await self._interact_async(p) for p in payloads]

        for payload, seq in zip(payloads, self._run(burst())):
            payload["_seq"] = seq
        return payloads

    def autocomplete(self, name: str, options: dict[str, Any], focused: str, **where: Any) -> dict:
        """A user types into `/name`'s option `focused` (type 4 APPLICATION_COMMAND_AUTOCOMPLETE)."""
        opts = [{"name": k, "type": 3, "value": v, **({"focused": True} if k == focused else {})}
                for k, v in options.items()]
        payload = interaction_base(self.ids, type_=4, **where)
        payload["data"] = {"id": self._command_id(name), "name": name, "type": 1, "options": opts}
        return self._interact(payload)

    def message_command(self, name: str, target: dict, **where: Any) -> dict:
        """A user picks Apps → `name` on the message `target` (a message context menu: command type 3)."""
        message = {k: v for k, v in target.items() if not k.startswith("_")}
        payload = interaction_base(self.ids, type_=2, **where)
        payload["data"] = {"id": self._command_id(name), "name": name, "type": 3, "target_id": message["id"],
                           "resolved": {"messages": {message["id"]: message}}}
        return self._interact(payload)

    def click(self, message: dict, custom_id: str, **where: Any) -> dict:
        """A user clicks the button `custom_id` on `message` (type 3 INTERACTION_CREATE)."""
        payload = interaction_base(self.ids, type_=3, **where)
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        payload["message"] = message
        return self._interact(payload)

    def submit_modal(self, custom_id: str, values: dict[str, str], **where: Any) -> dict:
        """A user sends a modal the bot opened (type 5 MODAL_SUBMIT), its text inputs filled in."""
        payload = interaction_base(self.ids, type_=5, **where)
        payload["data"] = {"custom_id": custom_id, "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in values.items()]}
        return self._interact(payload)

    def say(self, content: str, *, mention_bot: bool = True, **where: Any) -> dict:
        """A user posts a message (MESSAGE_CREATE), by default one that @mentions the bot. As on Discord, a guild
        message that does not mention the bot arrives without its text unless the client asked for the
        privileged MESSAGE_CONTENT intent."""
        return self.say_raw(message_create(self.ids, content, mention_bot=mention_bot, **where))

    def post_forum(self, title: str, content: str, *, forum: int = FORUM_ID, tags: list[str] | None = None) -> dict:
        """A user opens a forum post: THREAD_CREATE, then its starter message (whose id is the thread's)."""
        thread_id = self.ids.next()
        thread = thread_channel(thread_id, parent=forum, name=title, applied_tags=tags or [])
        self.threads[str(thread_id)] = thread
        self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        starter = message_create(self.ids, content, mention_bot=False, channel_id=thread_id)
        starter["id"] = str(thread_id)
        return self.say_raw(starter)

    def say_raw(self, payload: dict) -> dict:
        """Dispatch a MESSAGE_CREATE as given (with the same content rule as `say`)."""
        sent = payload
        if not self.intents & MESSAGE_CONTENT and payload.get("guild_id") and not payload["mentions"] \
                and str(BOT_ROLE_ID) not in payload.get("mention_roles", []):
            sent = {**payload, "content": ""}
        payload["_seq"] = self.dispatch("MESSAGE_CREATE", sent)
        return payload

    def _dispatch_soon(self, event: str, data: dict) -> None:
        """A gateway event caused by a REST call (THREAD_CREATE after a thread is started), sent right after."""
        asyncio.get_running_loop().create_task(self._dispatch(event, data))

    def drop(self, code: int | None = 4000, *, replay_from: int | None = None) -> None:
        """Close the gateway socket with `code` (4000: resumable), or with None cut the TCP connection without a
        close frame (a network drop); the RESUME that follows replays from `replay_from` if given."""
        self._run(self._drop(code, replay_from))

    def rate_limit(self, method: str, path: str, retry_after: float, times: int = 1) -> None:
        """The next `times` calls matching get 429 with `retry_after`, shaped like Discord's (with `Via`)."""
        with self._lock:
            self._rate_limits.append([method, re.compile(path), retry_after, times])

    def original(self, payload: dict) -> dict | None:
        """The original response message of an interaction, as last edited."""
        found = self.interactions.get(payload["id"])
        return found.original if found else None

    # -- gateway ---------------------------------------------------------------------------------------------

    async def _dispatch(self, event: str, data: dict) -> int:
        self._seq += 1
        data = {k: v for k, v in data.items() if not k.startswith("_")}
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._events.append(frame)
        self._dispatched_at[self._seq] = time.perf_counter()
        if self._ws is not None and not self._ws.closed:
            await self._ws.send_str(json.dumps(frame))
        return self._seq

    def _interact(self, payload: dict) -> dict:
        seq = self._run(self._interact_async(payload))
        payload["_seq"] = seq
        return payload

    async def _interact_async(self, payload: dict) -> int:
        record = Interaction(payload, time.perf_counter())
        self.interactions.setdefault(payload["id"], record)
        self._by_token.setdefault(payload["token"], record)
        seq = await self._dispatch("INTERACTION_CREATE", payload)
        # The 3 s acknowledgement window starts when the event leaves (or, if buffered, when the first copy did).
        self.interactions[payload["id"]].dispatched_at = min(record.dispatched_at, self._dispatched_at[seq])
        return seq

    async def _drop(self, code: int | None, replay_from: int | None) -> None:
        self._replay_from = replay_from
        ws, self._ws = self._ws, None
        if ws is None:
            return
        if code is None:
            self._transports.pop(id(ws)).abort()
        else:
            await ws.close(code=code, message=b"fake: forced close")

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self._transports[id(ws)] = request.transport
        await ws.send_str(json.dumps({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op, d = frame.get("op"), frame.get("d")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11, "s": None, "t": None, "d": None}))
                continue
            self.gateway_ops.append((op, d))
            if op == 2:
                await self._identify(ws, d)
            elif op == 6:
                await self._resume(ws, d)
        if self._ws is ws:
            self._ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict) -> None:
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identifies += 1
        self.intents = int(d.get("intents") or 0)
        self.session_id = uuid.uuid4().hex
        self._seq, self._events = 0, []
        self._ws = ws
        await self._dispatch("READY", {
            "v": 10, "user": bot_user(), "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": self.session_id, "resume_gateway_url": self.gateway_url, "session_type": "normal",
            "application": {"id": str(APP_ID), "flags": 0}, "private_channels": [], "relationships": [],
            "presences": [], "geo_ordered_rtc_regions": [], "user_settings": {}, "guild_join_requests": [],
        })
        await self._dispatch("GUILD_CREATE", guild_create())
        self._ready.set()

    async def _resume(self, ws: web.WebSocketResponse, d: dict) -> None:
        if d.get("token") != self.token or d.get("session_id") != self.session_id:
            await ws.send_str(json.dumps({"op": 9, "s": None, "t": None, "d": False}))
            return
        self.resumes += 1
        start = self._replay_from if self._replay_from is not None else (d.get("seq") or 0) + 1
        self._replay_from = None
        self._ws = ws
        for frame in [f for f in self._events if f["s"] >= start]:
            await ws.send_str(json.dumps(frame))
        await self._dispatch("RESUMED", {})


__all__ = ["APP_ID", "ASK_CHANNEL_ID", "CHANNEL_ID", "FORUM_ID", "GUILD_ID", "SOLVED_TAG_ID", "TOKEN", "USER_ID",
           "Call", "FakeDiscord", "wait_for"]
