"""👍/👎 on Slack: the vote is stored at the click; a 👎 also opens a modal asking for an optional one-line reason."""
from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from adapters.slack_format import ACTION_FEEDBACK, ACTION_UP, thanked
from bot.core.bot import MAX_REASON_CHARS, Bot
from bot.language.phrases import phrase

log = logging.getLogger("briefbot.slack")

REASON_VIEW = "briefbot_feedback_reason"  # the modal's callback_id
REASON_BLOCK, REASON_INPUT = "reason", "reason_input"


def reason_modal(answer_id: str, language: str) -> dict:
    """The 👎 modal: one optional line; the answer id rides along in private_metadata."""
    return View(
        type="modal", callback_id=REASON_VIEW, private_metadata=json.dumps({"answer_id": answer_id}),
        title=PlainTextObject(text=phrase("feedback_reason_title", language)),
        submit=PlainTextObject(text=phrase("feedback_reason_submit", language)),
        blocks=[InputBlock(
            block_id=REASON_BLOCK, optional=True, label=PlainTextObject(text=phrase("feedback_reason_label", language)),
            element=PlainTextInputElement(action_id=REASON_INPUT, max_length=MAX_REASON_CHARS, multiline=False),
        )],
    ).to_dict()


def vote_of(action: dict) -> tuple[str, str]:
    """("up" | "down", answer id) of a click: Slack's feedback_buttons carry "up:<id>" / "down:<id>" as the value;
    the hand-made buttons of older answers have the vote in their action_id and the id as the value."""
    value = str(action.get("value") or "")
    if action.get("type") == "feedback_buttons" or action.get("action_id") == ACTION_FEEDBACK:
        vote, _, answer_id = value.partition(":")
        return ("up" if vote == "up" else "down"), answer_id
    return ("up" if action.get("action_id") == ACTION_UP else "down"), value


class SlackFeedback:
    """The button and modal listeners (Bolt injects arguments by name)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def on_feedback(self, ack: Any, body: dict, action: dict, client: WebClient) -> None:
        """Record a 👍/👎 with what it is about, swap the buttons for a thank-you, and ask a 👎 why."""
        ack()
        try:
            vote, answer_id = vote_of(action)
            user = (body.get("user") or {}).get("id", "")
            if self.bot.record_feedback(answer_id, vote, user, "slack") is None:
                log.info("feedback for an unknown answer ignored")
                return
            language = self.bot.answer_language(answer_id)
            if vote == "down" and body.get("trigger_id"):
                try:  # the trigger id lives 3 s: open the modal before anything slower
                    client.views_open(trigger_id=body["trigger_id"], view=reason_modal(answer_id, language))
                except Exception as exc:  # noqa: BLE001 - the vote is stored; the reason is optional
                    log.warning("could not ask for a reason (%s)", type(exc).__name__)
            message = body.get("message") or {}
            container = body.get("container") or {}
            channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
            ts = container.get("message_ts") or message.get("ts")
            client.chat_update(
                channel=str(channel or ""), ts=str(ts or ""), text=message.get("text") or "",
                blocks=thanked(message.get("blocks") or [], vote, language),
            )
            log.info("feedback %s recorded for answer %s", vote, answer_id)
        except Exception:
            log.exception("recording feedback failed")

    def on_reason(self, ack: Any, body: dict, view: dict) -> None:
        """The 👎 modal was sent: store its line with the vote (an empty line keeps the vote as it is)."""
        ack()
        try:
            answer_id = json.loads(view.get("private_metadata") or "{}").get("answer_id", "")
            values = (view.get("state") or {}).get("values") or {}
            reason = ((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or ""
            user = (body.get("user") or {}).get("id", "")
            if reason.strip() and self.bot.record_feedback(answer_id, "down", user, "slack", reason=reason):
                log.info("feedback reason recorded for answer %s", answer_id)
        except Exception:
            log.exception("recording a feedback reason failed")
