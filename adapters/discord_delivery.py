"""Runs the core off the event loop and turns its stream into Discord edits, follow-ups and replies.

The gateway, heartbeats and every other user's 3-second acknowledgement live on the one event loop, so the
core (retrieval, an LLM call) runs in its own bounded thread pool and only hands items back to the loop.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from typing import Protocol

import discord

from adapters.discord_format import Message, format_answer, format_preview, notice
from adapters.discord_views import NO_MENTIONS, embeds_of, feedback_view
from bot.core import Bot
from bot.errors import BriefbotError
from bot.language import phrase
from bot.models import Answer

log = logging.getLogger("briefbot.discord")

STREAM_EDIT_INTERVAL_S = 1.5  # at most one streaming edit this often (Discord rate-limits message edits)


class CoreRunner:
    """`Bot.stream` in a bounded pool: a slow core queues here instead of blocking the gateway or the store."""

    def __init__(self, bot: Bot, workers: int) -> None:
        self.bot = bot
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="briefbot-core")
        self._inflight = 0
        self._lock = threading.Lock()

    def queue_position(self) -> int:
        """0 when a worker is free now, else the place a new question would take in the line."""
        with self._lock:
            return max(0, self._inflight - self.workers + 1)

    async def stream(self, question: str, conversation_id: str, deadline: float) -> AsyncIterator[str | Answer]:
        """The core's items as they come; TimeoutError once the loop clock passes `deadline`."""
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        stop = threading.Event()

        def post(kind: str, value: object) -> None:
            try:
                loop.call_soon_threadsafe(items.put_nowait, (kind, value))
            except RuntimeError:  # the loop is gone (shutdown): nobody is waiting any more
                pass

        def work() -> None:
            try:
                if stop.is_set():  # gave up while this question was still queued
                    return
                stream = self.bot.stream(question, conversation_id)
                try:
                    for item in stream:
                        post("item", item)
                        if stop.is_set():
                            return
                finally:
                    stream.close()
                post("done", None)
            except BaseException as exc:  # noqa: BLE001 - handed to the loop, which decides
                post("error", exc)
            finally:
                with self._lock:
                    self._inflight -= 1

        with self._lock:
            self._inflight += 1
        loop.run_in_executor(self.pool, work)
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError("the core did not answer in time")
                kind, value = await asyncio.wait_for(items.get(), remaining)
                if kind == "done":
                    return
                if kind == "error":
                    raise value  # type: ignore[misc]
                yield value  # type: ignore[misc]
        finally:
            stop.set()

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class Target(Protocol):
    """Where an answer goes: a deferred interaction, or a reply to a message."""

    async def progress(self, text: str) -> None: ...
    async def deliver(self, messages: list[Message], view: discord.ui.View | None) -> None: ...


class InteractionTarget:
    """A deferred interaction: the first message edits the original response, the rest are follow-ups."""

    def __init__(self, interaction: discord.Interaction, *, ephemeral: bool) -> None:
        self.interaction = interaction
        self.ephemeral = ephemeral

    async def progress(self, text: str) -> None:
        await self.interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)

    async def deliver(self, messages: list[Message], view: discord.ui.View | None) -> None:
        first, rest = messages[0], messages[1:]
        await self.interaction.edit_original_response(
            content=first["content"] or None,
            embeds=embeds_of(first),
            view=None if rest else view,
            allowed_mentions=NO_MENTIONS,
        )
        for n, message in enumerate(rest, 1):
            extra = {"view": view} if view is not None and n == len(rest) else {}
            await self.interaction.followup.send(
                content=message["content"] or None,
                embeds=embeds_of(message),
                ephemeral=self.ephemeral,
                allowed_mentions=NO_MENTIONS,
                **extra,
            )


class MessageTarget:
    """A reply to a user's message: progress creates the reply and edits it; the rest go to the channel."""

    def __init__(self, message: discord.Message) -> None:
        self.message = message
        self.reply: discord.Message | None = None

    async def _send(self, message: Message, view: discord.ui.View | None, *, as_reply: bool) -> discord.Message:
        extra: dict = {"view": view} if view is not None else {}
        if as_reply:  # still sent, as a plain message, if the question was deleted meanwhile
            extra.update(reference=self.message.to_reference(fail_if_not_exists=False), mention_author=False)
        return await self.message.channel.send(
            message["content"] or None, embeds=embeds_of(message), allowed_mentions=NO_MENTIONS, **extra
        )

    async def progress(self, text: str) -> None:
        if self.reply is None:
            self.reply = await self._send({"content": text, "embeds": []}, None, as_reply=True)
        else:
            await self.reply.edit(content=text, allowed_mentions=NO_MENTIONS)

    async def deliver(self, messages: list[Message], view: discord.ui.View | None) -> None:
        first, rest = messages[0], messages[1:]
        if self.reply is None:
            self.reply = await self._send(first, None if rest else view, as_reply=True)
        else:
            await self.reply.edit(
                content=first["content"] or None, embeds=embeds_of(first), allowed_mentions=NO_MENTIONS,
                view=None if rest else view,
            )
        for n, message in enumerate(rest, 1):
            await self._send(message, view if n == len(rest) else None, as_reply=False)


async def tell(target: Target, text: str) -> None:
    """Show a short message (error, apology); if even that fails, the log is all that is left."""
    try:
        await target.deliver(notice(text), None)
    except Exception:
        log.exception("could not deliver a notice to the user")


async def answer_into(
    target: Target, runner: CoreRunner, question: str, conversation_id: str, language: str, deadline: float
) -> None:
    """Stream the core's answer into `target`; every failure ends as a message to the user, never an exception."""
    loop = asyncio.get_running_loop()
    last_edit = loop.time()
    text = ""
    try:
        position = runner.queue_position()
        if position:
            await target.progress(phrase("queued", language, position=position))
        async with aclosing(runner.stream(question, conversation_id, deadline)) as items:
            async for item in items:
                if isinstance(item, Answer):
                    await target.deliver(format_answer(item), feedback_view(item))
                    return
                text += item
                if loop.time() - last_edit >= STREAM_EDIT_INTERVAL_S:
                    await target.progress(format_preview(text))
                    last_edit = loop.time()
        raise RuntimeError("the core's stream ended without an Answer")
    except BriefbotError as exc:
        log.info("core declined conversation=%s: %s", conversation_id, type(exc).__name__)
        await tell(target, exc.message)
    except discord.RateLimited as exc:
        log.warning("Discord rate limit of %.0f s conversation=%s", exc.retry_after, conversation_id)
        await tell(target, phrase("discord_rate_limited", language, seconds=exc.retry_after))
    except TimeoutError:
        log.error("no answer before the deadline conversation=%s", conversation_id)
        await tell(target, phrase("apology", language))
    except Exception:
        log.exception("answering failed conversation=%s", conversation_id)
        await tell(target, phrase("apology", language))
