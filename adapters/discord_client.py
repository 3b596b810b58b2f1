"""The discord.py client: slash commands and @mentions in, the core's answers out, each event handled once."""
from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from functools import partial
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord_delivery import CoreRunner, InteractionTarget, MessageTarget, Target, answer_into, tell
from adapters.discord_format import format_about, format_sources, notice
from adapters.discord_views import NO_MENTIONS, FeedbackButton
from bot.config import Settings
from bot.core import Bot
from bot.errors import BriefbotError, InputError, RateLimited
from bot.language import detect, phrase

log = logging.getLogger("briefbot.discord")

ANSWER_TIMEOUT_S = 600.0  # the core's whole budget; the interaction token lives 15 min, the rest is for delivery
RATE_LIMIT_WAIT_S = 30.0  # a longer 429 raises discord.RateLimited (the user is told) instead of sleeping
CLAIM_TTL_S = 3600.0  # dedupe window; longer than an interaction token lives
INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True)  # mentions and DMs carry content


def conversation_id(guild_id: int | None, channel_id: int | None, user_id: int) -> str:
    """`discord:{guild}:{channel}` (a thread is its own channel); `discord:dm:{user}` outside guilds."""
    return f"discord:{guild_id}:{channel_id}" if guild_id else f"discord:dm:{user_id}"


def locale_language(interaction: discord.Interaction) -> str:
    """The user's client language, for replies that have no question to detect a language from."""
    return "nl" if str(interaction.locale).startswith("nl") else "en"


class BriefbotTree(app_commands.CommandTree):
    """Deduplicates every command by interaction id and turns command errors into a message, not a trace."""

    client: BriefbotClient

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await self.client.claim(interaction.id)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        outdated = isinstance(error, (app_commands.CommandSignatureMismatch, app_commands.CommandNotFound))
        log.error("command failed: %s", type(error).__name__, exc_info=None if outdated else error)
        text = phrase("discord_command_outdated" if outdated else "apology", locale_language(interaction))
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.exception("could not report a command error")


