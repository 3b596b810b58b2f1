"""Discord's side of the shared question flow: the Format (discord_format's pure functions) and the Transport.

The flow runs on threads; discord.py lives on the client's event loop, so every Transport call schedules its
coroutine there and waits for it. A slash command's "placeholder" is the deferral ("briefbot is thinking…"), a
mention's is the typing indicator; the answer edits the deferred response, or is one reply whose nonce Discord
enforces — so posting it twice (a retry after a worker stopped) still shows one message.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import discord

from adapters.discord_format import Message, format_answer, format_preview, notice
from adapters.discord_forum import with_solved
from adapters.discord_views import NO_MENTIONS, embeds_of, feedback_view
from adapters.flow import Question
from bot.common.models import Answer
from bot.language.phrases import phrase

log = logging.getLogger("briefbot.discord")

STREAM_EDIT_INTERVAL_S = 1.5  # at most one streaming edit this often (Discord rate-limits message edits)
CALL_TIMEOUT_S = 60.0  # one Discord call, waited for from a flow thread
THREAD_ARCHIVE_MIN: Literal[1440] = 1440  # a thread the bot starts is hidden after a day without messages
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
ORIGINAL = "@original"  # the deferred response of an interaction, as a message id


@dataclass(frozen=True)
class Shown:
    """What the flow asks to show: messages, and for a final answer the Answer (for its buttons)."""

    kind: str  # "placeholder" | "progress" | "final"
    messages: list[Message] = field(default_factory=list)
    answer: Answer | None = None
    handoff: bool = False  # the answer's buttons include "Still need help?"

    @property
    def content(self) -> str:
        return self.messages[0]["content"] if self.messages else ""


class DiscordFormat:
    """What Discord is shown at each step; `handoff`: answers carry "Still need help?" (a target is configured)."""

    def __init__(self, *, handoff: bool = False) -> None:
        self.handoff = handoff

    def question(self, q: Question) -> str:
        return q.text  # the mention was taken out on arrival (Discord caps a message at 4,000 characters)

    def placeholder(self, language: str) -> Shown:
        return Shown("placeholder")

    def queued(self, language: str, position: int) -> Shown:
        return Shown("progress", notice(phrase("queued", language, position=position)))

    def streaming(self, partial: str) -> Shown:
        return Shown("progress", [{"content": format_preview(partial), "embeds": []}])

    def answer(self, answer: Answer) -> Shown:
        return Shown("final", format_answer(answer), answer, self.handoff)

    def notice(self, text: str) -> Shown:
        return Shown("final", notice(text))

    def usage(self, language: str, q: Question) -> Shown:
        return self.notice(phrase("usage" if q.place.get("kind") in ("msg", "thread") else "empty_question", language))


class DiscordTransport:
    """Interactions (live, or after a restart through their webhook token) and replies to messages."""

    edit_interval_s = STREAM_EDIT_INTERVAL_S
    first_edit_waits = True  # the deferral is the first response: the next edit keeps its distance

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.live: dict[str, discord.Interaction] = {}  # by question key, while this process has them
        self.threads: set[int] = set()  # messages this process started a thread from
        self.threadless: set[int] = set()  # messages whose thread could not be started (no permission)

    def _run(self, coro: Any) -> Any:
        loop = self.client.loop
        return asyncio.run_coroutine_threadsafe(coro, loop).result(CALL_TIMEOUT_S)

    # -- the Transport protocol --

    def post(self, q: Question, shown: Shown) -> str:
        return self._run(self._post(q, shown))

    def edit(self, q: Question, message_id: str, shown: Shown) -> None:
        self._run(self._edit(q, message_id, shown.content))

    def notice(self, q: Question, shown: Shown, reply_id: str) -> None:
        try:
            self._run(self._final(q, shown, reply_id))
        except discord.RateLimited as exc:  # a long 429: say so rather than sleep through it
            log.warning("Discord rate limit of %.0f s on %s", exc.retry_after, q.key)
            text = phrase("discord_rate_limited", shown.answer.language if shown.answer else "en",
                          seconds=exc.retry_after)
            self._run(self._final(q, Shown("final", notice(text)), reply_id))
        finally:
            self.live.pop(q.key, None)

    # -- on the loop --

    def _in_thread(self, q: Question) -> bool:
        """Whether the answer goes into a thread started from the question (not when it could not be started)."""
        return q.place.get("kind") == "thread" and int(q.place["message"]) not in self.threadless

    def _channel(self, q: Question) -> discord.PartialMessageable:
        """Where the answer goes: the question's channel, or the thread started from it (whose id is the message's)."""
        where = q.place["message"] if self._in_thread(q) else q.place["channel"]
        return self.client.get_partial_messageable(int(where))

    async def _thread(self, q: Question) -> None:
        """Start the thread the answer goes into, named after the question (once: Discord refuses a second thread
        from one message with 160004, which means it is there already, e.g. started before a restart). Without
        the permission to start threads the answer is a reply in the channel instead."""
        key = int(q.place["message"])
        if key in self.threads or key in self.threadless:
            return
        try:
            await self.client.http.start_thread_with_message(
                int(q.place["channel"]), key, name=q.place.get("name") or "…", auto_archive_duration=THREAD_ARCHIVE_MIN)
        except discord.Forbidden:
            log.warning("no permission to start a thread in channel %s: replying in the channel", q.place["channel"])
            self.threadless.add(key)
            return
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
        self.threads.add(key)

    async def _post(self, q: Question, shown: Shown) -> str:
        ix = self.live.get(q.key)
        if q.place.get("kind") == "ix":
            if ix is None:
                return ORIGINAL  # taken over after a restart: the deferral happened before
            if not ix.response.is_done():
                await ix.response.defer(thinking=True, ephemeral=bool(q.place.get("private")))
            if shown.kind == "progress":
                await ix.edit_original_response(content=shown.content, allowed_mentions=NO_MENTIONS)
            return ORIGINAL
        if shown.kind == "placeholder":
            try:  # "briefbot is typing…" (for 10 s, or until the reply) where it was asked; the answer is one reply
                await self.client.http.send_typing(int(q.place["channel"]))
            except discord.HTTPException as exc:
                log.info("no typing indicator: %s", type(exc).__name__)
            return ""
        reply = await self._reply(q, shown.messages[0], None)
        return str(reply.id)

    async def _edit(self, q: Question, message_id: str, content: str) -> None:
        if message_id == ORIGINAL:
            await self._original_edit(q, content=content, allowed_mentions=NO_MENTIONS)
        else:
            await self._channel(q).get_partial_message(int(message_id)).edit(content=content,
                                                                              allowed_mentions=NO_MENTIONS)

    async def _original_edit(self, q: Question, **fields: Any) -> None:
        ix = self.live.get(q.key)
        if ix is not None:
            await ix.edit_original_response(**fields)
        else:  # after a restart: the interaction's webhook token is good for 15 minutes
            hook = discord.Webhook.partial(int(q.place["app"]), q.place["token"], client=self.client)
            await hook.edit_message(ORIGINAL, **fields)  # type: ignore[call-overload]  # "@original" is Discord's id

    async def _reply(self, q: Question, message: Message, view: discord.ui.View | None, *,
                     nonce: str | None = None, answer: bool = True) -> discord.Message:
        """A reply to the question; an answer to a question that opens a thread goes into that thread (a notice,
        such as a usage hint, is a reply in the channel: no thread for it)."""
        if answer and self._in_thread(q):
            await self._thread(q)
        in_thread = answer and self._in_thread(q)
        channel = self._channel(q) if in_thread else self.client.get_partial_messageable(int(q.place["channel"]))
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        if nonce:
            extra["nonce"] = nonce
        if not in_thread:  # the question opens a thread: no reply marker needed there
            extra["reference"] = discord.MessageReference(message_id=int(q.place["message"]), channel_id=channel.id,
                                                          fail_if_not_exists=False)
        return await channel.send(message["content"] or None, embeds=embeds_of(message), mention_author=False,
                                  allowed_mentions=NO_MENTIONS, **extra)

    async def _final(self, q: Question, shown: Shown, reply_id: str) -> None:
        view = feedback_view(shown.answer, handoff=shown.handoff) if shown.answer is not None else None
        if q.place.get("forum") and shown.answer is not None:  # an answer to a forum post: "Mark solved" too
            view = with_solved(view, int(q.place["channel"]), shown.answer.language)
        first, rest = shown.messages[0], shown.messages[1:]
        last_view = None if rest else view
        if q.place.get("kind") == "ix":
            ix = self.live.get(q.key)
            if ix is not None and not ix.response.is_done():  # refused before deferring: only the asker sees it
                await ix.response.send_message(first["content"], ephemeral=True, allowed_mentions=NO_MENTIONS)
                return
            await self._original_edit(q, content=first["content"] or None, embeds=embeds_of(first),
                                      view=last_view, allowed_mentions=NO_MENTIONS)
            await self._followups(q, rest, view)
            return
        channel: Any = self._channel(q)
        if reply_id:  # a streaming answer's message: in the thread when there is one
            await channel.get_partial_message(int(reply_id)).edit(
                content=first["content"] or None, embeds=embeds_of(first), view=last_view,
                allowed_mentions=NO_MENTIONS)
        else:  # the nonce makes a second send of this reply (a retry) return the first one instead
            sent = await self._reply(q, first, last_view, nonce=q.key.rsplit(":", 1)[-1][-25:],
                                     answer=shown.answer is not None)
            channel = sent.channel
        for n, message in enumerate(rest, 1):
            extra: dict[str, Any] = {"view": view} if view is not None and n == len(rest) else {}
            await channel.send(message["content"] or None, embeds=embeds_of(message),
                               allowed_mentions=NO_MENTIONS, **extra)

    async def _followups(self, q: Question, rest: list[Message], view: discord.ui.View | None) -> None:
        if not rest:
            return
        ix = self.live.get(q.key)
        hook = ix.followup if ix is not None else discord.Webhook.partial(int(q.place["app"]), q.place["token"],
                                                                          client=self.client)
        for n, message in enumerate(rest, 1):
            fields: dict[str, Any] = {"view": view} if view is not None and n == len(rest) else {}
            if message["content"]:
                fields["content"] = message["content"]
            await hook.send(embeds=embeds_of(message), ephemeral=bool(q.place.get("private")),
                            allowed_mentions=NO_MENTIONS, **fields)
