"""What the Slack adapter does with an event: filter it, hand it to the shared question flow, record feedback.

Kept apart from the Bolt/ASGI wiring in adapters/slack.py; the Slack side of the flow (format + transport) is in
adapters/slack_flow.py. No Bolt imports here.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from adapters.flow import Flow, Question, Unavailable
from adapters.handoff import HandOffs
from adapters.slack_feedback import SlackFeedback
from adapters.slack_flow import SlackFormat, SlackTransport
from adapters.slack_handoff import SlackHandOff
from adapters.slack_input import question_from_slack
from adapters.slack_native import SlackNative, granted_scopes
from adapters.team import Team
from bot.common.errors import StoreError
from bot.common.logs import request_id
from bot.common.models import Scope
from bot.core.bot import Bot
from bot.language.asking import is_question
from bot.language.phrases import detect, phrase

log = logging.getLogger("briefbot.slack")

USER_SUBTYPES = frozenset({"file_share"})  # a person's own message with a file; every other subtype is noise
IGNORED_USERS = frozenset({"USLACKBOT"})
RETRY_AFTER_S = 30  # a delivery we could not record: Slack retries it (and honours no header, but says so)


def ignored(event: dict, context: Any) -> bool:
    """Bots (ours and others), Slackbot, edits, deletions and other subtypes: never answered."""
    if event.get("bot_id") or (event.get("subtype") and event["subtype"] not in USER_SUBTYPES):
        return True
    user = event.get("user")
    return not user or user in IGNORED_USERS or user == getattr(context, "bot_user_id", None)


def question_of(event: dict, body: dict, context: Any, *, in_dm: bool, scope: Scope | None = None,
                quiet: bool = False) -> Question:
    """The flow's Question for a mention or DM: keyed by channel and message ts, so retries and edits match;
    answered from the channel's articles (`scope`, from the channels file)."""
    channel, ts = event["channel"], event["ts"]
    team = body.get("team_id") or event.get("team") or getattr(context, "team_id", None) or "-"
    # Channels: always a thread under the question. DMs: the DM itself, unless the user opened a thread.
    thread_ts = event.get("thread_ts") or (None if in_dm else ts)
    return Question.scoped(
        scope, key=f"slack:{channel}:{ts}", platform="slack", user=f"slack:{team}:{event.get('user')}",
        conversation=f"slack:{team}:{channel}:{thread_ts or 'dm'}", text=event.get("text") or "",
        place={"channel": channel, "thread_ts": thread_ts, "bot_user": getattr(context, "bot_user_id", None),
               "ts": ts},
        in_dm=in_dm, quiet=quiet,
    )


