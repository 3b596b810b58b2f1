"""Discord's JSON shapes for the fake (users, guild, interactions, messages) and its limit checks."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

TOKEN = "fake-discord-token.not.a.secret"
APP_ID = 1100000000000000001  # the bot user shares the application's id, as on Discord
GUILD_ID = 1200000000000000002
CHANNEL_ID = 1300000000000000003
THREAD_ID = 1300000000000000099
USER_ID = 1400000000000000004
BOT_ROLE_ID = 1500000000000000005
ASK_CHANNEL_ID = 1300000000000000031  # a second text channel (tests list it as an answer channel)
FORUM_ID = 1300000000000000041  # a forum channel, with a "Solved" tag
SOLVED_TAG_ID = 1600000000000000001
DISCORD_EPOCH_MS = 1420070400000

# Limits, restated here rather than imported so the fake checks the adapter instead of trusting it.
LIMITS = {"content": 2000, "title": 256, "description": 4096, "fields": 25, "field_name": 256,
          "field_value": 1024, "footer": 2048, "embeds": 10, "embed_total": 6000}


class Ids:
    """Increasing snowflakes, like Discord's (time in the high bits)."""

    def __init__(self) -> None:
        self._n = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._n += 1
            return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (self._n & 0x3FFFFF)


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def user(user_id: int, name: str = "asker", *, bot: bool = False) -> dict:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name.title(),
            "avatar": None, "bot": bot, "flags": 0, "public_flags": 0}


def bot_user() -> dict:
    return {**user(APP_ID, "briefbot", bot=True), "verified": True, "mfa_enabled": False}


def app_info() -> dict:
    return {"id": str(APP_ID), "name": "briefbot", "description": "", "icon": None, "bot_public": True,
            "bot_require_code_grant": False, "owner": user(USER_ID, "owner"), "verify_key": "0" * 64,
            "flags": 0, "summary": "", "team": None, "interactions_endpoint_url": None, "bot": bot_user()}


def member(user_id: int | None = None) -> dict:
    data = {"roles": [], "joined_at": now(), "deaf": False, "mute": False, "flags": 0, "pending": False,
            "nick": None, "avatar": None, "permissions": "2248473465835073"}
    if user_id is not None:
        data["user"] = user(user_id)
    return data


def role(role_id: int, name: str, **extra: Any) -> dict:
    return {"id": str(role_id), "name": name, "permissions": "0", "position": 0, "color": 0, "hoist": False,
            "managed": False, "mentionable": False, "flags": 0, **extra}


def text_channel(channel_id: int = CHANNEL_ID) -> dict:
    return {"id": str(channel_id), "type": 0, "guild_id": str(GUILD_ID), "name": "general", "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None, "last_message_id": None,
            "rate_limit_per_user": 0, "flags": 0}


def thread_channel(thread_id: int = THREAD_ID, *, parent: int = CHANNEL_ID, name: str = "a thread",
                   owner: int = USER_ID, applied_tags: list[str] | None = None) -> dict:
    data = {"id": str(thread_id), "type": 11, "guild_id": str(GUILD_ID), "parent_id": str(parent),
            "name": name, "owner_id": str(owner), "member_count": 1, "message_count": 1,
            "rate_limit_per_user": 0, "flags": 0, "last_message_id": None,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": now(),
                                "locked": False}}
    if applied_tags is not None:
        data["applied_tags"] = applied_tags
    return data


def forum_channel(channel_id: int = FORUM_ID) -> dict:
    """A forum (type 15): each post is a thread; its tags include "Solved"."""
    return {"id": str(channel_id), "type": 15, "guild_id": str(GUILD_ID), "name": "help", "position": 2,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None, "last_message_id": None,
            "rate_limit_per_user": 0, "flags": 0, "default_auto_archive_duration": 1440, "default_sort_order": None,
            "default_forum_layout": 0, "default_reaction_emoji": None, "default_thread_rate_limit_per_user": 0,
            "available_tags": [
                {"id": str(SOLVED_TAG_ID), "name": "Solved", "moderated": False, "emoji_id": None, "emoji_name": "✅"},
                {"id": str(SOLVED_TAG_ID + 1), "name": "Question", "moderated": False, "emoji_id": None,
                 "emoji_name": None}]}


def guild_create() -> dict:
    """A small guild: one text channel, one thread, the bot as a member with its managed role."""
    bot_member = {**member(), "user": bot_user(), "roles": [str(BOT_ROLE_ID)]}
    return {
        "id": str(GUILD_ID), "name": "Test guild", "icon": None, "owner_id": str(USER_ID), "unavailable": False,
        "roles": [role(GUILD_ID, "@everyone", permissions="104324673"),
                  role(BOT_ROLE_ID, "briefbot", managed=True, tags={"bot_id": str(APP_ID)})],
        "channels": [text_channel(), {**text_channel(ASK_CHANNEL_ID), "name": "ask", "position": 1}, forum_channel()],
        "threads": [thread_channel()], "members": [bot_member],
        "member_count": 2, "large": False, "features": [], "emojis": [], "stickers": [], "voice_states": [],
        "presences": [], "stage_instances": [], "guild_scheduled_events": [], "verification_level": 0,
        "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0,
        "preferred_locale": "en-US", "joined_at": now(), "system_channel_flags": 0, "nsfw_level": 0,
        "afk_timeout": 300, "afk_channel_id": None, "system_channel_id": None, "rules_channel_id": None,
        "public_updates_channel_id": None, "premium_subscription_count": 0, "max_members": 500000,
        "vanity_url_code": None, "description": None, "banner": None, "splash": None, "discovery_splash": None,
        "application_id": None, "premium_progress_bar_enabled": False, "lazy": True,
    }


