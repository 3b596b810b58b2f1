"""Logging: text or JSON lines, a request id on every record, and nothing secret at INFO."""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("briefbot_request_id", default="-")
# Anything shaped like a Slack, Discord, OpenAI, GitHub, GitLab, AWS or Google token or key is masked, whoever wrote it.
_SECRET = re.compile(
    r"(xox[abposre]-[\w-]+|xapp-[\w-]+|sk-[\w-]{10,}|Bot [\w.-]{30,}|[MN][\w-]{23,25}\.[\w-]{6}\.[\w-]{27,}"
    r"|gh[pousr]_\w{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|AKIA[0-9A-Z]{16}|AIza[\w-]{35}"
    r"|(?<=/webhooks/)\d+/[\w.-]{20,}|(?<=/interactions/)\d+/[\w.-]{20,})"  # interaction tokens in URLs
)


# secret values from the environment (bot.common.config registers them); masked wherever they appear
_KNOWN: set[str] = set()
_MIN_KNOWN = 6  # shorter values would mask ordinary words


def mask_values(values: Iterable[str]) -> None:
    """Mask these exact values (tokens, keys, passwords from the environment) in every later redact()."""
    _KNOWN.update(v.strip() for v in values if len(v.strip()) >= _MIN_KNOWN)


def redact(text: str) -> str:
    """Token-shaped strings and known secret values replaced by [redacted]."""
    for value in sorted(_KNOWN, key=len, reverse=True):
        if value in text:
            text = text.replace(value, "[redacted]")
    return _SECRET.sub("[redacted]", text)


class _Context(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Root logging for a long-running adapter process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Context())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "urllib3", "chromadb", "slack_sdk.web.base_client", "discord.http"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # through the same formatter and masking
        server_log = logging.getLogger(name)
        server_log.handlers[:] = []
        server_log.propagate = True


@contextmanager
def request_id(value: str | None = None) -> Iterator[str]:
    """Tag every log record inside the block with one id (an event id, an interaction id)."""
    rid = value or uuid.uuid4().hex[:12]
    token = REQUEST_ID.set(rid)
    try:
        yield rid
    finally:
        REQUEST_ID.reset(token)
