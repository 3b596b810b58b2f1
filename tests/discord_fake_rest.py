"""The fake Discord's REST half: the routes discord.py calls, with Discord's own checks and error codes."""
from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from tests.discord_fake_payloads import (
    APP_ID, ASK_CHANNEL_ID, CHANNEL_ID, GUILD_ID, THREAD_ID, USER_ID, Ids, app_info, bot_user, command_record,
    limit_errors, thread_channel, user,
)

log = logging.getLogger("tests.discord_fake")

INTERACTION_ACK_DEADLINE_S = 3.0


@dataclass
class Call:
    """One REST request as the fake received it (body is the JSON, or the multipart payload_json)."""

    method: str
    path: str
    body: Any
    status: int
    at: float = field(default_factory=time.perf_counter)
    query: dict = field(default_factory=dict)
    multipart: bool = False
    files: list[str] = field(default_factory=list)
    unknown: bool = False


@dataclass
class Interaction:
    """What the fake remembers about one dispatched interaction."""

    payload: dict
    dispatched_at: float
    acked: bool = False
    original: dict | None = None
    choices: list[dict] | None = None  # an autocomplete's answer


class FakeRest:
    """REST routes for FakeDiscord; state (calls, interactions, messages, commands) lives on the instance."""

    token: str
    ids: Ids
    gateway_url: str
    _lock: threading.Lock
    _calls: list[Call]
    _rate_limits: list[list]
    interactions: dict[str, Interaction]
    _by_token: dict[str, Interaction]
    messages: dict[str, dict]
    commands: dict[str, list[dict]]
    threads: dict[str, dict]

    def _dispatch_soon(self, event: str, data: dict) -> None:  # provided by FakeDiscord (the gateway half)
        raise NotImplementedError

    # -- requests ------------------------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> tuple[Any, bool, list[str]]:
        if request.content_type.startswith("multipart/"):
            body, files = None, []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append(part.filename or part.name or "")
                    await part.read()
            return body, True, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), False, []

    async def _unknown(self, request: web.Request) -> web.Response:
        return await self._rest(request, unknown=True)

    async def _rest(self, request: web.Request, unknown: bool = False) -> web.Response:
        body, multipart, files = await self._body(request)
        path = "/" + request.match_info.get("tail", "")
        call = Call(request.method, path, body, 0, query=dict(request.query), multipart=multipart, files=files)
        limited = self._limited(request.method, path)
        if limited is not None:
            status, payload = 429, {"message": "You are being rate limited.", "retry_after": limited, "global": False}
            headers = {"Via": "1.1 google", "Retry-After": str(int(limited) + 1), "X-RateLimit-Scope": "user"}
        elif not unknown and request.headers.get("Authorization") != f"Bot {self.token}" \
                and not path.startswith(("/interactions/", "/webhooks/")):
            status, payload, headers = 401, {"message": "401: Unauthorized", "code": 0}, {}
        else:
            status, payload = (404, None) if unknown else self._route(request.method, path, body or {})
            headers = {}
            if payload is None and status == 404:
                call.unknown = True
                msg = f"FAKE DISCORD: unknown route {request.method} {request.path}"
                log.error(msg)
                print(msg, file=sys.stderr)
                payload = {"message": "404: Not Found", "code": 0}
        call.status = status
        with self._lock:
            self._calls.append(call)
        if status == 204:
            return web.Response(status=204, headers=headers)
        # Exactly "application/json", as Discord sends it: discord.py compares the header verbatim.
        body = json.dumps(payload).encode()
        return web.Response(body=body, status=status, headers={**headers, "Content-Type": "application/json"})

    def _limited(self, method: str, path: str) -> float | None:
        with self._lock:
            for rule in self._rate_limits:
                if rule[0] == method and rule[1].search(path) and rule[3] > 0:
                    rule[3] -= 1
                    return rule[2]
        return None

    def _route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """(status, JSON) for a known route; (404, None) for an unknown one."""
        for pattern, verb, handler in self._table:
            m = re.fullmatch(pattern, path)
            if m and method == verb:
                return handler(self, body, *m.groups())
        return 404, None

    def _gateway_bot(self, body: Any) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    def _sync(self, body: list[dict], app: str, guild: str | None = None) -> tuple[int, Any]:
        if app != str(APP_ID):
            return 404, {"message": "Unknown Application", "code": 10002}
        saved = [command_record(self.ids, c, guild) for c in body]
        self.commands[guild or "global"] = saved
        return 200, saved

    def _callback(self, body: dict, interaction_id: str, token: str) -> tuple[int, Any]:
        ix = self.interactions.get(interaction_id)
        if ix is None or ix.payload["token"] != token:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if ix.acked:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        if time.perf_counter() - ix.dispatched_at > INTERACTION_ACK_DEADLINE_S:
            return 404, {"message": "Unknown interaction", "code": 10062}
        kind, data = body.get("type"), body.get("data") or {}
        if kind == 8:  # autocomplete choices: at most 25, each name 1-100 and value at most 100 characters
            choices = data.get("choices") or []
            if len(choices) > 25 or any(not 1 <= len(c.get("name", "")) <= 100 or len(str(c.get("value", ""))) > 100
                                        for c in choices):
                return 400, {"message": "Invalid Form Body", "code": 50035, "errors": {"choices": "too long"}}
            ix.choices = choices
        if kind in (4, 5):
            errors = limit_errors(data, require_body=kind == 4)
            if errors:
                return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
            flags = int(data.get("flags", 0)) | (128 if kind == 5 else 0)
            ix.original = self._new_message(ix.payload, data, flags=flags, interaction=ix.payload)
        ix.acked = True
        resource = {"type": kind}
        if ix.original is not None and kind in (4, 5):
            resource["message"] = ix.original
        return 200, {
            "interaction": {
                "id": interaction_id, "type": ix.payload["type"], "response_message_id": (ix.original or {}).get("id"),
                "response_message_loading": kind == 5, "response_message_ephemeral": bool(data.get("flags", 0) & 64),
            },
            "resource": resource,
        }

    def _webhook_ix(self, app: str, token: str) -> Interaction | None:
        ix = self._by_token.get(token)
        return ix if ix is not None and app == str(APP_ID) and ix.acked else None

    def _edit_original(self, body: dict, app: str, token: str) -> tuple[int, Any]:
        ix = self._webhook_ix(app, token)
        if ix is None or ix.original is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        errors = limit_errors(body, require_body=False)
        if errors:
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
        ix.original = self._edited(ix.original, body)
        ix.original["flags"] = int(ix.original.get("flags", 0)) & ~128  # no longer "thinking"
        return 200, ix.original

    def _get_original(self, body: Any, app: str, token: str) -> tuple[int, Any]:
        ix = self._webhook_ix(app, token)
        if ix is None or ix.original is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        return 200, ix.original

    def _followup(self, body: dict, app: str, token: str) -> tuple[int, Any]:
        ix = self._webhook_ix(app, token)
        if ix is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        errors = limit_errors(body, require_body=True)
        if errors:
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
        return 200, self._new_message(ix.payload, body, flags=int(body.get("flags", 0)), webhook=True)

    def _channel_message(self, body: dict, channel_id: str) -> tuple[int, Any]:
        errors = limit_errors(body, require_body=True)
        if errors:
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
        in_guild = channel_id in (str(CHANNEL_ID), str(THREAD_ID), str(ASK_CHANNEL_ID)) or channel_id in self.threads
        where = {"channel_id": channel_id, "guild_id": str(GUILD_ID) if in_guild else None}
        ref = body.get("message_reference")
        return 200, self._new_message(where, body, flags=int(body.get("flags", 0)), reference=ref)

    def _edit_channel_message(self, body: dict, channel_id: str, message_id: str) -> tuple[int, Any]:
        msg = self.messages.get(message_id)
        if msg is None or msg["channel_id"] != channel_id:
            return 404, {"message": "Unknown Message", "code": 10008}
        errors = limit_errors(body, require_body=False)
        if errors:
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
        return 200, self._edited(msg, body)

    def _thread_from_message(self, body: dict, channel_id: str, message_id: str) -> tuple[int, Any]:
        """A public thread started from a message: its id is the message's, as on Discord (once per message)."""
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return 400, {"message": "Invalid Form Body", "code": 50035,
                         "errors": {"name": "Must be between 1 and 100 in length."}}
        if message_id in self.threads:
            return 400, {"message": "A thread has already been created for this message", "code": 160004}
        thread = thread_channel(int(message_id), parent=int(channel_id), name=name, owner=APP_ID)
        self.threads[message_id] = thread
        self._dispatch_soon("THREAD_CREATE", {**thread, "newly_created": True})
        return 201, thread

    def _edit_channel(self, body: dict, channel_id: str) -> tuple[int, Any]:
        """Only threads can be edited here: name, archived, and a forum post's applied tags."""
        thread = self.threads.get(channel_id)
        if thread is None:
            return 404, {"message": "Unknown Channel", "code": 10003}
        if "applied_tags" in body:
            thread["applied_tags"] = [str(t) for t in body["applied_tags"]]
        if "name" in body:
            thread["name"] = body["name"]
        self._dispatch_soon("THREAD_UPDATE", thread)
        return 200, thread

    def _edited(self, msg: dict, body: dict) -> dict:
        for key in ("content", "embeds", "components", "flags"):
            if key in body and body[key] is not None:
                msg[key] = body[key]
        msg["edited_timestamp"] = datetime.now(timezone.utc).isoformat()
        return msg

    def _new_message(self, where: dict, body: dict, *, flags: int = 0, interaction: dict | None = None,
                     webhook: bool = False, reference: dict | None = None) -> dict:
        msg = {
            "id": str(self.ids.next()), "channel_id": str(where.get("channel_id", CHANNEL_ID)),
            "author": bot_user(), "content": body.get("content") or "", "timestamp": datetime.now(timezone.utc).isoformat(),
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": body.get("embeds") or [], "components": body.get("components") or [],
            "pinned": False, "type": 19 if reference else (20 if interaction else 0), "flags": flags,
        }
        if where.get("guild_id"):
            msg["guild_id"] = str(where["guild_id"])
        if interaction is not None or webhook:
            msg["webhook_id"] = str(APP_ID)
            msg["application_id"] = str(APP_ID)
        if interaction is not None:
            msg["interaction_metadata"] = {"id": interaction["id"], "type": interaction["type"],
                                           "user": user(USER_ID), "authorizing_integration_owners": {}}
        if reference:
            msg["message_reference"] = reference
        self.messages[msg["id"]] = msg
        return msg

    def _command_id(self, name: str) -> str:
        for saved in self.commands.values():
            for cmd in saved:
                if cmd["name"] == name:
                    return cmd["id"]
        return str(self.ids.next())

    _table: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
        (r"/gateway/bot", "GET", _gateway_bot),
        (r"/gateway", "GET", lambda self, body: (200, {"url": self.gateway_url})),
        (r"/users/@me", "GET", lambda self, body: (200, bot_user())),
        (r"/oauth2/applications/@me", "GET", lambda self, body: (200, app_info())),
        (r"/applications/@me", "GET", lambda self, body: (200, app_info())),
        (r"/applications/(\d+)/commands", "PUT", _sync),
        (r"/applications/(\d+)/guilds/(\d+)/commands", "PUT", _sync),
        (r"/applications/\d+/commands", "GET", lambda self, body: (200, self.commands.get("global", []))),
        (r"/interactions/(\d+)/([^/]+)/callback", "POST", _callback),
        (r"/webhooks/(\d+)/([^/]+)/messages/@original", "PATCH", _edit_original),
        (r"/webhooks/(\d+)/([^/]+)/messages/@original", "GET", _get_original),
        (r"/webhooks/(\d+)/([^/]+)", "POST", _followup),
        (r"/channels/(\d+)/messages", "POST", _channel_message),
        (r"/channels/(\d+)/messages/(\d+)", "PATCH", _edit_channel_message),
        (r"/channels/\d+/typing", "POST", lambda self, body: (204, None)),
        (r"/channels/(\d+)/messages/(\d+)/threads", "POST", _thread_from_message),
        (r"/channels/(\d+)", "PATCH", _edit_channel),
        (r"/channels/\d+/messages/\d+/reactions/[^/]+/@me", "PUT", lambda self, body: (204, None)),
    ]