def _channel_for(guild_id: int | None, channel_id: int, user_id: int) -> dict:
    if guild_id is None:
        return {"id": str(channel_id), "type": 1, "recipients": [user(user_id)], "last_message_id": None, "flags": 0}
    return thread_channel(channel_id) if channel_id == THREAD_ID else text_channel(channel_id)


def interaction_base(ids: Ids, *, type_: int, guild_id: int | None = GUILD_ID, channel_id: int = CHANNEL_ID,
                     user_id: int = USER_ID, locale: str = "en-US") -> dict:
    """The envelope every INTERACTION_CREATE shares; a DM when `guild_id` is None."""
    payload: dict[str, Any] = {
        "id": str(ids.next()), "application_id": str(APP_ID), "type": type_, "token": f"ixtok-{ids.next()}",
        "version": 1, "locale": locale, "app_permissions": "2248473465835073", "entitlements": [],
        "attachment_size_limit": 8 * 1024 * 1024, "channel_id": str(channel_id),
        "channel": _channel_for(guild_id, channel_id, user_id),
    }
    if guild_id is None:
        payload.update(user=user(user_id), context=1, authorizing_integration_owners={"1": str(user_id)})
    else:
        payload.update(guild_id=str(guild_id), guild_locale="en-US", member=member(user_id), context=0,
                       guild={"id": str(guild_id), "locale": "en-US", "features": []},
                       authorizing_integration_owners={"0": str(guild_id)})
    return payload


def message_create(ids: Ids, content: str, *, mention_bot: bool = True, mention_role: bool = False,
                   guild_id: int | None = GUILD_ID, channel_id: int = CHANNEL_ID, author_id: int = USER_ID,
                   author_is_bot: bool = False) -> dict:
    """A MESSAGE_CREATE as a user (or another bot) posts it; `mention_bot` puts `<@bot>` in front,
    `mention_role` the bot's managed role `<@&role>` (what Discord's autocomplete often picks)."""
    author = user(author_id, "otherbot" if author_is_bot else "asker", bot=author_is_bot)
    prefix = f"<@{APP_ID}> " if mention_bot else f"<@&{BOT_ROLE_ID}> " if mention_role else ""
    payload: dict[str, Any] = {
        "id": str(ids.next()), "channel_id": str(channel_id), "author": author,
        "content": prefix + content, "timestamp": now(),
        "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": [{**bot_user(), "member": member()}] if mention_bot else [],
        "mention_roles": [str(BOT_ROLE_ID)] if mention_role and not mention_bot else [],
        "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0, "components": [],
    }
    if guild_id is not None:
        payload.update(guild_id=str(guild_id), member=member())
    return payload


def command_record(ids: Ids, command: dict, guild: str | None) -> dict:
    """A command as Discord stores it after a bulk overwrite."""
    saved = {"id": str(ids.next()), "application_id": str(APP_ID), "version": str(ids.next()),
             "default_member_permissions": None, "type": 1, "nsfw": False, "description": "", **command}
    if guild:
        saved["guild_id"] = guild
    return saved


def limit_errors(body: dict, *, require_body: bool) -> dict:
    """Discord's 50035 "Invalid Form Body" errors for a message payload; {} when it is acceptable."""
    errors: dict[str, str] = {}
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if len(content) > LIMITS["content"]:
        errors["content"] = f"Must be {LIMITS['content']} or fewer in length (got {len(content)})."
    if len(embeds) > LIMITS["embeds"]:
        errors["embeds"] = f"Must be {LIMITS['embeds']} or fewer in length."
    total = 0
    for i, e in enumerate(embeds):
        parts = {"title": e.get("title") or "", "description": e.get("description") or "",
                 "footer": (e.get("footer") or {}).get("text") or ""}
        for key, text in parts.items():
            if len(text) > LIMITS[key]:
                errors[f"embeds.{i}.{key}"] = f"Must be {LIMITS[key]} or fewer in length (got {len(text)})."
        fields = e.get("fields") or []
        if len(fields) > LIMITS["fields"]:
            errors[f"embeds.{i}.fields"] = f"Must be {LIMITS['fields']} or fewer in length."
        for j, f in enumerate(fields):
            if len(f.get("name") or "") > LIMITS["field_name"] or not f.get("name"):
                errors[f"embeds.{i}.fields.{j}.name"] = "Invalid field name length."
            if len(f.get("value") or "") > LIMITS["field_value"] or not f.get("value"):
                errors[f"embeds.{i}.fields.{j}.value"] = "Invalid field value length."
        total += sum(map(len, parts.values())) + len((e.get("author") or {}).get("name") or "")
        total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    if total > LIMITS["embed_total"]:
        errors["embeds"] = f"Embed size exceeds maximum size of {LIMITS['embed_total']} (got {total})."
    if require_body and not content.strip() and not embeds and not body.get("components"):
        errors["content"] = "Cannot send an empty message (50006)."
    return errors
