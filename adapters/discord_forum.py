"""Forum posts on Discord: the answer to a post carries "Mark solved", which applies the forum's solved tag.

A forum listed as an answer channel gets each new post answered in the post (adapters/discord_messages.py). The
button's custom_id carries the post's id, so it works after a restart; the post's author or anyone who may manage
threads can press it; the tag is the forum's tag named like the channels file's `solved_tag` ("Solved").
"""
from __future__ import annotations

import logging
import re
from typing import Any, Protocol, cast

import discord

from adapters.discord_views import NO_MENTIONS
from bot.language.phrases import phrase

log = logging.getLogger("briefbot.discord")

SOLVED_TEMPLATE = r"briefbot:solved:(?P<thread>\d{15,21})"


class SolvedReceiver(Protocol):
    async def on_solved(self, interaction: discord.Interaction, thread_id: int) -> None: ...


class SolvedButton(discord.ui.DynamicItem[discord.ui.Button], template=SOLVED_TEMPLATE):
    """"Mark solved" under an answer in a forum post; rebuilt from its custom_id on every press."""

    def __init__(self, thread_id: int, *, label: str | None = None) -> None:
        super().__init__(discord.ui.Button(style=discord.ButtonStyle.success, label=label, emoji="✅",
                                           custom_id=f"briefbot:solved:{thread_id}"))
        self.thread_id = thread_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SolvedButton:
        return cls(int(match["thread"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await cast(SolvedReceiver, interaction.client).on_solved(interaction, self.thread_id)


def with_solved(view: discord.ui.View | None, thread_id: int, language: str) -> discord.ui.View:
    """The answer's buttons with "Mark solved" added."""
    view = view or discord.ui.View(timeout=None)
    view.add_item(SolvedButton(thread_id, label=phrase("forum_solved_button", language)))
    return view


def solved_tag(forum: discord.ForumChannel, name: str) -> discord.ForumTag | None:
    """The forum's tag called `name` (any case), or None."""
    return next((t for t in forum.available_tags if t.name.casefold() == name.casefold()), None)


async def mark_solved(client: discord.Client, interaction: discord.Interaction, thread_id: int, tag_name: str,
                      language: str) -> None:
    """Apply the solved tag to the post, if the presser may; the presser is told the outcome privately."""
    thread = client.get_channel(thread_id)
    if not isinstance(thread, discord.Thread) or not isinstance(thread.parent, discord.ForumChannel):
        text = phrase("apology", language)
    elif thread.owner_id != interaction.user.id and not interaction.permissions.manage_threads:
        text = phrase("forum_solved_not_yours", language)
    elif (tag := solved_tag(thread.parent, tag_name)) is None:
        text = phrase("forum_no_solved_tag", language, tag=tag_name)
    else:
        try:
            await thread.add_tags(tag, reason="briefbot: marked solved by the post's author")
            text = phrase("forum_solved", language)
        except discord.HTTPException as exc:
            log.warning("could not tag forum post %s (%s)", thread_id, type(exc).__name__)
            text = phrase("forum_solved_failed", language)
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
