"""Which Discord messages are questions for the bot, and where each one is answered.

- a DM, or a message that @mentions the bot (or its managed role): answered, always; in a text channel in a new
  thread named after the question (the thread is the conversation), in a thread or a DM in place;
- in an answer channel (channels file, `answer_all`), a new top-level message that is a question
  (bot/language/asking.py): answered in a new thread named after it, and only when the answer is grounded;
- in a forum listed as an answer channel, each new post (its title and text): answered in the post;
- in a thread the bot is answering in (its conversation has turns), a follow-up without a mention — which needs the
  privileged Message Content intent; in an answer channel's thread, quietly.

Every other message is dropped unread. No platform call happens here: the router only decides.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord_format import thread_name
from adapters.flow import Question
from adapters.team import Team
from bot.common.models import Scope
from bot.language.asking import is_question

INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True)  # mentions and DMs carry content


def intents_for(team: Team) -> discord.Intents:
    """The gateway intents: with answer channels (or `message_content: true`), the privileged Message Content one."""
    intents = discord.Intents(INTENTS.value)
    intents.message_content = team.discord.message_content or any(c.answer_all for c in team.discord.channels.values())
    return intents


def conversation_id(guild_id: int | None, channel_id: int | None, user_id: int) -> str:
    """`discord:{guild}:{channel}` (a thread is its own channel); `discord:dm:{user}` outside guilds."""
    return f"discord:{guild_id}:{channel_id}" if guild_id else f"discord:dm:{user_id}"


@dataclass(frozen=True)
class Route:
    """How a message is answered: `kind` "msg" (a reply in its channel) or "thread" (a new thread from it)."""

    kind: str
    quiet: bool
    text: str
    conversation_channel: int  # the channel (or thread) that is the conversation
    forum: bool = False  # a forum post: its answer offers "Mark solved"


class MessageRouter:
    """Turns a message into the flow's Question, or None when the bot should not answer it."""

    def __init__(self, client: discord.Client, team: Team, has_turns: Callable[[str], Awaitable[bool]]) -> None:
        self.client = client
        self.team = team
        self.has_turns = has_turns  # whether a conversation has turns (a store read, run off the loop)

    def scope_of(self, channel: Any, guild_id: int | None) -> Scope | None:
        """The articles a channel answers from (channels file): a thread's are its parent's, a DM's the default."""
        if guild_id is None:
            return self.team.scope("discord", None)
        return self.team.scope("discord", listed_id(channel))

    async def question(self, message: discord.Message) -> Question | None:
        me = self.client.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        guild_id = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
        route = self._addressed(message, me.id) if addressed(message, me.id) else await self._unprompted(message)
        if route is None:
            return None
        place: dict[str, Any] = {"kind": route.kind, "channel": message.channel.id, "message": message.id}
        if route.kind == "thread":
            place["name"] = thread_name(route.text)
        if route.forum:
            place["forum"] = True
        return Question.scoped(
            self.scope_of(message.channel, guild_id),
            key=f"discord:msg:{message.id}", platform="discord", user=f"discord:{message.author.id}",
            conversation=conversation_id(guild_id, route.conversation_channel, message.author.id),
            text=route.text, place=place, in_dm=message.guild is None, quiet=route.quiet,
        )

    def _addressed(self, message: discord.Message, me: int) -> Route:
        """A mention in a channel opens a thread named after it (the thread is the conversation); in a thread, a
        forum post or a DM it is answered in place."""
        text = without_mention(message, me)
        if message.guild is not None and isinstance(message.channel, discord.TextChannel):
            return Route("thread", False, text, message.id)
        return Route("msg", False, text, message.channel.id)

    async def _unprompted(self, message: discord.Message) -> Route | None:
        """A message without a mention: an answer channel's question, a forum post, or a thread's follow-up."""
        channel = message.channel
        if message.guild is None or not message.content:  # no content: the intent is off
            return None
        if isinstance(channel, discord.Thread):
            listed = self.team.answers_all("discord", channel.parent_id)
            if listed and isinstance(channel.parent, discord.ForumChannel) and message.id == channel.id:
                return Route("msg", True, post_question(channel.name, message.content), channel.id, forum=True)
            guild_id = message.guild.id
            if not await self.has_turns(conversation_id(guild_id, channel.id, message.author.id)):
                return None  # a thread the bot is not in
            if not is_question(message.content, min_words=1):
                return None
            return Route("msg", listed, message.content, channel.id)
        if self.team.answers_all("discord", channel.id) and is_question(message.content):
            return Route("thread", True, message.content, message.id)  # the thread's id is the message's
        return None


def post_question(title: str, text: str) -> str:
    """A forum post as one question: its title (when the text does not start with it already), then its text."""
    title, text = title.strip(), text.strip()
    if not title or text.casefold().startswith(title.casefold()):
        return text
    return f"{title} {text}" if title.endswith((".", "?", "!", ":")) else f"{title}. {text}"


def listed_id(channel: Any) -> int | None:
    """The id the channels file lists a channel under: a thread's parent, else the channel's own."""
    return channel.parent_id if isinstance(channel, discord.Thread) else getattr(channel, "id", None)


def addressed(message: discord.Message, me: int) -> bool:
    """Whether a message asks the bot: a DM, an @mention of the bot, or of its own managed role."""
    if message.guild is None and isinstance(message.channel, discord.DMChannel):
        return True
    if any(u.id == me for u in message.mentions):
        return True
    role = message.guild.self_role if message.guild is not None else None
    return role is not None and role.id in message.raw_role_mentions


def without_mention(message: discord.Message, me: int) -> str:
    """The message's text with the bot's own mention (user or managed role) taken out."""
    role = message.guild.self_role if message.guild is not None else None
    ids = f"{me}|&{role.id}" if role is not None else str(me)
    return re.sub(rf"<@!?(?:{ids})>", " ", message.content).strip()
