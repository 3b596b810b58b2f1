"""Slack's own AI surfaces for the question flow: the loading status (`assistant.threads.setStatus`, what bolt's
`set_status` calls) instead of a placeholder message, and native streaming (slack_sdk's `chat_stream`, what bolt's
`say_stream` returns: chat.startStream/appendStream/stopStream) for an LLM's answer, with the sources and the
feedback controls attached when the stream stops.

Both are used only where a takeover can still find the answer: the status leaves no message behind, so a worker
that dies after posting the answer must be found by the worker that takes its question over
(conversations.replies, SlackTransport.find_reply). That needs the history scope of the conversation's kind
(`im:history`, `channels:history`, `groups:history`); the scopes the token has come from `auth.test`'s
`x-oauth-scopes` header. Where the status cannot be set (an older workspace, a missing scope) the flow posts the
placeholder as before, and a stream that cannot start falls back to edits of a message.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.flow import Question
from adapters.slack_format import Blocks, escape
from bot.language.phrases import phrase

log = logging.getLogger("briefbot.slack")

STREAM_BUFFER = 120  # characters buffered before chat.appendStream (Slack rate-limits appends; ~2 a second here)
HISTORY_SCOPE = {"D": "im:history", "C": "channels:history", "G": "groups:history"}
GIVE_UP = frozenset({"missing_scope", "not_allowed_token_type", "unknown_method", "method_deprecated",
                     "feature_not_enabled", "not_authed", "invalid_auth"})  # this workspace or token: never
_OPEN_LINK = re.compile(r"\[[^\]\n]{0,300}(\]\([^)\s]{0,2000})?\]?$")
_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(([^)\s]{1,2000})\)")


def granted_scopes(client: WebClient) -> frozenset[str] | None:
    """The bot token's scopes, from auth.test's `x-oauth-scopes` header; None when they cannot be read."""
    try:
        response: Any = client.auth_test()
    except Exception as exc:  # noqa: BLE001 - then the placeholder is used, as before
        log.info("could not read the token's scopes (%s)", type(exc).__name__)
        return None
    raw = {k.lower(): v for k, v in (response.headers or {}).items()}.get("x-oauth-scopes")
    value = raw[0] if isinstance(raw, list) else raw
    return frozenset(s.strip() for s in str(value).split(",") if s.strip()) if value else None


def safe_markdown(text: str) -> tuple[str, int]:
    """A streamed answer's text made safe for Slack's markdown: `&`, `<`, `>` escaped (no `<!channel>` from a
    model), links written out with their target (`label (url)`). Returns the text ready to send and how much of
    `text` it covers: a link still being written is held back until it is whole."""
    held = _OPEN_LINK.search(text)
    ready = text[: held.start()] if held else text
    return escape(_LINK.sub(r"\1 (\2)", ready)), len(ready)


class SlackNative:
    """The status and the stream for one Slack transport; each switches itself off for good after Slack says
    the workspace or token cannot use it."""

    def __init__(self, client: WebClient, scopes: frozenset[str] | None, *, status: bool = True,
                 stream: bool = True) -> None:
        self.client = client
        self.scopes = scopes
        self.status_on = status
        self.stream_on = stream

    def findable(self, q: Question) -> bool:
        """Whether a takeover could find the bot's reply in this conversation (its history scope is granted)."""
        scope = HISTORY_SCOPE.get(str(q.place.get("channel", ""))[:1])
        return bool(q.place.get("thread_ts")) and self.scopes is not None and scope in self.scopes

    def show_status(self, q: Question, language: str) -> bool:
        """"briefbot is looking through the articles…" under the question, instead of a placeholder message."""
        if not self.status_on or not self.findable(q):
            return False
        try:
            self.client.assistant_threads_setStatus(
                channel_id=q.place["channel"], thread_ts=q.place["thread_ts"], status=phrase("slack_status", language),
                loading_messages=[phrase("slack_status", language), phrase("slack_status_reading", language)])
        except SlackApiError as exc:
            self.status_on = self._keep(exc, "status")
            return False
        except Exception as exc:  # noqa: BLE001 - the placeholder it is
            log.info("no status (%s)", type(exc).__name__)
            return False
        return True

    def open_stream(self, q: Question) -> Any:
        """A ChatStream in the question's thread (nothing is sent until its buffer fills), or None."""
        if not self.stream_on or q.quiet or not self.findable(q):
            return None
        _, team, user = (q.user.split(":", 2) + ["", ""])[:3]
        return self.client.chat_stream(channel=q.place["channel"], thread_ts=q.place["thread_ts"],
                                       recipient_team_id=team, recipient_user_id=user, buffer_size=STREAM_BUFFER)

    def append(self, stream: Any, text: str, sent: int) -> int:
        """Stream what is new in `text` since `sent`; returns how much of it has been handed to the stream."""
        ready, covered = safe_markdown(text[sent:])
        if ready:
            try:
                stream.append(markdown_text=ready)
            except SlackApiError as exc:
                self.stream_on = self._keep(exc, "streaming")
                raise
        return sent + covered

    def close(self, stream: Any, message: tuple[str, Blocks], text: str, sent: int) -> str:
        """Stop the stream: the rest of the text, then the answer's blocks below it (how sure, sources, feedback,
        hand-off); a notice (an error mid-answer) is added as text. Returns the message's ts."""
        fallback, blocks = message
        below = [b for b in blocks if b.get("type") != "section"]
        rest, _ = safe_markdown(text[sent:])
        if not below:  # a notice, already escaped: after what was streamed
            rest += "\n\n" + fallback
        stream.stop(markdown_text=rest or None, blocks=below or None)
        return str(stream.ts or "")

    def _keep(self, exc: SlackApiError, what: str) -> bool:
        """Whether to keep trying after this error: not when it says this workspace or token cannot."""
        error = str(exc.response.get("error") or "")
        log.info("no %s (%s)", what, error or type(exc).__name__)
        return error not in GIVE_UP
