"""Slack's Agents & AI Apps split view through bolt's `Assistant` (opt-in: `slack: {assistant: {}}` in the
channels file, and the second manifest, `slack_manifest_assistant.yaml`): a new assistant thread is offered
suggested prompts built from the knowledge base's articles, and each question in it goes through the one question
flow (as a DM thread: the thread is the conversation), the thread titled with its first question.

The message shortcut "Ask briefbot about this message" is registered here by its callback id; its listener is
SlackListeners.on_shortcut.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Assistant
from slack_bolt.response import BoltResponse

from adapters.slack_listeners import SlackListeners
from adapters.suggestions import suggested_questions
from bot.common.text import clip_words, one_line
from bot.language.phrases import phrase

log = logging.getLogger("briefbot.slack")

ASK_ABOUT_SHORTCUT = "briefbot_ask_about"  # the message shortcut's callback_id (both manifests)
PROMPTS = 4  # Slack shows up to four suggested prompts
PROMPT_TITLE_CHARS = 50
PROMPT_CHARS = 300  # the question a prompt sends (Discord caps its choices at 100; Slack does not need to)
THREAD_TITLE_CHARS = 80


def prompts_for(questions: list[str]) -> list[dict[str, str]]:
    """Slack's suggested prompts: a short title, and the question sent when it is picked."""
    return [{"title": clip_words(q, PROMPT_TITLE_CHARS), "message": q} for q in questions[:PROMPTS]]


def assistant_view(listeners: SlackListeners, language: str = "en") -> Assistant:
    """The bolt Assistant whose listeners hand questions to the flow (Bolt injects arguments by name)."""
    assistant = Assistant()

    @assistant.thread_started
    def started(set_suggested_prompts: Any) -> None:
        try:
            articles = listeners.bot.articles(listeners.team.scope("slack", None))
            questions = suggested_questions(articles, language, limit=PROMPTS, max_chars=PROMPT_CHARS)
            if questions:
                set_suggested_prompts(prompts=prompts_for(questions),
                                      title=phrase("suggest_prompts_title", language))
        except Exception as exc:  # noqa: BLE001 - a thread without suggestions still works
            log.warning("no suggested prompts (%s)", type(exc).__name__)

    @assistant.user_message
    def asked(event: dict, body: dict, context: Any, set_title: Any) -> BoltResponse | None:
        first = _first_in_thread(listeners, event, body, context)
        response = listeners.on_message(event, body, context)
        if first and response is None and (event.get("text") or "").strip():
            try:
                set_title(title=clip_words(one_line(event["text"]), THREAD_TITLE_CHARS))
            except Exception as exc:  # noqa: BLE001 - the answer matters, the title does not
                log.info("no thread title (%s)", type(exc).__name__)
        return response

    return assistant


def _first_in_thread(listeners: SlackListeners, event: dict, body: dict, context: Any) -> bool:
    """Whether this is the thread's first question (its conversation has no turns yet)."""
    team = body.get("team_id") or event.get("team") or getattr(context, "team_id", None) or "-"
    conversation = f"slack:{team}:{event.get('channel')}:{event.get('thread_ts')}"
    try:
        return not listeners.bot.store.turns(conversation)
    except Exception:  # noqa: BLE001 - then no title
        return False
