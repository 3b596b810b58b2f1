"""Settings from the environment (pydantic-settings): typed values, secrets that never print, one-line errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.common.errors import ConfigError
from bot.common.logs import redact


def test_values_are_read_typed_and_blank_means_unset(tmp_path: Path) -> None:
    s = Settings.from_env({
        "BRIEFBOT_DATA_DIR": str(tmp_path), "BRIEFBOT_TOP_K": " 6 ", "CHROMA_SSL": "yes", "LOG_FORMAT": "JSON",
        "BRIEFBOT_LLM": "", "REDIS_URL": "  ",
    })
    assert (s.data_dir, s.top_k, s.chroma_ssl, s.log_format) == (tmp_path, 6, True, "json")
    assert s.llm is None and s.redis_url is None and s.llm_max_chars == 4000


def test_an_explicit_mapping_ignores_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_TOP_K", "9")
    assert Settings.from_env({}).top_k == 4
    assert Settings.from_env().top_k == 9


def test_tokens_are_secret_types_and_never_in_a_repr() -> None:
    token = "discord-token-value-0123456789"
    s = Settings.from_env({"DISCORD_TOKEN": token, "CHROMA_AUTH_TOKEN": "chroma-secret-123"})
    assert s.discord_token is not None and s.discord_token.get_secret_value() == token
    assert token not in repr(s) and token not in str(s) and "chroma-secret-123" not in repr(s)
    assert s.require("DISCORD_TOKEN") == token  # adapters still get the plain value to hand to their client


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BRIEFBOT_TOP_K", "lots-of-them", "BRIEFBOT_TOP_K must be a whole number between 1 and 20."),
        ("BRIEFBOT_TOP_K", "500", "BRIEFBOT_TOP_K must be a whole number between 1 and 20."),
        ("CHROMA_SSL", "perhaps-secretly", "CHROMA_SSL must be true or false."),
        ("LOG_FORMAT", "xml-secretly", "LOG_FORMAT must be one of: text or json."),
        ("BRIEFBOT_LLM", "gpt-secretly", "BRIEFBOT_LLM must look like provider:model, e.g. openai:gpt-4o-mini."),
        ("BRIEFBOT_LLM_TIMEOUT", "-5", "BRIEFBOT_LLM_TIMEOUT must be at least 0.1."),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_never_the_value(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env({name: value})
    assert err.value.message == message
    assert value not in err.value.message and "\n" not in err.value.message
    assert err.value.__cause__ is None and err.value.__suppress_context__  # pydantic's text (with the value) dropped


def test_require_names_a_missing_or_malformed_token() -> None:
    s = Settings.from_env({"SLACK_BOT_TOKEN": "not-a-bot-token-value"})
    with pytest.raises(ConfigError, match="^SLACK_APP_TOKEN is not set. Hint.$"):
        s.require("SLACK_APP_TOKEN", hint="Hint.")
    with pytest.raises(ConfigError) as err:
        s.require("SLACK_BOT_TOKEN", prefix="xoxb-")
    assert "SLACK_BOT_TOKEN" in err.value.message and "not-a-bot-token-value" not in err.value.message
    assert s.optional("SLACK_SIGNING_SECRET", "dflt") == "dflt"


def test_secret_values_from_the_environment_are_masked_in_logs_and_errors() -> None:
    """Any variable named like a secret (and a password in REDIS_URL) is masked wherever it would be printed."""
    Settings.from_env({"MY_PROVIDER_API_KEY": "plain-looking-value-42", "REDIS_URL": "redis://:hunter2pw@db:6379/0"})
    line = "provider said: bad key plain-looking-value-42; redis auth hunter2pw failed"
    assert redact(line) == "provider said: bad key [redacted]; redis auth [redacted] failed"


@pytest.mark.parametrize(("env", "message"), [
    ({"BRIEFBOT_DRAIN_SECONDS": "soon"}, "BRIEFBOT_DRAIN_SECONDS must be a number of seconds."),
    ({"BRIEFBOT_DRAIN_SECONDS": "-1"}, "BRIEFBOT_DRAIN_SECONDS must be at least 0."),
    ({"BRIEFBOT_WORK_LEASE_SECONDS": "0.5"}, "BRIEFBOT_WORK_LEASE_SECONDS must be at least 1."),
])
def test_the_adapters_seconds_are_read_in_one_place(env: dict[str, str], message: str) -> None:
    from adapters.flow_parts import drain_seconds, flow_options

    settings = Settings.from_env(env)
    with pytest.raises(ConfigError) as err:
        drain_seconds(settings) if "DRAIN" in next(iter(env)) else flow_options(settings)
    assert err.value.message == message
    assert drain_seconds(Settings.from_env({})) == 20.0 and flow_options(Settings.from_env({}))["lease_s"] == 10.0


def test_a_data_dir_that_is_a_file_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    afile = tmp_path / "notes.log"
    afile.write_text("x")
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"BRIEFBOT_DATA_DIR": str(afile)})
    assert "BRIEFBOT_DATA_DIR" in str(err.value) and "folder" in str(err.value) and "\n" not in str(err.value)
