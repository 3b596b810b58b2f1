"""Production HTTP serving for Slack's Events API: uvicorn with N worker processes, checked before it starts.

`python -m adapters.serve --port 3000 --workers 4` (the Procfile's `web` line). Several workers need the shared
services: a Chroma server (CHROMA_HOST) since the embedded store is one-process only, and Redis for limits
shared across workers (SQLite in the data dir also works for dedup and memory on one machine).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import uvicorn

from adapters.slack import asgi_factory as slack_asgi_factory
from adapters.slack import check_token, load_config
from adapters.team import load_team
from bot.common.config import Settings
from bot.common.errors import BriefbotError, ConfigError
from bot.common.logs import configure


def preflight(settings: Settings, workers: int, host: str = "0.0.0.0", port: int = 3000) -> None:
    """Refuse a setup that cannot work, in one line, before any worker starts (each would print it, and uvicorn's
    supervisor would start them again and again): the variables, the port, and the token (Slack's auth.test)."""
    config = load_config(settings)
    load_team(settings)  # the channels file: checked once here rather than in every worker
    settings.require("SLACK_SIGNING_SECRET", hint="HTTP mode verifies every request with it.")
    if workers < 1:
        raise ConfigError("--workers must be 1 or more.")
    if workers > 1 and not settings.chroma_host:
        raise ConfigError(
            f"--workers {workers} needs a Chroma server: the embedded store is safe for one process only. "
            "Run `chroma run --path …` and set CHROMA_HOST (and CHROMA_PORT)."
        )
    check_port(host, port)
    check_token(config)


def check_port(host: str, port: int) -> None:
    """A port another process holds is one line naming it (uvicorn would log the bind error and exit)."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise BriefbotError(f"cannot listen on {host}:{port} ({exc.strerror or type(exc).__name__}): another process "
                            "may hold it; choose another with --port or PORT.") from None


def prepare_metrics_dir() -> None:
    """prometheus-client's multiprocess mode needs an empty directory per run."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        shutil.rmtree(path, ignore_errors=True)
        Path(path).mkdir(parents=True, exist_ok=True)


def with_admin(web: Any, settings: Settings) -> Any:
    """/admin beside the Events API, only when BRIEFBOT_ADMIN_TOKEN is set (never an open admin page)."""
    if settings.admin_token is None:
        return web
    try:
        from adapters.admin.app import admin_mount  # optional: the admin extra (Jinja2, python-multipart)
    except ImportError:
        raise ConfigError("BRIEFBOT_ADMIN_TOKEN is set but the admin extra is missing: pip install "
                          "'briefbot[admin]'.") from None
    web.router.routes.append(admin_mount(settings, web.state.bot))
    return web


def asgi_factory() -> Any:
    """`uvicorn adapters.serve:asgi_factory --factory`: the Slack app of one worker, with /admin when configured."""
    web = slack_asgi_factory()
    try:
        return with_admin(web, Settings.from_env())
    except BriefbotError as exc:
        print(f"briefbot web: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None


def _number(what: str, low: int, high: int) -> Callable[[str], int]:
    """argparse type: a whole number in [low, high] (argparse's own message for a bad one is one line too)."""
    def parse(raw: str) -> int:
        raw = raw.strip()
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number between {low} and {high}")
        return int(raw)

    return parse


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"briefbot web: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    ap = _Parser(prog="python -m adapters.serve", description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="0.0.0.0")
    ap.add_argument("--port", type=_number("--port / PORT", 1, 65535), default=os.environ.get("PORT") or "3000")
    ap.add_argument("--workers", type=_number("--workers / WEB_CONCURRENCY", 1, 64),
                    default=os.environ.get("WEB_CONCURRENCY") or "1")
    args = ap.parse_args(argv)
    try:
        settings = Settings.from_env()
        preflight(settings, args.workers, args.host, args.port)
    except BriefbotError as exc:
        print(f"briefbot web: {exc.message}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    configure(settings.log_format)  # uvicorn's own lines too (log_config=None leaves them to the root logger)
    prepare_metrics_dir()
    if args.workers > 1:  # one compute thread per worker unless set: threads of several processes fight (issue 12)
        os.environ.setdefault("BRIEFBOT_THREADS", "1")
    # On SIGTERM each worker stops accepting (Slack's retries go to another worker, or come back after the
    # restart), finishes open requests, then drains its answers for BRIEFBOT_DRAIN_SECONDS (the app's lifespan).
    uvicorn.run(
        "adapters.serve:asgi_factory", factory=True, host=args.host, port=args.port, workers=args.workers,
        log_level="warning", access_log=False, timeout_graceful_shutdown=10, log_config=None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
