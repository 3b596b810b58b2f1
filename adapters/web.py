"""The HTTP side of the Slack adapter: the Events API endpoint (bad requests are a 4xx and one log line, never a
traceback), /healthz (Chroma, and a real write to the state store) and /metrics (Prometheus)."""
from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.common import metrics
from bot.core.bot import Bot

log = logging.getLogger("briefbot.web")

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack's event bodies are a few KB; a 40,000-character message is ~160 KB at worst


def check_health(bot: Bot) -> dict[str, str]:
    """'ok' or the failure's kind for each dependency; never raises."""
    return bot.health()


def _reject(status: int, why: str) -> Response:
    log.warning("rejected a Slack request (%d): %s", status, why)
    return Response(why, status_code=status, media_type="text/plain")


def bad_request(body: bytes, headers: Any, verifier: SignatureVerifier) -> Response | None:
    """What is wrong with a request before Bolt sees it (None: nothing); bodies and tokens are never logged."""
    if len(body) > MAX_BODY_BYTES:
        return _reject(413, "body too large")
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit():
        return _reject(400, "missing or non-numeric X-Slack-Request-Timestamp")
    if not verifier.is_valid(body, timestamp, headers.get("x-slack-signature", "")):
        return _reject(401, "bad signature or stale timestamp")
    try:
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            payload = parse_qs(body.decode("utf-8")).get("payload")
            if payload:
                json.loads(payload[0])
        else:
            json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _reject(400, "the body is not valid JSON")
    return None


def slack_events_endpoint(app: Any, signing_secret: str) -> list[Route]:
    """POST /slack/events: checked here, then dispatched by Bolt on a worker thread (its dispatch is blocking)."""
    verifier = SignatureVerifier(signing_secret)

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        rejected = bad_request(body, request.headers, verifier)
        if rejected is not None:
            return rejected
        try:
            bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        except Exception as exc:  # noqa: BLE001 - one line; Slack retries a 5xx
            log.error("dispatching a Slack request failed (%s)", type(exc).__name__)
            return Response("", status_code=500)
        if bolt_response.status == 401:
            log.info("rejected a Slack request: bad signature or stale timestamp")
        return to_starlette_response(bolt_response)

    return [Route(EVENTS_PATH, slack_events, methods=["POST"])]


def ops_routes(bot: Bot, listeners: Any = None) -> list[Route]:
    async def healthz(request: Request) -> Response:
        status = await run_in_threadpool(check_health, bot)
        healthy = all(v == "ok" for v in status.values())
        if listeners is not None and not listeners.flow.accepting:
            status["flow"], healthy = "draining", False
        if not healthy:
            log.warning("health check failed: %s", status)
        return JSONResponse({"status": "ok" if healthy else "down", **status}, status_code=200 if healthy else 503)

    async def metrics_page(request: Request) -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    return [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_page, methods=["GET"])]
