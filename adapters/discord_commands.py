"""Discord's application commands: /ask (with suggested questions as you type), /sources, /about, /reset, and the
message context menu "Ask briefbot about this" (Apps → on any message). Registered on the client's tree; synced
only by `briefbot discord sync`."""
from __future__ import annotations

import logging
from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord_format import MAX_CONTENT, Message
from adapters.discord_views import NO_MENTIONS, embeds_of

log = logging.getLogger("briefbot.discord")

ASK_ABOUT = "Ask briefbot about this"  # the context menu's name (≤ 32 characters)


class Handlers(Protocol):
    """What the commands call (adapters/discord_client.py's BriefbotClient)."""

    tree: Any  # its app_commands.CommandTree

    async def on_ask(self, interaction: discord.Interaction, question: str, private: bool) -> None: ...
    async def on_sources(self, interaction: discord.Interaction, private: bool) -> None: ...
    async def on_about(self, interaction: discord.Interaction) -> None: ...
    async def on_reset(self, interaction: discord.Interaction) -> None: ...
    async def suggest(self, interaction: discord.Interaction, typed: str) -> list[str]: ...


def add_commands(client: Handlers) -> None:
    """The commands on the client's tree."""
    tree = client.tree

    @tree.command(name="ask", description="Ask a question about the news articles; the answer cites them.")
    @app_commands.describe(question="Your question, in English or Dutch", private="Only you see the answer")
    async def ask(interaction: discord.Interaction, question: str, private: bool = False) -> None:
        await client.on_ask(interaction, question, private)

    @ask.autocomplete("question")
    async def suggestions(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggested questions from the channel's articles, best matches of what is typed first."""
        return [app_commands.Choice(name=q, value=q) for q in await client.suggest(interaction, current)]

    @tree.context_menu(name=ASK_ABOUT)
    async def ask_about(interaction: discord.Interaction, message: discord.Message) -> None:
        """The message's text is the question; the answer goes to the channel like /ask's."""
        await client.on_ask(interaction, message.content[:MAX_CONTENT * 2], False)

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


async def deliver(interaction: discord.Interaction, messages: list[Message], *, ephemeral: bool) -> None:
    """A deferred command's reply: the first message edits the response, the rest are follow-ups."""
    try:
        first, rest = messages[0], messages[1:]
        await interaction.edit_original_response(content=first["content"] or None, embeds=embeds_of(first),
                                                 allowed_mentions=NO_MENTIONS)
        for message in rest:
            fields: dict[str, Any] = {"content": message["content"]} if message["content"] else {}
            await interaction.followup.send(embeds=embeds_of(message), ephemeral=ephemeral,
                                            allowed_mentions=NO_MENTIONS, **fields)
    except discord.HTTPException:
        log.exception("could not deliver a command's reply")
