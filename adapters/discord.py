"""The Discord adapter's entry points: run the bot, sync its commands, and fail on bad tokens in one clear line.

Run it as `python -m adapters.discord` (never by path: inside this file `import discord` must find the library).
"""
from __future__ import annotations

import asyncio
import logging
import sys

import discord

from adapters.discord_client import ANSWER_TIMEOUT_S, BriefbotClient, conversation_id
from adapters.team import load_team
from bot.common.config import Settings
from bot.common.errors import BriefbotError, ConfigError
from bot.common.logs import configure
from bot.core.bot import Bot
from bot.wiring import build_bot

log = logging.getLogger("briefbot.discord")

__all__ = ["BriefbotClient", "conversation_id", "create_client", "guild_from_env", "main", "network_error", "serve",
           "sync_commands"]


def create_client(bot: Bot, settings: Settings, *, answer_timeout_s: float = ANSWER_TIMEOUT_S) -> BriefbotClient:
    """The client, ready for `client.start(token)`; commands are registered but not synced."""
    return BriefbotClient(bot, settings, answer_timeout_s=answer_timeout_s)


def discord_token(settings: Settings) -> str:
    """DISCORD_TOKEN, checked for shape; a ConfigError naming the variable (never echoing it) otherwise."""
    token = settings.require("DISCORD_TOKEN", hint="Copy the bot token from the Developer Portal (Bot → Reset Token).")
    if token.lower().startswith("bot "):
        raise ConfigError("DISCORD_TOKEN should be the bare token, without the 'Bot ' prefix.")
    return token


def guild_from_env(settings: Settings) -> int | None:
    raw = settings.optional("DISCORD_GUILD_ID")
    if raw is None:
        return None
    if not raw.isdigit():
        raise ConfigError("DISCORD_GUILD_ID must be a numeric guild (server) id.")
    return int(raw)


REJECTED = "DISCORD_TOKEN was rejected by Discord (401 Unauthorized): reset it in the Developer Portal and set it again."


def sync_commands(settings: Settings, guild_id: int | None = None) -> list[str]:
    """Register the slash commands over REST (no gateway): to `guild_id` (or DISCORD_GUILD_ID) at once, else globally."""
    token = discord_token(settings)
    guild_id = guild_id if guild_id is not None else guild_from_env(settings)

    async def run() -> list[str]:
        client = BriefbotClient(None, settings)
        async with client:
            try:
                await client.login(token)
            except discord.LoginFailure:
                raise ConfigError(REJECTED) from None
            if guild_id:
                guild = discord.Object(id=guild_id)
                client.tree.copy_global_to(guild=guild)
                synced = await client.tree.sync(guild=guild)
            else:
                synced = await client.tree.sync()
        log.info("synced %d commands %s", len(synced), f"to guild {guild_id}" if guild_id else "globally")
        return [c.name for c in synced]

    try:
        return asyncio.run(run())
    except BriefbotError:
        raise
    except Exception as exc:
        if not network_error(exc):
            raise
        raise BriefbotError("cannot reach Discord; check the network (or DISCORD_API_BASE) and try again.") from exc


def network_error(exc: BaseException) -> bool:
    """Connection failures, timeouts and Discord's 5xx: worth one line and a retry, not a traceback."""
    return isinstance(exc, (OSError, asyncio.TimeoutError, discord.DiscordServerError, discord.GatewayNotFound)) or \
        type(exc).__module__.startswith("aiohttp")


def configure_logging(log_format: str = "text") -> None:
    """The shared setup (text or JSON); discord.py stays at INFO, since its DEBUG lines carry bodies and tokens."""
    configure(log_format)
    logging.getLogger("discord").setLevel(logging.INFO)


def serve(bot: Bot, settings: Settings, token: str) -> int:
    """Run until stopped; a rejected token is one clear line and exit status 2, not a traceback."""
    client = create_client(bot, settings)
    try:
        client.run(token, log_handler=None)
    except discord.LoginFailure:
        print(f"briefbot discord: {REJECTED}", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("briefbot discord: Discord refused the Message Content intent, which answer channels need: turn it on "
              "in the Developer Portal (Bot → Privileged Gateway Intents).", file=sys.stderr)
        return 2
    except Exception as exc:
        if not network_error(exc):
            raise
        print(f"briefbot discord: cannot reach Discord ({type(exc).__name__}); try again later.", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    """Settings, token, Bot, then serve: configuration errors are one line (exit 2) before anything slow starts."""
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_format)
        token = discord_token(settings)
        load_team(settings)  # the channels file: one line now, before the knowledge base opens
        bot = build_bot(settings)
    except BriefbotError as exc:
        print(f"briefbot discord: {exc.message}", file=sys.stderr)
        return 2
    try:
        return serve(bot, settings, token)
    finally:
        bot.close()


if __name__ == "__main__":
    sys.exit(main())
