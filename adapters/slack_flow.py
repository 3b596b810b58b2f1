"""Slack's side of the shared question flow: the Format (slack_format's pure functions) and the Transport (Web API)."""
from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from adapters import slack_format as sf
from adapters.flow import Question
from adapters.slack_input import question_from_slack
from adapters.slack_native import SlackNative
from bot.common.models import Answer
from bot.language.phrases import phrase

UPDATE_INTERVAL_S = 1.0  # chat.update is rate-limited: at most one edit a second per message

Message = tuple[str, sf.Blocks]


def _ts(value: Any) -> float:
    """A Slack ts as a number, for ordering messages (0 when it is not one)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


class SlackFormat:
    """What Slack is sent at each step: (fallback text, blocks), inside Slack's limits; `handoff`: answers carry
    "Still need help?" (an escalation target is configured)."""

    def __init__(self, *, handoff: bool = False) -> None:
        self.handoff = handoff

    def question(self, q: Question) -> str:
        return question_from_slack(q.text, q.place.get("bot_user"))

    def placeholder(self, language: str) -> Message:
        return sf.placeholder(language)

    def queued(self, language: str, position: int) -> Message:
        return sf.notice(phrase("queued", language, position=position))

    def streaming(self, partial: str) -> Message:
        return sf.streaming_message(partial)

    def answer(self, answer: Answer) -> Message:
        return sf.format_answer(answer, handoff=self.handoff)

    def notice(self, text: str) -> Message:
        return sf.notice(text)

    def usage(self, language: str, q: Question) -> Message:
        return sf.usage_hint(language, in_dm=q.in_dm or bool(q.place.get("shortcut")))


class SlackTransport:
    """chat.postMessage in the question's thread (or the DM), chat.update of the placeholder by its ts."""

    edit_interval_s = UPDATE_INTERVAL_S
    first_edit_waits = False  # the limit is on chat.update; the placeholder was a postMessage

    def __init__(self, client: WebClient, native: SlackNative | None = None) -> None:
        self.client = client
        self.native = native  # the status and native streaming, where they can be used (adapters/slack_native.py)

    # optional parts of the Transport protocol (adapters/flow_parts.py): the status, and native streaming

    def show_status(self, q: Question, language: str) -> bool:
        return self.native is not None and self.native.show_status(q, language)

    def open_stream(self, q: Question) -> Any:
        return self.native.open_stream(q) if self.native is not None else None

    def append(self, q: Question, stream: Any, text: str, sent: int) -> int:
        assert self.native is not None
        return self.native.append(stream, text, sent)

    def close_stream(self, q: Question, stream: Any, message: Message, text: str, sent: int) -> str:
        assert self.native is not None
        return self.native.close(stream, message, text, sent)

    def post(self, q: Question, message: Message) -> str:
        text, blocks = message
        thread_ts = q.place.get("thread_ts")
        extra = {"thread_ts": thread_ts} if thread_ts else {}  # JSON bodies keep None, so leave it out
        posted: Any = self.client.chat_postMessage(channel=q.place["channel"], text=text, blocks=blocks, **extra)
        return str(posted["ts"])

    def edit(self, q: Question, message_id: str, message: Message) -> None:
        text, blocks = message
        self.client.chat_update(channel=q.place["channel"], ts=message_id, text=text, blocks=blocks)

    def find_reply(self, q: Question) -> str:
        """The bot's message already in the question's thread (a placeholder posted by a worker that died before it
        could record its ts), so a takeover edits it instead of posting a second one; "" if none or not allowed."""
        thread_ts = q.place.get("thread_ts")
        if not thread_ts:
            return ""
        try:
            found: Any = self.client.conversations_replies(channel=q.place["channel"], ts=thread_ts, limit=20)
        except Exception:  # noqa: BLE001 - e.g. missing_scope (channels:history): post a fresh placeholder
            return ""
        bot = q.place.get("bot_user")
        asked = _ts(q.place.get("ts") or q.key.rsplit(":", 1)[-1])  # the question's own ts: its reply came after it
        mine = [m for m in found.get("messages") or [] if m.get("ts") != thread_ts and _ts(m.get("ts")) > asked
                and (m.get("bot_id") or (bot and m.get("user") == bot))]
        return str(mine[0]["ts"]) if mine else ""

    def notice(self, q: Question, message: Message, reply_id: str) -> None:
        """The last word: into the placeholder when there is one (the same ts every time: idempotent)."""
        if reply_id:
            self.edit(q, reply_id, message)
        else:
            self.post(q, message)
