"""The hand-off to a person ("Still need help?"), the same on every platform: each answer is handed off once.

A press takes the answer's hand-off record in the state store's work log (bot/state/work.py) the way the question
flow takes a question: the first press holds it, a second press (the same person twice, or two workers at once)
finds it held or done and posts nothing. Once the case is posted the record is marked done and kept for
HANDOFF_KEEP_S; when posting fails it is released, so the next press tries again. The platform posts the case
(adapters/slack_handoff.py, adapters/discord_handoff.py); this module only decides whether it may.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

from bot.common.errors import StoreError
from bot.common.models import Answer
from bot.core.bot import Bot
from bot.state.work import BUSY, DONE, Work

log = logging.getLogger("briefbot.handoff")

HANDOFF_LEASE_S = 60.0  # a press being posted holds the record this long (a worker that dies frees it then)
HANDOFF_KEEP_S = 30 * 24 * 3600.0  # an answer handed off once is not handed off again for a month

# What a press found:
SEND = "send"  # this press posts the case
ALREADY = "already"  # handed off before (or being handed off right now by another press)
UNKNOWN = "unknown"  # the answer is no longer remembered
DOWN = "down"  # the state store could not be asked: nothing posted, the asker may try again


@dataclass(frozen=True)
class Case:
    """What goes to the person called in: the question, the answer and its sources, and where it was asked."""

    key: str
    answer_id: str
    conversation: str
    question: str
    answer: Answer
    user: str  # who pressed (a platform user id)
    owner: str  # this press's hold on the record


class HandOffs:
    """Decides, once per answer across presses and workers, who posts the case."""

    def __init__(self, bot: Bot, platform: str) -> None:
        self.bot = bot
        self.platform = platform

    def begin(self, answer_id: str, user: str) -> tuple[str, Case | None]:
        """(SEND, case) for the press that must post the case; (ALREADY | UNKNOWN | DOWN, None) otherwise."""
        key = f"handoff:{self.platform}:{answer_id}"
        owner = uuid.uuid4().hex  # each press its own: two presses in one process must not share a hold
        try:
            found = self.bot.store.find_answer(answer_id)
            if found is None:
                return UNKNOWN, None
            state, _ = self.bot.work.begin_work(Work(key, json.dumps({"user": user})), owner, HANDOFF_LEASE_S)
        except StoreError as exc:
            log.warning("hand-off of %s not started: %s", answer_id, exc.message)
            return DOWN, None
        if state in (DONE, BUSY):
            log.info("hand-off of %s pressed again (%s)", answer_id, state)
            return ALREADY, None
        conversation, turn = found
        return SEND, Case(key, answer_id, conversation, turn.question, turn.answer, user, owner)

    def sent(self, case: Case) -> None:
        """The case is posted: mark it done (so no later press posts it again) and keep it as a knowledge gap."""
        try:
            self.bot.work.finish_work(case.key, HANDOFF_KEEP_S)
        except StoreError as exc:  # its lease runs out: a later press could post it once more
            log.warning("hand-off of %s posted but not recorded (%s)", case.answer_id, exc.message)
        try:
            self.bot.escalate(case.answer_id, case.user, self.platform)
        except StoreError as exc:  # posted all the same; only the gap is missing
            log.warning("hand-off of %s not kept as a gap (%s)", case.answer_id, exc.message)
        log.info("answer %s handed off to a person", case.answer_id)

    def failed(self, case: Case) -> None:
        """Posting failed: let the next press try again."""
        try:
            self.bot.work.release_work([case.key], case.owner)
        except StoreError as exc:
            log.warning("hand-off of %s not released (%s); its lease will expire", case.answer_id, exc.message)
