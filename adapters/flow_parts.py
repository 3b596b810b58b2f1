"""The seams of the shared question flow (adapters/flow.py): the Question it carries, the Format and Transport a
platform provides, and its settings."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from bot.common.errors import ConfigError
from bot.common.models import Scope
from bot.state.work import WORK_LEASE_S


@dataclass(frozen=True)
class Question:
    """A platform event as the flow sees it; `place` is the transport's own address for the reply (JSON-able)."""

    key: str  # one per platform message or interaction: the work record's key
    platform: str
    user: str  # whose per-user limit applies
    conversation: str
    text: str  # as received: the Format cleans it, after the length check
    place: dict[str, Any] = field(default_factory=dict)
    in_dm: bool = False
    scope: dict[str, list[str]] | None = None  # the channel's articles (Scope.to_dict); None: every article
    quiet: bool = False  # asked without a mention in an answer channel: only a grounded answer is posted

    @classmethod
    def scoped(cls, scope: Scope | None, **fields: Any) -> Question:
        """A Question carrying a channel's Scope (kept as JSON in the work record)."""
        return cls(**fields, scope=scope.to_dict() if scope is not None else None)

    @property
    def articles(self) -> Scope | None:
        """The Scope this question is answered within."""
        return Scope.from_dict(self.scope)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Question:
        return cls(**json.loads(raw))


class Format(Protocol):
    """A platform's pure rendering (adapters/slack_format.py, adapters/discord_format.py), limits built in."""

    def question(self, q: Question) -> str: ...
    def placeholder(self, language: str) -> Any: ...
    def queued(self, language: str, position: int) -> Any: ...
    def streaming(self, partial: str) -> Any: ...
    def answer(self, answer: Any) -> Any: ...
    def notice(self, text: str) -> Any: ...
    def usage(self, language: str, q: Question) -> Any: ...


class Transport(Protocol):
    """How messages reach a platform."""

    edit_interval_s: float  # at most one edit of a message this often
    first_edit_waits: bool  # whether posting the placeholder counts as an edit for that interval

    def post(self, q: Question, message: Any) -> str: ...
    def edit(self, q: Question, message_id: str, message: Any) -> None: ...
    def notice(self, q: Question, message: Any, reply_id: str) -> None: ...
    # optional: find_reply(q) -> str, the bot's message already there for a question taken over from a dead worker
    # optional: show_status(q, language) -> bool, a platform's own "working on it" instead of a placeholder message
    # optional: open_stream(q) -> handle | None, append(q, handle, text, sent) -> sent, close_stream(q, handle,
    #           message, text, sent) -> message id: the platform's native streaming of an LLM's answer


class Unavailable(Exception):
    """The question could not be recorded (state store down, or shutting down): the platform should retry."""


DRAIN_S = 20.0  # on SIGTERM: how long in-flight answers may take to finish (BRIEFBOT_DRAIN_SECONDS)


def seconds(settings: Any, name: str, default: float, minimum: float) -> float:
    """A number of seconds from the environment; a ConfigError naming the variable when it is not one."""
    raw = settings.optional(name, str(default)) or str(default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}.")
    return value


def drain_seconds(settings: Any) -> float:
    """BRIEFBOT_DRAIN_SECONDS: how long a stopping adapter lets the answers in flight finish."""
    return seconds(settings, "BRIEFBOT_DRAIN_SECONDS", DRAIN_S, 0)


def flow_options(settings: Any) -> dict[str, Any]:
    """The flow's settings from the environment: BRIEFBOT_WORK_LEASE_SECONDS (how soon a stopped worker's questions
    are taken over) and BRIEFBOT_REFUSE_UNRECORDED (refuse, rather than answer, what the state store can't record)."""
    lease = seconds(settings, "BRIEFBOT_WORK_LEASE_SECONDS", WORK_LEASE_S, 1)
    refuse = (settings.optional("BRIEFBOT_REFUSE_UNRECORDED", "") or "").lower() in ("1", "true", "yes", "on")
    return {"lease_s": lease, "recover_every_s": min(2.0, lease / 3), "refuse_unrecorded": refuse}
