"""What the Slack adapter does with an event: filter, deduplicate, show progress, answer, record feedback.

Kept apart from the Bolt/ASGI wiring in adapters/slack.py so each stays small; no Bolt imports here.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_sdk import WebClient

from adapters.slack_format import (
    ACTION_UP,
    Blocks,
    apology,
    format_answer,
    notice,
    placeholder,
    question_from_slack,
    streaming_message,
    thanked,
    usage_hint,
)
from bot import metrics
from bot.core import Bot
from bot.errors import BriefbotError, RateLimited
from bot.language import detect, phrase
from bot.logs import REQUEST_ID, request_id
from bot.models import Answer

log = logging.getLogger("briefbot.slack")

DEDUP_TTL_S = 3600.0  # Slack retries within minutes; Socket Mode redelivers after reconnects; an hour covers both
UPDATE_INTERVAL_S = 1.0  # chat.update is rate-limited: at most one edit a second per message
USER_SUBTYPES = frozenset({"file_share"})  # a person's own message with a file; every other subtype is noise
IGNORED_USERS = frozenset({"USLACKBOT"})


def post(client: WebClient, channel: str, thread_ts: str | None, text: str, blocks: Blocks) -> Any:
    """chat.postMessage, in the thread when there is one (JSON bodies keep None, so leave it out)."""
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    return client.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra)


class ThrottledMessage:
    """One Slack message we keep editing (placeholder → stream → answer), never faster than once a second.

    Without a placeholder (posting it failed), the first update posts the message instead.
    """

    def __init__(self, client: WebClient, channel: str, ts: str | None, interval_s: float = UPDATE_INTERVAL_S,
                 *, thread_ts: str | None = None) -> None:
        self.client, self.channel, self.ts = client, channel, ts
        self.thread_ts = thread_ts
        self.interval_s = interval_s
        self._last: float | None = None

    def update(self, text: str, blocks: Blocks, *, final: bool = False) -> bool:
        """Edit the message; an intermediate edit inside the interval is skipped, a final one waits its turn."""
        if self._last is not None:
            wait = self._last + self.interval_s - time.monotonic()
            if wait > 0:
                if not final:
                    return False
                time.sleep(wait)
        if self.ts is None:
            posted = post(self.client, self.channel, self.thread_ts, text, blocks)
            self.channel, self.ts = posted.get("channel") or self.channel, posted["ts"]
        else:
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
        self._last = time.monotonic()
        return True


class SlackListeners:
    """The Bolt listeners; questions are answered on a bounded pool so acks and placeholders never wait."""

    def __init__(self, bot: Bot, *, workers: int = 4, dedup_ttl_s: float = DEDUP_TTL_S) -> None:
        self.bot = bot
        self.workers = workers
        self.dedup_ttl_s = dedup_ttl_s
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="briefbot-slack-answer")
        self.owned: list[ThreadPoolExecutor] = []  # e.g. Bolt's listener pool, shut down with us
        self._pending = 0
        self._lock = threading.Lock()

    # --- Bolt listeners (Bolt injects arguments by name) ---

    def on_mention(self, event: dict, body: dict, context: Any, client: WebClient) -> None:
        self._question(event, body, context, client, in_dm=False)

    def on_message(self, event: dict, body: dict, context: Any, client: WebClient) -> None:
        """Direct messages only: in channels the bot answers when mentioned, through `app_mention`."""
        if event.get("channel_type") == "im":
            self._question(event, body, context, client, in_dm=True)

    def on_feedback(self, ack: Any, body: dict, action: dict, client: WebClient) -> None:
        """Record a 👍/👎 with what it is about, then swap the buttons for a thank-you."""
        ack()
        try:
            vote = "up" if action.get("action_id") == ACTION_UP else "down"
            answer_id = str(action.get("value") or "")
            user = (body.get("user") or {}).get("id", "")
            if self.bot.record_feedback(answer_id, vote, user, "slack") is None:
                log.info("feedback for an unknown answer ignored")
                return
            found = self.bot.store.find_answer(answer_id)
            language = found[1].answer.language if found else "en"
            message = body.get("message") or {}
            container = body.get("container") or {}
            channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
            ts = container.get("message_ts") or message.get("ts")
            client.chat_update(
                channel=channel, ts=ts, text=message.get("text") or "",
                blocks=thanked(message.get("blocks") or [], vote, language),
            )
            log.info("feedback %s recorded for answer %s", vote, answer_id)
        except Exception:
            log.exception("recording feedback failed")

    # --- the flow for one question ---

    def ignored(self, event: dict, context: Any) -> bool:
        """Bots (ours and others), Slackbot, edits, deletions and other subtypes: never answered."""
        if event.get("bot_id") or (event.get("subtype") and event["subtype"] not in USER_SUBTYPES):
            return True
        user = event.get("user")
        return not user or user in IGNORED_USERS or user == getattr(context, "bot_user_id", None)

    def claim(self, body: dict, channel: str, ts: str) -> bool:
        """First delivery of this event and of this message wins; retries, redeliveries and edits lose."""
        store = self.bot.store
        event_id = body.get("event_id")
        if event_id and not store.claim(f"slack:event:{event_id}", self.dedup_ttl_s):
            return False
        return store.claim(f"slack:msg:{channel}:{ts}", self.dedup_ttl_s)

    def _question(self, event: dict, body: dict, context: Any, client: WebClient, *, in_dm: bool) -> None:
        with request_id(body.get("event_id")):
            self._handle(event, body, context, client, in_dm=in_dm)

    def _handle(self, event: dict, body: dict, context: Any, client: WebClient, *, in_dm: bool) -> None:
        try:
            if self.ignored(event, context):
                return
            channel, ts = event["channel"], event["ts"]
            if not self.claim(body, channel, ts):
                metrics.DEDUP_HITS.labels("slack").inc()
                log.info("duplicate delivery of %s/%s skipped", channel, ts)
                return
            team = body.get("team_id") or event.get("team") or getattr(context, "team_id", None) or "-"
            # Channels: always a thread under the question. DMs: the DM itself, unless the user opened a thread.
            thread_ts = event.get("thread_ts") or (None if in_dm else ts)
            conversation = f"slack:{team}:{channel}:{thread_ts or 'dm'}"
            question = question_from_slack(event.get("text") or "", getattr(context, "bot_user_id", None))
            language = detect(question)
            if not question:
                text, blocks = usage_hint(language, in_dm=in_dm)
                post(client, channel, thread_ts, text, blocks)
                log.info("usage hint sent in %s", channel)
                return
            try:
                self.bot.admit(f"slack:{team}:{event.get('user')}", language, "slack")
            except RateLimited as e:
                post(client, channel, thread_ts, *notice(e.message))
                log.info("rate-limited a question in %s", channel)
                return
            self._accept(client, channel, thread_ts, question, conversation, language)
        except Exception:
            log.exception("handling a Slack event failed")

    def _accept(self, client: WebClient, channel: str, thread_ts: str | None, question: str, conversation: str,
                language: str) -> None:
        """Post the placeholder (or the place in line when every worker is busy) and queue the answer."""
        with self._lock:
            self._pending += 1
            position = self._pending - self.workers
        try:
            text, blocks = notice(phrase("queued", language, position=position)) if position > 0 \
                else placeholder(language)
            try:
                posted = post(client, channel, thread_ts, text, blocks)
                message = ThrottledMessage(client, posted.get("channel") or channel, posted["ts"])
            except Exception as exc:  # the event is claimed and acked: answer anyway, as a new message
                log.warning("could not post the placeholder in %s (%s); answering without it", channel,
                            type(exc).__name__)
                message = ThrottledMessage(client, channel, None, thread_ts=thread_ts)
            self.pool.submit(self._answer, message, question, conversation, language, REQUEST_ID.get())
        except BaseException:
            with self._lock:
                self._pending -= 1
            raise

    def _answer(self, message: ThrottledMessage, question: str, conversation: str, language: str, rid: str) -> None:
        with request_id(rid):
            self._answer_now(message, question, conversation, language)

    def _answer_now(self, message: ThrottledMessage, question: str, conversation: str, language: str) -> None:
        """Stream the answer into the placeholder; a user-facing error or an apology if it fails."""
        started = time.monotonic()
        try:
            final: Answer | None = None
            partial: list[str] = []
            def queued(position: int) -> None:  # every answering slot (across workers) is busy
                message.update(*notice(phrase("queued", language, position=position)))

            for item in self.bot.stream(question, conversation, on_queued=queued):
                if isinstance(item, Answer):
                    final = item
                else:
                    partial.append(item)
                    message.update(*streaming_message("".join(partial)))
            if final is None:
                raise RuntimeError("the engine finished without an Answer")
            message.update(*format_answer(final), final=True)
            log.info("answered in %s (%s) in %.2f s", message.channel, conversation, time.monotonic() - started)
        except BriefbotError as e:
            log.info("question in %s not answered: %s", conversation, type(e).__name__)
            self._last_word(message, *notice(e.message))
        except Exception:
            log.exception("answering failed in %s", conversation)
            self._last_word(message, *apology(language))
        finally:
            with self._lock:
                self._pending -= 1

    @staticmethod
    def _last_word(message: ThrottledMessage, text: str, blocks: Blocks) -> None:
        try:
            message.update(text, blocks, final=True)
        except Exception:
            log.exception("could not replace the placeholder in %s", message.channel)

    @property
    def pending(self) -> int:
        """Questions accepted but not yet answered (for metrics and graceful shutdown)."""
        return self._pending

    def close(self, wait: bool = True) -> None:
        """Finish (or drop) queued answers and stop the threads this adapter owns."""
        for executor in (self.pool, *self.owned):
            executor.shutdown(wait=wait)
