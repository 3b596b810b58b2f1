"""Operations endpoints for the HTTP adapter: /healthz (Chroma and the state store) and /metrics (Prometheus)."""
from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import metrics
from bot.core import Bot

log = logging.getLogger("briefbot.web")


def check_health(bot: Bot) -> dict[str, str]:
    """'ok' or the failure's kind for each dependency; never raises."""
    status: dict[str, str] = {}
    for name, probe in (("chroma", bot.retriever.ping), ("store", bot.store.ping)):
        try:
            probe()
            status[name] = "ok"
        except Exception as exc:
            status[name] = f"down ({type(exc).__name__})"
    return status


def ops_routes(bot: Bot) -> list[Route]:
    async def healthz(request: Request) -> Response:
        status = await run_in_threadpool(check_health, bot)
        healthy = all(v == "ok" for v in status.values())
        if not healthy:
            log.warning("health check failed: %s", status)
        return JSONResponse({"status": "ok" if healthy else "down", **status}, status_code=200 if healthy else 503)

    async def metrics_page(request: Request) -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    return [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_page, methods=["GET"])]
