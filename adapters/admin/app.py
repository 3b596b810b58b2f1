"""The admin page as an ASGI app, mounted at /admin: by `briefbot admin` (127.0.0.1) and by `adapters.serve` when
BRIEFBOT_ADMIN_TOKEN is set. Its parts come from the bot it runs beside (one process shares the embedded store)."""
from __future__ import annotations

import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from adapters.admin.auth import SESSION_COOKIE, SESSION_MAX_AGE_S, Gatekeeper, SecurityHeaders, session_secret
from adapters.admin.desk import Desk, Parts
from adapters.admin.pages import Pages
from bot.common.config import Settings
from bot.common.errors import ConfigError
from bot.core.bot import Bot
from bot.retrieval.retriever import ChromaRetriever
from bot.state.usage import channel_of
from bot.wiring import build_gaps, build_handled, build_usage

HERE = Path(__file__).resolve().parent
PREFIX = "/admin"


def parts_for(settings: Settings, bot: Bot) -> Parts:
    """The page's parts, on the bot's own knowledge base and state store (their logs opened beside them)."""
    if not isinstance(bot.retriever, ChromaRetriever):
        raise ConfigError("the admin page needs the bot's Chroma knowledge base")
    cols = bot.retriever.cols
    gaps, marks, usage = build_gaps(settings, bot.store), build_handled(settings, bot.store), build_usage(settings,
                                                                                                          bot.store)
    return Parts(settings, bot, cols, bot.store, gaps, marks, usage, cols.embedder.query,
                 on_close=[gaps.close, marks.close, usage.close])


def admin_app(desk: Desk, token: str, *, secure_cookie: bool = False) -> Starlette:
    """The page's routes, static files, session cookie (HttpOnly, SameSite=Strict) and security headers."""
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["clip"] = lambda text, n: text if len(text) <= n else text[: n - 1] + "…"
    templates.env.filters.update(utc=_utc, where=_where, ms=_ms)
    pages = Pages(desk, Gatekeeper(token), templates)
    return Starlette(
        routes=[*pages.routes(), Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SessionMiddleware, secret_key=session_secret(token), session_cookie=SESSION_COOKIE,
                       max_age=SESSION_MAX_AGE_S, path=PREFIX, same_site="strict", https_only=secure_cookie),
        ],
    )


def _utc(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(at))


def _where(conversation_id: str) -> str:
    platform, channel = channel_of(conversation_id)
    return f"{platform}:{channel}" if channel else platform


def _ms(value: int | None) -> str:
    return "—" if value is None else f"≤ {value} ms"


def admin_mount(settings: Settings, bot: Bot) -> Mount:
    """/admin for an app that serves the bot (the token is required: no admin page without one)."""
    if settings.admin_token is None:
        raise ConfigError("BRIEFBOT_ADMIN_TOKEN is not set: the admin page is off without it.")
    desk = Desk(parts_for(settings, bot))
    app = admin_app(desk, settings.admin_token.get_secret_value(), secure_cookie=settings.admin_secure_cookie)
    app.state.desk = desk
    return Mount(PREFIX, app=app)