class SlackListeners:
    """The Bolt listeners; the shared flow answers on its own pools, so acks never wait for an answer."""

    def __init__(self, bot: Bot, client: WebClient, *, team: Team | None = None, workers: int = 4,
                 **flow_options: Any) -> None:
        self.bot = bot
        self.team = team or Team()
        escalation = self.team.slack.escalation
        native = SlackNative(client, granted_scopes(client))  # the status and streaming, where a takeover can look
        self.flow = Flow(bot, SlackFormat(handoff=escalation is not None), SlackTransport(client, native),
                         platform="slack", compute_workers=workers, **flow_options)
        self.feedback = SlackFeedback(bot)
        self.handoff = SlackHandOff(HandOffs(bot, "slack"), escalation) \
            if escalation is not None else None
        self.owned: list[Any] = []  # e.g. Bolt's listener pool, shut down with us

    def start(self) -> SlackListeners:
        self.flow.start()
        return self

    # --- Bolt listeners (Bolt injects arguments by name) ---

    def on_mention(self, event: dict, body: dict, context: Any) -> BoltResponse | None:
        return self._question(event, body, context, in_dm=False)

    def on_message(self, event: dict, body: dict, context: Any) -> BoltResponse | None:
        """Direct messages, and in answer channels (channels file) questions asked without a mention; every other
        channel's messages are dropped unread (mentions come through `app_mention`)."""
        if event.get("channel_type") == "im":
            return self._question(event, body, context, in_dm=True)
        if not self.team.answers_all("slack", event.get("channel")) or ignored(event, context):
            return None
        bot_user = getattr(context, "bot_user_id", None)
        if bot_user and f"<@{bot_user}" in (event.get("text") or ""):
            return None  # a mention: answered (always, not quietly) through app_mention
        if not self._asks(event, body, context):
            return None
        return self._question(event, body, context, in_dm=False, quiet=True)

    def on_shortcut(self, ack: Any, shortcut: dict, context: Any, client: WebClient) -> None:
        """"Ask briefbot about this message": the message's text is the question, answered in its thread. Each
        person asking about a message is one question (asking twice is answered once)."""
        ack()
        message, channel = shortcut.get("message") or {}, (shortcut.get("channel") or {}).get("id", "")
        user, team = (shortcut.get("user") or {}).get("id", ""), (shortcut.get("team") or {}).get("id", "-")
        if not message.get("ts") or not channel or not user:
            return
        ts = message["ts"]
        thread_ts = message.get("thread_ts") or ts
        q = Question.scoped(
            self.team.scope("slack", None if channel.startswith("D") else channel),
            key=f"slack:{channel}:{ts}:asked-by-{user}", platform="slack", user=f"slack:{team}:{user}",
            conversation=f"slack:{team}:{channel}:{thread_ts}", text=message.get("text") or "",
            place={"channel": channel, "thread_ts": thread_ts, "bot_user": getattr(context, "bot_user_id", None),
                   "ts": ts, "shortcut": True},
            in_dm=channel.startswith("D"),
        )
        try:
            self.flow.receive(q)
        except Unavailable as exc:
            log.warning("a shortcut could not be taken (%s)", exc)
            language = detect(q.text[:2000]) if q.text else "en"
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=phrase("apology", language))
            except Exception as err:  # noqa: BLE001 - nothing more to do
                log.info("could not say so (%s)", type(err).__name__)

    def _asks(self, event: dict, body: dict, context: Any) -> bool:
        """A new top-level question, or in a thread the bot is answering in, a follow-up (no mention needed)."""
        text = question_from_slack(event.get("text") or "", getattr(context, "bot_user_id", None))
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return is_question(text)
        conversation = question_of(event, body, context, in_dm=False).conversation
        try:
            joined = bool(self.bot.store.turns(conversation))
        except StoreError:
            return False
        return joined and is_question(text, min_words=1)

    def _question(self, event: dict, body: dict, context: Any, *, in_dm: bool,
                  quiet: bool = False) -> BoltResponse | None:
        """Record the question before Slack gets its 200; a 503 when it cannot be recorded, so Slack retries."""
        with request_id(body.get("event_id")):
            if ignored(event, context) or "channel" not in event or "ts" not in event:
                return None
            try:
                scope = self.team.scope("slack", None if in_dm else event["channel"])
                self.flow.receive(question_of(event, body, context, in_dm=in_dm, scope=scope, quiet=quiet))
            except Unavailable as exc:
                log.warning("not acknowledged, Slack will retry: %s", exc)
                return BoltResponse(status=503, body="", headers={"Retry-After": str(RETRY_AFTER_S)})
            return None

    @property
    def pending(self) -> int:
        """Questions held but not yet answered (for metrics and graceful shutdown)."""
        return self.flow.pending

    def drain(self, grace_s: float) -> int:
        """Stop taking questions, finish what is in flight for up to `grace_s`, hand the rest back."""
        return self.flow.drain(grace_s)

    def close(self, wait: bool = True, grace_s: float = 0.0) -> None:
        """Stop the flow and the threads this adapter owns."""
        self.flow.close(grace_s)
        for executor in self.owned:
            executor.shutdown(wait=wait)
