"""The channels file (BRIEFBOT_CHANNELS): read into scopes, answer channels and hand-off targets; every mistake is
one line that says where it is."""
from __future__ import annotations

from pathlib import Path

import pytest

from adapters.team import Team, load_team
from bot.common.config import Settings
from bot.common.errors import ConfigError
from bot.common.models import Scope

GOOD = """
default: {tags: [General]}
slack:
  escalation: {channel: C0HELP, usergroup: S0EDITORS, label: the news desk}
  channels:
    C0SPORT: {tags: [sport, Football], answer_all: true}
    C0FOREIGN: {ids: ["2023-03-*"]}
    C0ASK: {answer_all: true}
discord:
  escalation: {role: 1500000000000000011}
  channels:
    1300000000000000003: {tags: [sport], answer_all: true}
"""


def team_of(tmp_path: Path, text: str) -> Team:
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    return load_team(Settings.from_env({"BRIEFBOT_CHANNELS": str(path), "BRIEFBOT_DATA_DIR": str(tmp_path)}))


def test_a_channels_file_is_read_into_scopes_answer_channels_and_targets(tmp_path):
    team = team_of(tmp_path, GOOD)
    assert team.scope("slack", "C0SPORT") == Scope(("sport", "football"))
    assert team.scope("slack", "C0FOREIGN") == Scope((), ("2023-03-*",))
    assert team.scope("slack", "C0ASK") == team.scope("slack", "D0DM") == Scope(("general",))  # the default
    assert team.scope("discord", 1300000000000000003) == Scope(("sport",))
    assert team.answers_all("slack", "C0SPORT") and team.answers_all("slack", "C0ASK")
    assert not team.answers_all("slack", "C0FOREIGN") and not team.answers_all("slack", "C0OTHER")
    assert team.slack.escalation is not None and team.slack.escalation.usergroup == "S0EDITORS"
    assert team.discord.escalation is not None and team.discord.escalation.role == "1500000000000000011"


def test_no_file_means_every_article_mentions_only_and_no_hand_off(tmp_path):
    team = load_team(Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path)}))
    assert team.scope("slack", "C1") is None and not team.answers_all("discord", "1")
    assert team.slack.escalation is None and team.discord.escalation is None


def test_scopes_admit_by_tag_or_id_pattern():
    scope = Scope(("sport",), ("2023-03-*",))
    assert scope.admits("x", ("local", "sport")) and scope.admits("2023-03-china", ())
    assert not scope.admits("2024-01-budget", ("politics",))


@pytest.mark.parametrize(("text", "message"), [
    ("slack: {channels: {C0SPORT: {tag: [sport]}}}", "slack.channels.C0SPORT.tag is not a known key."),
    ("slack: {channels: {general: {tags: [x]}}}",
     "slack.channels.general is not a channel id (Slack: C…/G…, Discord: digits)."),
    ("slack: {escalation: {usergroup: editors}}", "slack.escalation.usergroup is not a Slack user group id (S…)."),
    ("slack: {escalation: {label: x}}", "slack.escalation needs a channel, a usergroup or both."),
    ("discord: {escalation: {role: admins}}", "discord.escalation.role is not a Discord role id (digits)."),
    ("discord: {channels: {1300000000000000003: {answer_all: maybe}}}",
     "discord.channels.1300000000000000003.answer_all must be true or false."),
    ("default: {tags: sport}", "default.tags must be a list."),
    ("slack: [C0SPORT]", "slack must be a mapping."),
    ("- just a list", "must be a mapping with default, slack and discord keys."),
    ("slack: {channels: {C0X: {tags: [a}}", "is not valid YAML (line 1)."),
])
def test_every_mistake_is_one_line_that_says_where(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        team_of(tmp_path, text)
    line = err.value.message
    assert message in line and "\n" not in line and line.startswith("BRIEFBOT_CHANNELS: ")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"BRIEFBOT_CHANNELS names .*nope.yaml, which does not exist"):
        load_team(Settings.from_env({"BRIEFBOT_CHANNELS": str(tmp_path / "nope.yaml")}))
