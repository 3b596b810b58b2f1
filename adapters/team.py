"""The channels file (BRIEFBOT_CHANNELS, YAML): who is called in when an answer does not help, which channels are
answer channels, and which articles each channel answers from. Validated at start (pydantic): a mistake stops the
program with one line that says where it is.

```yaml
default: {tags: [general]}          # DMs and channels not listed; leave out: every article
slack:
  escalation: {channel: C0HELPDESK, usergroup: S0EDITORS, label: the news desk}
  channels:
    C0SPORT: {tags: [sport], answer_all: true}
    C0FOREIGN: {ids: ["2023-03-*"]}
discord:
  escalation: {channel: 1300000000000000010, role: 1500000000000000011}
  channels:
    1300000000000000003: {tags: [sport], answer_all: true}
```
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from bot.common.config import Settings
from bot.common.errors import ConfigError
from bot.common.models import Scope
from knowledge.tags import tag_list

SETTING = "BRIEFBOT_CHANNELS"


def _text(value: Any) -> Any:
    """Ids written as YAML numbers (Discord's snowflakes) are read as the strings they are."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Id = Annotated[str, BeforeValidator(_text)]
SlackChannel = Annotated[Id, Field(pattern=r"^[CGD][A-Z0-9]{2,}$")]
SlackGroup = Annotated[Id, Field(pattern=r"^S[A-Z0-9]{2,}$")]
Snowflake = Annotated[Id, Field(pattern=r"^\d{15,21}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Articles(_Strict):
    """Which articles: by tag (front matter `tags:`, `briefbot ingest --tag`) or by id pattern (`2024-05-*`)."""

    tags: list[str] = []
    ids: list[str] = []

    @property
    def scope(self) -> Scope | None:
        return Scope(tag_list(self.tags), tuple(self.ids)) if self.tags or self.ids else None


class Channel(Articles):
    """One listed channel: its articles, and whether every question there is answered without a mention."""

    answer_all: bool = False


class SlackEscalation(_Strict):
    """Where a hand-off goes on Slack: a channel (the case is posted there), a user group (mentioned), or both."""

    channel: SlackChannel | None = None
    usergroup: SlackGroup | None = None
    label: str = Field("", max_length=80)

    @model_validator(mode="after")
    def _somewhere(self) -> SlackEscalation:
        if not self.channel and not self.usergroup:
            raise ValueError("needs a channel, a usergroup or both")
        return self


class DiscordEscalation(_Strict):
    """Where a hand-off goes on Discord: a channel (the case is posted there), a role (mentioned), or both."""

    channel: Snowflake | None = None
    role: Snowflake | None = None
    label: str = Field("", max_length=80)

    @model_validator(mode="after")
    def _somewhere(self) -> DiscordEscalation:
        if not self.channel and not self.role:
            raise ValueError("needs a channel, a role or both")
        return self


class SlackAssistant(_Strict):
    """The Agents & AI Apps split view (opt-in): its suggested prompts are in this language."""

    language: Literal["en", "nl"] = "en"


class SlackTeam(_Strict):
    escalation: SlackEscalation | None = None
    channels: dict[SlackChannel, Channel] = {}
    assistant: SlackAssistant | None = None


class DiscordTeam(_Strict):
    escalation: DiscordEscalation | None = None
    channels: dict[Snowflake, Channel] = {}
    message_content: bool = False  # read follow-ups without a mention (on by itself with answer channels)
    solved_tag: Annotated[str, Field(min_length=1, max_length=20)] = "Solved"  # the tag "Mark solved" applies


class Team(_Strict):
    """The whole file; an absent file is an empty Team: every article everywhere, mentions only, no hand-off."""

    default: Articles = Articles()
    slack: SlackTeam = SlackTeam()
    discord: DiscordTeam = DiscordTeam()

    def _channels(self, platform: str) -> dict[str, Channel]:
        return self.slack.channels if platform == "slack" else self.discord.channels

    def scope(self, platform: str, channel: str | int | None) -> Scope | None:
        """The articles a question in this channel is answered from (a DM or an unlisted channel: the default)."""
        listed = self._channels(platform).get(str(channel)) if channel is not None else None
        return listed.scope if listed is not None and listed.scope is not None else self.default.scope

    def answers_all(self, platform: str, channel: str | int | None) -> bool:
        """Whether this is an answer channel: every new top-level question answered, no mention needed."""
        listed = self._channels(platform).get(str(channel)) if channel is not None else None
        return listed is not None and listed.answer_all


def load_team(settings: Settings) -> Team:
    """The channels file named by BRIEFBOT_CHANNELS (none: an empty Team); a ConfigError of one line otherwise."""
    return read_team(settings.channels_file) if settings.channels_file else Team()


def read_team(path: Path) -> Team:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{SETTING} names {path}, which does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{SETTING}: {path} cannot be read ({type(exc).__name__}).") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{SETTING}: {path} is not valid YAML{where}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{SETTING}: {path} must be a mapping with default, slack and discord keys.")
    try:
        return Team.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{SETTING}: {path}: {describe(exc)}") from None


_WHAT = {
    "extra_forbidden": "is not a known key",
    "string_pattern_mismatch": "is not a valid id here",
    "list_type": "must be a list",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "string_too_long": "is too long",
}


def describe(exc: ValidationError) -> str:
    """The first problem as `where: what` (never more than one line)."""
    err = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in err["loc"] if p != "[key]") or "the file"
    if err["type"] == "value_error":
        what = str((err.get("ctx") or {}).get("error") or err["msg"]).removeprefix("Value error, ")
    else:
        what = _WHAT.get(err["type"], str(err["msg"]).splitlines()[0].lower())
    if err["type"] == "string_pattern_mismatch":
        key = where.rsplit(".", 1)[-1]
        hint = {"usergroup": "a Slack user group id (S…)", "role": "a Discord role id (digits)"}.get(key)
        what = f"is not {hint}" if hint else "is not a channel id (Slack: C…/G…, Discord: digits)"
    return f"{where} {what}."
