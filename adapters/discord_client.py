"""The discord.py client: slash commands and @mentions in, the core's answers out, each event handled once."""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord_commands import add_commands, deliver
from adapters.discord_flow import DiscordFormat, DiscordTransport
from adapters.discord_format import format_about, format_sources, notice
from adapters.discord_forum import SolvedButton, mark_solved
from adapters.discord_handoff import DiscordHandOff
from adapters.discord_messages import MessageRouter, conversation_id, intents_for
from adapters.discord_views import NO_MENTIONS, FeedbackButton, HandOffButton, ReasonModal
from adapters.flow import Flow, Question, flow_options
from adapters.flow_parts import drain_seconds
from adapters.handoff import HandOffs
from adapters.suggestions import suggested_questions
from adapters.team import Team, load_team
from bot.common.config import Settings
from bot.common.errors import BriefbotError, StoreError
from bot.core.bot import Bot
from bot.language.phrases import detect, phrase

log = logging.getLogger("briefbot.discord")

SUGGEST_TIMEOUT_S = 2.0  # autocomplete must be answered within Discord's 3 s
ANSWER_TIMEOUT_S = 600.0  # the core's whole budget; the interaction token lives 15 min, the rest is for delivery
RATE_LIMIT_WAIT_S = 30.0  # a longer 429 raises discord.RateLimited (the user is told) instead of sleeping
CLAIM_TTL_S = 3600.0  # dedupe window; longer than an interaction token lives
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

    def __init__(self, bot: Bot | None, settings: Settings, *, answer_timeout_s: float = ANSWER_TIMEOUT_S,
                 team: Team | None = None) -> None:
        self.team = team if team is not None else load_team(settings)  # first: a bad channels file is one line
        super().__init__(intents=intents_for(self.team), allowed_mentions=NO_MENTIONS,
                         max_ratelimit_timeout=RATE_LIMIT_WAIT_S)
        self.bot = bot
        self.settings = settings
        self.answer_timeout_s = answer_timeout_s
        self.api_base = settings.optional("DISCORD_API_BASE")
        if self.api_base:
            Route.BASE = self.api_base.rstrip("/")  # a class attribute: one API base per process
        self.tree = BriefbotTree(self)
        add_commands(self)
        self.transport = DiscordTransport(self)
        self.router = MessageRouter(self, self.team, self._has_turns)
        escalation = self.team.discord.escalation
        self.flow = Flow(bot, DiscordFormat(handoff=escalation is not None), self.transport, platform="discord",
                         compute_workers=settings.max_concurrent, deadline_s=answer_timeout_s,
                         **flow_options(settings)) if bot is not None else None
        self.handoff = DiscordHandOff(self, HandOffs(bot, "discord"), escalation, self.io) \
            if bot is not None and escalation is not None else None
        self.drain_s = drain_seconds(settings)
        self._io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="briefbot-discord-io")
        # Claims are writes, serialized by the store anyway; from one thread they never wait in SQLite's busy
        # handler (which sleeps up to 100 ms per retry), keeping the claim-then-defer path at ~1 ms.
        self._claims = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-discord-claim")

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FeedbackButton, HandOffButton, SolvedButton)
        if self.flow is not None:
            self.flow.start()  # logged in: unfinished questions of a stopped worker can be answered now

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
        if self.flow is not None and self.flow.accepting:  # drain while the connection can still deliver
            await asyncio.get_running_loop().run_in_executor(None, self.flow.close, self.drain_s)
        await super().close()
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
            first = await loop.run_in_executor(self._claims, self.bot.claim, f"discord:ix:{event_id}", CLAIM_TTL_S)
        except Exception:  # the store is down: answering twice on a rare replay beats never answering
            log.exception("could not claim event id=%s; handling it anyway", event_id)
            return True
        if not first:
            log.info("ignoring a repeated event id=%s", event_id)
        return first

    async def ask(self, q: Question, interaction: discord.Interaction | None = None) -> None:
        """Hand a question to the shared flow (recorded off the loop); the flow defers, answers and follows up."""
        assert self.flow is not None
        if interaction is not None:
            self.transport.live[q.key] = interaction
        log.info("question %s conversation=%s chars=%d", q.key, q.conversation, len(q.text))
        state = await self.io(self.flow.receive, q)
        if state in ("done", "busy"):
            self.transport.live.pop(q.key, None)

    # -- slash commands --------------------------------------------------------------------------------------

    async def on_ask(self, interaction: discord.Interaction, question: str, private: bool) -> None:
        cid = conversation_id(interaction.guild_id, interaction.channel_id, interaction.user.id)
        await self.ask(Question.scoped(
            self.router.scope_of(interaction.channel, interaction.guild_id),
            key=f"discord:ix:{interaction.id}", platform="discord", user=f"discord:{interaction.user.id}",
            conversation=cid, text=question,
            place={"kind": "ix", "app": interaction.application_id, "token": interaction.token, "private": private,
                   "channel": interaction.channel_id},
        ), interaction)

    async def on_sources(self, interaction: discord.Interaction, private: bool) -> None:
        assert self.bot is not None
        await interaction.response.defer(thinking=True, ephemeral=private)
        cid = conversation_id(interaction.guild_id, interaction.channel_id, interaction.user.id)
        language = locale_language(interaction)
        try:
            answer = await self.io(self.bot.last_answer, cid)
            if answer is None:
                shown = notice(phrase("no_last_answer", language))
            elif not answer.sources:
                shown = notice(phrase("discord_no_sources", answer.language))
            else:
                shown = format_sources(answer)
        except Exception:
            log.exception("/sources failed conversation=%s", cid)
            shown = notice(phrase("apology", language))
        await deliver(interaction, shown, ephemeral=private)

    async def on_about(self, interaction: discord.Interaction) -> None:
        assert self.bot is not None
        await interaction.response.defer(thinking=True, ephemeral=True)
        language = locale_language(interaction)
        try:
            scope = self.router.scope_of(interaction.channel, interaction.guild_id)
            shown = format_about(await self.io(self.bot.articles, scope), language)
        except BriefbotError as exc:
            shown = notice(exc.message)
        except Exception:
            log.exception("/about failed")
            shown = notice(phrase("apology", language))
        await deliver(interaction, shown, ephemeral=True)

    async def on_reset(self, interaction: discord.Interaction) -> None:
        assert self.bot is not None
        await interaction.response.defer(thinking=True)
        cid = conversation_id(interaction.guild_id, interaction.channel_id, interaction.user.id)
        language = locale_language(interaction)
        try:
            await self.io(self.bot.reset, cid)
            log.info("reset conversation=%s", cid)
            shown = notice(phrase("reset", language))
        except Exception:
            log.exception("/reset failed conversation=%s", cid)
            shown = notice(phrase("apology", language))
        await deliver(interaction, shown, ephemeral=False)

    async def on_feedback(self, interaction: discord.Interaction, answer_id: str, vote: str) -> None:
        """A 👍/👎 click: stored with what was asked and answered; a 👎 opens a modal asking (optionally) why."""
        assert self.bot is not None
        if not await self.claim(interaction.id):
            return
        language = locale_language(interaction)
        try:
            fb = await self.io(self.bot.record_feedback, answer_id, vote, str(interaction.user.id), "discord")
        except Exception:
            log.exception("recording feedback failed answer=%s", answer_id)
            fb, text = None, phrase("apology", language)
        else:
            text = phrase("thanks", detect(fb.question)) if fb else phrase("discord_feedback_unknown", language)
        if fb is not None and vote == "down":
            await interaction.response.send_modal(ReasonModal(self, answer_id, detect(fb.question)))
            return
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def on_handoff(self, interaction: discord.Interaction, answer_id: str) -> None:
        """"Still need help?" pressed: the case goes to the escalation target once (adapters/discord_handoff.py)."""
        if self.handoff is None or not await self.claim(interaction.id):
            return
        try:
            await self.handoff.on_press(interaction, answer_id, locale_language(interaction))
        except Exception:
            log.exception("handling a hand-off press failed answer=%s", answer_id)

    async def on_solved(self, interaction: discord.Interaction, thread_id: int) -> None:
        """"Mark solved" under an answer in a forum post (adapters/discord_forum.py)."""
        if not await self.claim(interaction.id):
            return
        try:
            await mark_solved(self, interaction, thread_id, self.team.discord.solved_tag, locale_language(interaction))
        except Exception:
            log.exception("marking forum post %s solved failed", thread_id)

    async def suggest(self, interaction: discord.Interaction, typed: str) -> list[str]:
        """/ask's autocomplete: questions from the channel's articles (Discord waits 3 s for them: none on error)."""
        assert self.bot is not None
        try:
            scope = self.router.scope_of(interaction.channel, interaction.guild_id)
            articles = await asyncio.wait_for(self.io(self.bot.articles, scope), SUGGEST_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - suggestions are a help, never an error
            log.info("no suggestions (%s)", type(exc).__name__)
            return [typed[:100]] if typed.strip() else []
        return suggested_questions(articles, locale_language(interaction), typed)

    async def on_reason(self, interaction: discord.Interaction, answer_id: str, reason: str) -> None:
        """The 👎 modal was sent: its line is stored with the vote."""
        assert self.bot is not None
        language = locale_language(interaction)
        try:
            if reason.strip():
                await self.io(partial(self.bot.record_feedback, answer_id, "down", str(interaction.user.id),
                                      "discord", reason=reason))
            text = phrase("feedback_reason_thanks", language)
        except Exception:
            log.exception("recording a feedback reason failed answer=%s", answer_id)
            text = phrase("apology", language)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    # -- messages: mentions, DMs, answer channels, threads (adapters/discord_messages.py) --------------------

    async def on_message(self, message: discord.Message) -> None:
        q = await self.router.question(message)
        if q is None or not await self.claim(message.id):
            return
        await self.ask(q)

    async def _has_turns(self, conversation: str) -> bool:
        assert self.bot is not None
        try:
            return bool(await self.io(self.bot.store.turns, conversation))
        except StoreError:
            return False
