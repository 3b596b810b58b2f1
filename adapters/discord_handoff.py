"""The hand-off on Discord: "Still need help?" pressed → the case (question, answer, sources, a link to the message)
in the escalation channel with the role mentioned, and the conversation told who was called in.

Whether a press may post is decided by adapters/handoff.py (once per answer, across presses and workers). Only the
configured role may be pinged (allowed_mentions names it); everything quoted from the question, the answer or the
articles is made inert as in every other message.
"""
from __future__ import annotations

import logging
import re
from typing import Any

import discord

from adapters.chat_markdown import listed_sources
from adapters.discord_format import (
    COLOR_GROUNDED,
    COLOR_UNGROUNDED,
    MAX_EMBED_TITLE,
    MAX_FIELD_VALUE,
    Message,
    answer_text,
    fit,
    plain,
    truncate,
)
from adapters.discord_views import NO_MENTIONS, embeds_of
from adapters.handoff import SEND, UNKNOWN, Case, HandOffs
from adapters.team import DiscordEscalation
from bot.common.text import one_line
from bot.language.phrases import phrase

log = logging.getLogger("briefbot.discord")

CASE_ANSWER_CHARS = 2_000
CASE_SOURCES = 5
_URL = re.compile(r"^https://discord\.com/channels/[\d@me]+/\d+/\d+$")


def case_message(case: Case, *, jump_url: str, role: str | None) -> Message:
    """The case as the people called in see it: who asked, the question, the answer and its sources, a link."""
    answer, lang = case.answer, case.answer.language
    mention = f"<@&{role}> " if role else ""
    content = "🙋 " + mention + phrase("handoff_case", lang, user=f"<@{case.user}>" if case.user.isdigit() else
                                       plain(case.user))
    title = phrase("handoff_answer", lang) + ("" if answer.grounded else " " + phrase("handoff_ungrounded", lang))
    fields = [{"name": phrase("handoff_question", lang), "inline": False,
               "value": fit(case.question or answer.question or "…", MAX_FIELD_VALUE, lambda t: plain(one_line(t)))}]
    for s in listed_sources(answer)[:CASE_SOURCES]:
        fields.append({"name": truncate(f"[{plain(s.label)}] {plain(one_line(s.title))}", 256), "inline": False,
                       "value": fit(s.text, 300, lambda t: "> " + plain(one_line(t)))})
    embed: dict[str, Any] = {"title": truncate(title, MAX_EMBED_TITLE),
                             "description": truncate(answer_text(answer), CASE_ANSWER_CHARS),
                             "color": COLOR_GROUNDED if answer.grounded else COLOR_UNGROUNDED, "fields": fields}
    if _URL.fullmatch(jump_url):
        embed["url"] = jump_url
        content += f"\n{phrase('handoff_open', lang)}: {jump_url}"
    return {"content": content, "embeds": [embed]}


def called_in_note(escalation: DiscordEscalation, presser: int, language: str) -> str:
    """What the conversation is told: who pressed, who was called in and where (shown, never pinged)."""
    who = plain(escalation.label) if escalation.label else f"<@&{escalation.role}>" if escalation.role else \
        phrase("handoff_team", language)
    where = phrase("handoff_where", language, channel=f"<#{escalation.channel}>") if escalation.channel else ""
    return phrase("handoff_done", language, presser=f"<@{presser}>", who=who, where=where)


class DiscordHandOff:
    """The button's handler; store calls run off the event loop through `io`."""

    def __init__(self, client: discord.Client, handoffs: HandOffs, escalation: DiscordEscalation, io: Any) -> None:
        self.client = client
        self.handoffs = handoffs
        self.escalation = escalation
        self.io = io

    async def on_press(self, interaction: discord.Interaction, answer_id: str, language: str) -> None:
        await interaction.response.defer()  # an update of the message: no "thinking", followups may be private
        state, case = await self.io(self.handoffs.begin, answer_id, str(interaction.user.id))
        if case is None:
            key = "handoff_unknown" if state == UNKNOWN else "handoff_already" if state != "down" else "handoff_failed"
            await self._tell(interaction, phrase(key, language))
            return
        assert state == SEND
        language = case.answer.language
        message = interaction.message
        try:
            shown = case_message(case, jump_url=message.jump_url if message is not None else "",
                                 role=self.escalation.role)
            target = int(self.escalation.channel or interaction.channel_id or 0)
            role = [discord.Object(id=int(self.escalation.role))] if self.escalation.role else False
            await self.client.get_partial_messageable(target).send(
                shown["content"], embeds=embeds_of(shown),
                allowed_mentions=discord.AllowedMentions(everyone=False, users=False, roles=role, replied_user=False))
        except discord.HTTPException as exc:
            log.warning("hand-off of %s not posted (%s)", answer_id, type(exc).__name__)
            await self.io(self.handoffs.failed, case)
            await self._tell(interaction, phrase("handoff_failed", language))
            return
        await self.io(self.handoffs.sent, case)
        note = called_in_note(self.escalation, interaction.user.id, language)
        await interaction.followup.send(note, allowed_mentions=NO_MENTIONS)

    async def _tell(self, interaction: discord.Interaction, text: str) -> None:
        """A line only the presser sees."""
        try:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.info("could not tell the presser (%s)", type(exc).__name__)
