"""The hand-off on Slack: "Still need help?" pressed → the case (question, answer, sources, a link to the thread) in
the escalation channel with the user group mentioned, and the button replaced by who was called in.

Whether this press may post is decided by adapters/handoff.py (once per answer, across presses and workers); the
message is built by the pure `case_message` below. Without a channel configured the case goes into the asker's own
thread, where mentioning the user group calls its members in.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk import WebClient

from adapters.chat_markdown import listed_sources, web_url
from adapters.handoff import SEND, UNKNOWN, Case, HandOffs
from adapters.slack_format import (
    Blocks,
    answer_mrkdwn,
    escape,
    handed_off,
    section,
    sources_block,
    truncate_mrkdwn,
)
from adapters.team import SlackEscalation
from bot.common.text import clip_line
from bot.language.phrases import phrase

log = logging.getLogger("briefbot.slack")

CASE_ANSWER_CHARS = 2_000  # the answer as the team sees it: enough to judge it, the link has the rest
CASE_QUESTION_CHARS = 500
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _user(user_id: str) -> str:
    """A user mention for an id from Slack's payload (anything else is shown as plain text)."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else escape(user_id)


def case_message(case: Case, *, permalink: str, usergroup: str | None) -> tuple[str, Blocks]:
    """The case as the person called in sees it: who asked, the question, the answer and its sources, a link."""
    answer, lang = case.answer, case.answer.language
    header = "🙋 " + (f"<!subteam^{usergroup}> " if usergroup else "") + phrase("handoff_case", lang,
                                                                                 user=_user(case.user))
    question = escape(clip_line(case.question or answer.question, CASE_QUESTION_CHARS))
    flag = "" if answer.grounded else " _" + escape(phrase("handoff_ungrounded", lang)) + "_"
    blocks = [
        section(header),
        section(f"*{escape(phrase('handoff_question', lang))}*\n>{question}"),
        section(f"*{escape(phrase('handoff_answer', lang))}*{flag}\n"
                f"{truncate_mrkdwn(answer_mrkdwn(answer), CASE_ANSWER_CHARS)}"),
    ]
    src = sources_block(listed_sources(answer), lang)
    if src is not None:
        blocks.append(src)
    url = web_url(permalink)
    if url:
        blocks.append(section(f"<{escape(url)}|{escape(phrase('handoff_open', lang))}>"))
    return truncate_mrkdwn(f"{header}: {question}", 3_000), blocks


def called_in_note(escalation: SlackEscalation, presser: str, language: str) -> str:
    """What the thread is told: who pressed, who was called in and where (a channel link pings nobody)."""
    who = escape(escalation.label) if escalation.label else escape(phrase("handoff_team", language))
    where = phrase("handoff_where", language, channel=f"<#{escalation.channel}>") if escalation.channel else ""
    return phrase("handoff_done", language, presser=_user(presser), who=who, where=where)


class SlackHandOff:
    """The button's listener (Bolt injects arguments by name)."""

    def __init__(self, handoffs: HandOffs, escalation: SlackEscalation) -> None:
        self.handoffs = handoffs
        self.escalation = escalation

    def on_press(self, ack: Any, body: dict, action: dict, client: WebClient) -> None:
        ack()
        answer_id = str(action.get("value") or "")
        user = str((body.get("user") or {}).get("id", ""))
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
        ts = str(container.get("message_ts") or message.get("ts") or "")
        thread_ts = message.get("thread_ts") or ts
        try:
            state, case = self.handoffs.begin(answer_id, user)
            if case is None:
                language = self.handoffs.bot.answer_language(answer_id)
                key = "handoff_unknown" if state == UNKNOWN else "handoff_already" if state != "down" \
                    else "handoff_failed"
                self._tell(client, channel, user, thread_ts, phrase(key, language))
                return
            assert state == SEND
            language = case.answer.language
            try:
                self._post_case(client, case, channel, ts, thread_ts)
            except Exception as exc:  # noqa: BLE001 - the press is released; the asker may press again
                log.warning("hand-off of %s not posted (%s)", answer_id, type(exc).__name__)
                self.handoffs.failed(case)
                self._tell(client, channel, user, thread_ts, phrase("handoff_failed", language))
                return
            self.handoffs.sent(case)
            note = called_in_note(self.escalation, user, language)
            client.chat_update(channel=channel, ts=ts, text=message.get("text") or "",
                               blocks=handed_off(message.get("blocks") or [], note))
        except Exception:
            log.exception("handling a hand-off press failed")

    def _post_case(self, client: WebClient, case: Case, channel: str, ts: str, thread_ts: str) -> None:
        try:
            permalink = str(client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink") or "")
        except Exception as exc:  # noqa: BLE001 - the case goes out without its link
            log.info("no permalink for the hand-off (%s)", type(exc).__name__)
            permalink = ""
        text, blocks = case_message(case, permalink=permalink, usergroup=self.escalation.usergroup)
        if self.escalation.channel:
            client.chat_postMessage(channel=self.escalation.channel, text=text, blocks=blocks)
        else:  # a user group only: called into the asker's own thread
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)

    def _tell(self, client: WebClient, channel: str, user: str, thread_ts: str, text: str) -> None:
        """A line only the presser sees."""
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=escape(text), thread_ts=thread_ts)
        except Exception as exc:  # noqa: BLE001 - nothing more to do
            log.info("could not tell the presser (%s)", type(exc).__name__)
