"""The HTTP side of the Slack adapter: the Events API endpoint (bad requests are a 4xx and one log line, never a
traceback), /healthz (Chroma, and a real write to the state store) and /metrics (Prometheus)."""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.slack_payload import payload_problem
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


MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 have 10 digits until the year 2286


def _payload(body: bytes, content_type: str) -> object:
    """The payload exactly as Bolt will read it (its own parse_body: JSON, `payload=` JSON, or form fields)."""
    return parse_body(body.decode("utf-8"), content_type.split(";")[0] or None)


def bad_request(body: bytes, headers: Any, verifier: SignatureVerifier) -> Response | None:
    """What is wrong with a request before Bolt sees it (None: nothing); bodies and tokens are never logged.

    413 too large; 400 without a usable timestamp; 401 when the signature cannot be checked or does not match
    (a body that is not UTF-8 cannot be Slack's: slack_sdk's verifier decodes it); 400 for a verified body that is
    not a JSON object (Bolt reads only objects).
    """
    if len(body) > MAX_BODY_BYTES:
        return _reject(413, "body too large")
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        return _reject(400, "missing or non-numeric X-Slack-Request-Timestamp")
    signature = headers.get("x-slack-signature", "")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return _reject(401, "unverifiable request: the body is not UTF-8")
    if not signature.isascii() or not verifier.is_valid(body, timestamp, signature):
        return _reject(401, "bad signature or stale timestamp")
    try:
        payload = _payload(body, headers.get("content-type", ""))
    except ValueError:
        return _reject(400, "the body is not valid JSON")
    except RecursionError:  # json's parser is recursive: 100,000 `[` in a 200 KB body
        return _reject(400, "the body's JSON is nested too deeply")
    if not isinstance(payload, dict):
        return _reject(400, f"the body is JSON but not an event object (a {type(payload).__name__})")
    problem = payload_problem(payload)
    if problem is not None:
        return _reject(400, f"a signed payload Slack would not send ({problem})")
    return None


def slack_events_endpoint(app: Any, signing_secret: str) -> list[Route]:
    """POST /slack/events: checked here, then dispatched by Bolt on a worker thread (its dispatch is blocking)."""
    verifier = SignatureVerifier(signing_secret)

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        rejected = bad_request(body, request.headers, verifier)
        if rejected is not None:
            return rejected
        try:  # Bolt reads the ids it routes by while it builds the request; fields of the wrong type fail there
            bolt_request = to_bolt_request(request, body)
        except Exception as exc:  # noqa: BLE001 - a verified body Bolt cannot read: the sender's fault
            return _reject(400, f"a signed body whose fields Bolt cannot read ({type(exc).__name__})")
        try:
            bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
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
