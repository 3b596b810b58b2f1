"""👍/👎 buttons as a dynamic item: the custom_id carries the answer id, so clicks still work after a restart."""
from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from adapters.discord_format import FEEDBACK_TEMPLATE, HANDOFF_TEMPLATE, Message, feedback_buttons, handoff_custom_id
from bot.common.models import Answer
from bot.core.bot import MAX_REASON_CHARS
from bot.language.phrases import phrase

NO_MENTIONS = discord.AllowedMentions.none()


class FeedbackReceiver(Protocol):
    """What the views hand a vote and its reason to (adapters/discord_client.py's BriefbotClient)."""

    async def on_feedback(self, interaction: discord.Interaction, answer_id: str, vote: str) -> None: ...
    async def on_reason(self, interaction: discord.Interaction, answer_id: str, reason: str) -> None: ...
    async def on_handoff(self, interaction: discord.Interaction, answer_id: str) -> None: ...


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button], template=FEEDBACK_TEMPLATE):
    """One vote button; discord.py rebuilds it from the custom_id on every click (no per-message state)."""

    def __init__(self, vote: str, answer_id: str, *, label: str | None = None, emoji: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=label,
                emoji=emoji,
                custom_id=f"briefbot:fb:{vote}:{answer_id}",
            )
        )
        self.vote = vote
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FeedbackButton:
        return cls(match["vote"], match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await cast(FeedbackReceiver, interaction.client).on_feedback(interaction, self.answer_id, self.vote)


class HandOffButton(discord.ui.DynamicItem[discord.ui.Button], template=HANDOFF_TEMPLATE):
    """"Still need help?": calls a person in (adapters/discord_handoff.py); rebuilt from its custom_id."""

    def __init__(self, answer_id: str, *, label: str | None = None, first: bool = False) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary if first else discord.ButtonStyle.secondary, label=label, emoji="🙋",
            custom_id=handoff_custom_id(answer_id)))
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> HandOffButton:
        return cls(match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await cast(FeedbackReceiver, interaction.client).on_handoff(interaction, self.answer_id)


def feedback_view(answer: Answer, *, handoff: bool = False) -> discord.ui.View | None:
    """The buttons under an answer (None for an answer without an id, which nobody could vote on); with `handoff`
    also "Still need help?", first under an answer that is not grounded."""
    buttons = feedback_buttons(answer)
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    helper = HandOffButton(answer.id, label=phrase("handoff_button", answer.language), first=not answer.grounded) \
        if handoff else None
    if helper is not None and not answer.grounded:
        view.add_item(helper)
    for b in buttons:
        view.add_item(FeedbackButton(b["vote"], answer.id, label=b["label"], emoji=b["emoji"]))
    if helper is not None and answer.grounded:
        view.add_item(helper)
    return view


def embeds_of(message: Message) -> list[discord.Embed]:
    return [discord.Embed.from_dict(e) for e in message["embeds"]]


class ReasonModal(discord.ui.Modal):
    """After a 👎: one optional line on what was wrong, stored with the vote."""

    def __init__(self, client: FeedbackReceiver, answer_id: str, language: str) -> None:
        super().__init__(title=phrase("feedback_reason_title", language)[:45],
                         custom_id=f"briefbot:why:{answer_id}"[:100])
        self.client = client
        self.answer_id = answer_id
        self.reason: discord.ui.TextInput = discord.ui.TextInput(
            label=phrase("feedback_reason_label", language)[:45], style=discord.TextStyle.short, required=False,
            max_length=MAX_REASON_CHARS, custom_id="reason")
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.client.on_reason(interaction, self.answer_id, self.reason.value or "")