class BriefbotClient(discord.Client):
    """A discord.py client whose only job is to carry questions to the core and answers back."""

    def __init__(self, bot: Bot | None, settings: Settings, *, answer_timeout_s: float = ANSWER_TIMEOUT_S) -> None:
        super().__init__(intents=INTENTS, allowed_mentions=NO_MENTIONS, max_ratelimit_timeout=RATE_LIMIT_WAIT_S)
        self.bot = bot
        self.settings = settings
        self.answer_timeout_s = answer_timeout_s
        self.api_base = settings.optional("DISCORD_API_BASE")
        if self.api_base:
            Route.BASE = self.api_base.rstrip("/")  # a class attribute: one API base per process
        self.tree = BriefbotTree(self)
        add_commands(self)
        self.runner = CoreRunner(bot, settings.max_concurrent) if bot is not None else None
        self._io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="briefbot-discord-io")
        # Claims are writes, serialized by the store anyway; from one thread they never wait in SQLite's busy
        # handler (which sleeps up to 100 ms per retry), keeping the claim-then-defer path at ~1 ms.
        self._claims = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-discord-claim")

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FeedbackButton)

    async def connect(self, *, reconnect: bool = True) -> None:
        if self.api_base:
            # A plain Client dials DiscordWebSocket.DEFAULT_GATEWAY; only AutoShardedClient asks /gateway/bot.
            # discord.py reads that class attribute on every fresh IDENTIFY (and after an invalidated session),
            # so point it at the gateway the configured API base announces.
            _, url, _ = await self.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
            log.info("gateway from DISCORD_API_BASE: %s", url)
        await super().connect(reconnect=reconnect)

    async def close(self) -> None:
        await super().close()
        if self.runner is not None:
            self.runner.close()
        self._io.shutdown(wait=False, cancel_futures=True)
        self._claims.shutdown(wait=False, cancel_futures=True)

    async def io(self, fn: Any, *args: Any) -> Any:
        """A quick blocking store call, off the loop and never queued behind slow core calls."""
        return await asyncio.get_running_loop().run_in_executor(self._io, partial(fn, *args))

    async def claim(self, event_id: int) -> bool:
        """True the first time an interaction or message id is seen; a replayed event (gateway RESUME) is False."""
        assert self.bot is not None
        loop = asyncio.get_running_loop()
        try:
            first = await loop.run_in_executor(self._claims, self.bot.store.claim, f"discord:ix:{event_id}", CLAIM_TTL_S)
        except Exception:  # the store is down: answering twice on a rare replay beats never answering
            log.exception("could not claim event id=%s; handling it anyway", event_id)
            return True
        if not first:
            log.info("ignoring a repeated event id=%s", event_id)
        return first

    async def admitted(self, user_id: int, language: str, *, interaction: discord.Interaction | None = None,
                       target: Target | None = None) -> bool:
        """The per-user limit: over it, the user is told (privately for a slash command) and nothing runs."""
        assert self.bot is not None
        try:
            await self.io(self.bot.admit, f"discord:{user_id}", language, "discord")
            return True
        except RateLimited as exc:
            log.info("rate-limited user question")
            if interaction is not None:
                await interaction.response.send_message(exc.message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            elif target is not None:
                await tell(target, exc.message)
            return False
        except Exception:  # the limiter's store is down: answer rather than go silent
            log.exception("rate limiter unavailable; admitting")
            return True

    def deadline(self) -> float:
        return asyncio.get_running_loop().time() + self.answer_timeout_s

    # -- slash commands --------------------------------------------------------------------------------------

    async def on_ask(self, interaction: discord.Interaction, question: str, private: bool) -> None:
        assert self.bot is not None and self.runner is not None
        deadline = self.deadline()
        try:
            cleaned, language = self.bot.check(question)  # pure and instant: a bad question never gets deferred
        except InputError as exc:
            await interaction.response.send_message(exc.message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if not await self.admitted(interaction.user.id, language, interaction=interaction):
            return
        await interaction.response.defer(thinking=True, ephemeral=private)
        cid = conversation_id(interaction.guild_id, interaction.channel_id, interaction.user.id)
        log.info("ask id=%s conversation=%s chars=%d private=%s", interaction.id, cid, len(cleaned), private)
        target = InteractionTarget(interaction, ephemeral=private)
        await answer_into(target, self.runner, question, cid, language, deadline)

    async def on_sources(self, interaction: discord.Interaction, private: bool) -> None:
        assert self.bot is not None
        await interaction.response.defer(thinking=True, ephemeral=private)
        cid = conversation_id(interaction.guild_id, interaction.channel_id, interaction.user.id)
        target = InteractionTarget(interaction, ephemeral=private)
        language = locale_language(interaction)
        try:
            answer = await self.io(self.bot.last_answer, cid)
            if answer is None:
                await target.deliver(notice(phrase("no_last_answer", language)), None)
            elif not answer.sources:
                await target.deliver(notice(phrase("discord_no_sources", answer.language)), None)
            else:
                await target.deliver(format_sources(answer), None)
        except Exception:
            log.exception("/sources failed conversation=%s", cid)
            await tell(target, phrase("apology", language))

    async def on_about(self, interaction: discord.Interaction) -> None:
        assert self.bot is not None
        await interaction.response.defer(thinking=True, ephemeral=True)
        target = InteractionTarget(interaction, ephemeral=True)
        language = locale_language(interaction)
        try:
            articles = await self.io(self.bot.articles)
            await target.deliver(format_about(articles, language), None)
        except BriefbotError as exc:
            await tell(target, exc.message)
        except Exception:
            log.exception("/about failed")
            await tell(target, phrase("apology", language))

    async def on_reset(self, interaction: discord.Interaction) -> None:
        assert self.bot is not None
        await interaction.response.defer(thinking=True)
        cid = conversation_id(interaction.guild_id, interaction.channel_id, interaction.user.id)
        target = InteractionTarget(interaction, ephemeral=False)
        language = locale_language(interaction)
        try:
            await self.io(self.bot.reset, cid)
            log.info("reset conversation=%s", cid)
            await target.deliver(notice(phrase("reset", language)), None)
        except Exception:
            log.exception("/reset failed conversation=%s", cid)
            await tell(target, phrase("apology", language))

    async def on_feedback(self, interaction: discord.Interaction, answer_id: str, vote: str) -> None:
        """A 👍/👎 click: stored with what was asked and answered, acknowledged only to the clicker."""
        assert self.bot is not None
        if not await self.claim(interaction.id):
            return
        language = locale_language(interaction)
        try:
            fb = await self.io(self.bot.record_feedback, answer_id, vote, str(interaction.user.id), "discord")
            text = phrase("thanks", detect(fb.question)) if fb else phrase("discord_feedback_unknown", language)
        except Exception:
            log.exception("recording feedback failed answer=%s", answer_id)
            text = phrase("apology", language)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    # -- @mentions and DMs -----------------------------------------------------------------------------------

    def _addressed(self, message: discord.Message) -> bool:
        """Whether a message asks the bot: a DM, an @mention of the bot, or of its own managed role."""
        me = self.user
        if me is None or message.author.bot or message.author.id == me.id:
            return False
        if message.guild is None and isinstance(message.channel, discord.DMChannel):
            return True
        if any(u.id == me.id for u in message.mentions):
            return True
        role = message.guild.self_role if message.guild is not None else None
        return role is not None and role.id in message.raw_role_mentions

    def _question_of(self, message: discord.Message) -> str:
        me_id = self.user.id if self.user else 0
        role = message.guild.self_role if message.guild is not None else None
        ids = f"{me_id}|&{role.id}" if role is not None else str(me_id)
        return re.sub(rf"<@!?(?:{ids})>", " ", message.content).strip()

    async def on_message(self, message: discord.Message) -> None:
        if not self._addressed(message) or not await self.claim(message.id):
            return
        assert self.bot is not None and self.runner is not None
        deadline = self.deadline()
        target: Target = MessageTarget(message)
        question = self._question_of(message)
        try:
            _, language = self.bot.check(question)
        except InputError as exc:
            await tell(target, phrase("usage", exc.language) if not question else exc.message)
            return
        if not await self.admitted(message.author.id, language, target=target):
            return
        guild_id = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
        cid = conversation_id(guild_id, message.channel.id, message.author.id)
        log.info("mention id=%s conversation=%s chars=%d", message.id, cid, len(question))
        async with AsyncExitStack() as typing:
            try:  # "briefbot is typing…" until the answer is out; without it the answer still goes out
                await typing.enter_async_context(message.channel.typing())
            except discord.HTTPException as exc:
                log.info("no typing indicator: %s", type(exc).__name__)
            await answer_into(target, self.runner, question, cid, language, deadline)


def add_commands(client: BriefbotClient) -> None:
    """/ask, /sources, /about, /reset on the client's tree (synced only by `sync_commands`)."""
    tree = client.tree

    @tree.command(name="ask", description="Ask a question about the news articles; the answer cites them.")
    @app_commands.describe(question="Your question, in English or Dutch", private="Only you see the answer")
    async def ask(interaction: discord.Interaction, question: str, private: bool = False) -> None:
        await client.on_ask(interaction, question, private)

    @tree.command(name="sources", description="The full passages behind the last answer in this channel.")
    @app_commands.describe(private="Only you see the passages")
    async def sources(interaction: discord.Interaction, private: bool = False) -> None:
        await client.on_sources(interaction, private)

    @tree.command(name="about", description="Which articles I know about, and how to ask.")
    async def about(interaction: discord.Interaction) -> None:
        await client.on_about(interaction)

    @tree.command(name="reset", description="Forget this channel's conversation.")
    async def reset(interaction: discord.Interaction) -> None:
        await client.on_reset(interaction)
