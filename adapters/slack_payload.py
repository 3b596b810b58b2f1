"""The shape a verified Slack payload must have before Bolt reads it: the fields Bolt routes by (and our listeners
read) with Slack's types, checked by pydantic. Bolt's extractors assume those types (`"id" in user`,
`body["event"]["type"]`), so a signed body with a number where Slack sends a string was a 500 and a traceback
(issue 23); here it is one line naming the field, and a 400.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator


class _Open(BaseModel):
    """Slack adds fields all the time: everything not named here passes as it is."""

    model_config = ConfigDict(extra="allow")


class Ref(_Open):
    """A user, team, channel or enterprise given as an object rather than its id."""

    id: str | None = None
    team_id: str | None = None
    name: str | None = None


IdOrRef = str | Ref


class Authorization(_Open):
    team_id: str | None = None
    user_id: str | None = None
    enterprise_id: str | None = None
    is_bot: bool | None = None
    is_enterprise_install: bool | str | None = None


class View(_Open):
    id: str | None = None
    callback_id: str | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None
    private_metadata: str | None = None
    state: dict[str, Any] = {}


class Action(_Open):
    action_id: str | None = None
    block_id: str | None = None
    value: str | None = None
    type: str | None = None


class Inner(_Open):
    """An event, a message, an item: the ids Bolt extracts, the text our listeners read. A key that is present must
    have its type (None only where Slack sends null); absent keys are fine."""

    type: str = ""
    subtype: str | None = None
    user: IdOrRef | None = None
    team: IdOrRef | None = None
    channel: IdOrRef | None = None
    enterprise: IdOrRef | None = None
    user_id: str | None = None
    team_id: str | None = None
    channel_id: str | None = None
    enterprise_id: str | None = None
    user_team: str | None = None
    bot_id: str | None = None
    channel_type: str | None = None
    text: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    event_ts: str | None = None
    callback_id: str | None = None
    function_execution_id: str | None = None
    bot_access_token: str | None = None
    inputs: dict[str, Any] | None = None
    function: dict[str, Any] = {}
    message: Inner = None  # type: ignore[assignment]  # absent is fine; present must be an object
    previous_message: Inner = None  # type: ignore[assignment]
    item: Inner = None  # type: ignore[assignment]
    assistant_thread: Inner = None  # type: ignore[assignment]
    edited: dict[str, Any] | None = None
    files: list[dict[str, Any]] | None = None


class Envelope(Inner):
    """A whole payload: an Events API envelope, an interaction (`payload=`), or a form (slash command)."""

    event: Inner = None  # type: ignore[assignment]
    event_id: str | None = None
    api_app_id: str | None = None
    authorizations: list[Authorization] | None = None
    is_ext_shared_channel: bool | None = None
    is_enterprise_install: bool | str | None = None
    context_team_id: str | None = None
    context_enterprise_id: str | None = None
    view: View = None  # type: ignore[assignment]
    container: dict[str, Any] = {}
    actions: list[Action] = []
    response_url: str | None = None
    response_urls: list[dict[str, Any]] = []
    trigger_id: str | None = None
    command: str | None = None
    action_id: str | None = None
    challenge: str | None = None
    function_data: dict[str, Any] = {}

    @model_validator(mode="after")
    def _event_has_a_type(self) -> Envelope:
        if self.type == "event_callback" and (self.event is None or not self.event.type):
            raise ValueError("an event_callback needs an event object with a type")
        return self


def payload_problem(payload: dict[str, Any]) -> str | None:
    """What keeps Bolt from reading this payload (None: nothing), as a short phrase naming the field."""
    try:
        Envelope.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("function-", "union[")))
        return f"{where or 'payload'}: {err['msg']}"[:200]
    except RecursionError:
        return "nested too deeply"
    return None
