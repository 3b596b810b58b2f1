"""`briefbot admin`: the admin page on 127.0.0.1 beside its own bot (the embedded store admits one process, so a
bot already running on it means: stop it, or use a Chroma server; the error says so)."""
from __future__ import annotations

import logging
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route

from adapters.admin.app import PREFIX, admin_mount
from bot.common.config import Settings
from bot.core.bot import Bot
from bot.wiring import build_bot

log = logging.getLogger("briefbot.admin")
HOST = "127.0.0.1"  # never a public interface: behind a proxy, serve /admin through adapters.serve instead


def local_app(settings: Settings, bot: Bot) -> Starlette:
    """The page at /admin, and / sending there."""
    mount = admin_mount(settings, bot)

    async def root(request):
        return RedirectResponse(PREFIX + "/", status_code=303)

    app = Starlette(routes=[Route("/", root), mount])
    app.state.desk = mount.app.state.desk  # type: ignore[attr-defined]
    return app


def run_admin(settings: Settings, port: int) -> int:
    """Serve until Ctrl-C; the bot (and its answers on Try it) lives in this process."""
    bot = build_bot(settings)  # a StoreError (one line) when another process holds the embedded store
    try:
        app = local_app(settings, bot)
    except BaseException:
        bot.close()
        raise
    try:
        print(f"admin page: http://{HOST}:{port}{PREFIX}/ (log in with BRIEFBOT_ADMIN_TOKEN; Ctrl-C to stop)",
              file=sys.stderr, flush=True)
        uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False, log_config=None)
    finally:
        app.state.desk.close()
        bot.close()
    return 0
