"""Slack adapter: Bolt wiring for mentions, DMs and feedback buttons; Socket Mode or HTTP (ASGI), chosen from the env.

`python -m adapters.slack` — Socket Mode when SLACK_APP_TOKEN is set, else the Events API over HTTP on $PORT.
For several HTTP workers: `uvicorn adapters.slack:asgi_factory --factory --workers N`.
"""
from __future__ import annotations

import logging
import secrets
import signal
import sys
from contextlib import asynccontextmanager
from collections.abc import Sequence
from typing import Any
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import default_retry_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from adapters.flow import flow_options as flow_options_of
from adapters.flow_parts import drain_seconds
from adapters.slack_feedback import REASON_VIEW
from adapters.slack_format import ACTION_DOWN, ACTION_FEEDBACK, ACTION_HANDOFF, ACTION_UP
from adapters.slack_assistant import ASK_ABOUT_SHORTCUT, assistant_view
from adapters.slack_listeners import SlackListeners
from adapters.team import Team, load_team
from bot.common.config import Settings
from bot.core.bot import Bot
from bot.common.errors import BriefbotError, ConfigError
from bot.common.logs import configure as configure_logging
from bot.wiring import build_bot

log = logging.getLogger("briefbot.slack")

DEFAULT_API_URL = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
RATE_LIMIT_RETRIES = 2  # 429s are retried after Retry-After, but bounded: a stuck answer beats a stuck worker
LISTENER_THREADS = 16  # Bolt's listener pool (interactivity); events are recorded on the request thread


@dataclass(frozen=True)
class SlackConfig:
    """The Slack part of the environment, validated; `mode` is what `python -m adapters.slack` runs."""

    bot_token: str
    app_token: str | None
    signing_secret: str | None
    api_url: str

    @property
    def mode(self) -> str:
        return "socket" if self.app_token else "http"


def load_config(settings: Settings) -> SlackConfig:
    """Every Slack variable checked up front; errors name the variable, never its value."""
    bot_token = settings.require(
        "SLACK_BOT_TOKEN", prefix="xoxb-", hint="It is the Bot User OAuth Token (xoxb-…) from the app's OAuth page."
    )
    app_token = None
    if settings.optional("SLACK_APP_TOKEN"):
        app_token = settings.require("SLACK_APP_TOKEN", prefix="xapp-")
    signing_secret = settings.optional("SLACK_SIGNING_SECRET")
    if not app_token and not signing_secret:
        raise ConfigError(
            "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP Events API) must be set."
        )
    return SlackConfig(bot_token, app_token, signing_secret, api_url(settings))


def api_url(settings: Settings) -> str:
    """SLACK_API_URL (tests, enterprise proxies) or Slack's own, always with the trailing slash."""
    url = settings.optional("SLACK_API_URL", DEFAULT_API_URL) or DEFAULT_API_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigError("SLACK_API_URL must start with http:// or https://.")
    return url if url.endswith("/") else url + "/"


def make_client(token: str, base_url: str = DEFAULT_API_URL) -> WebClient:
    """A WebClient that also waits out 429s (slack_sdk's defaults only retry connection errors)."""
    handlers = [*default_retry_handlers(), RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]
    return WebClient(token=token, base_url=base_url, retry_handlers=handlers, timeout=15)


class _NoRequestBodies(logging.Filter):
    """Bolt logs a rejected request with its whole body at INFO; drop that (the endpoint logs the rejection)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


class _NoTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and, given our client as well, warns at every start
    that the token is unused; it is the same token (Settings read it and built the client), so drop that line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_bolt_rejections() -> None:
    for name, kind in (("slack_bolt.RequestVerification", _NoRequestBodies), ("slack_bolt.App", _NoTokenNotice)):
        target = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in target.filters):
            target.addFilter(kind())


def unreachable(api: str, exc: BaseException) -> BriefbotError:
    """The one line for a Slack Web API that does not answer (refused, unresolvable, timed out, a proxy's error)."""
    return BriefbotError(f"could not reach Slack at {api} ({type(exc).__name__}): check SLACK_API_URL, the network "
                         "and any proxy.")


def check_token(config: SlackConfig) -> None:
    """auth.test before anything listens: a rejected token or an unreachable API is one line, not a traceback."""
    try:
        make_client(config.bot_token, config.api_url).auth_test()
    except SlackApiError as exc:
        raise ConfigError(f"SLACK_BOT_TOKEN was rejected by Slack ({exc.response.get('error', 'auth.test failed')}): "
                          "check the token and the app's installation.") from None
    except (SlackClientError, OSError) as exc:
        raise unreachable(config.api_url, exc) from None


def create_app(bot: Bot, settings: Settings, *, client: WebClient | None = None, team: Team | None = None,
               **flow_options: Any) -> App:
    """The Bolt app with the mention, DM, feedback and hand-off listeners; `client` overrides the one built from the
    env, `team` the channels file (BRIEFBOT_CHANNELS).

    `flow_options` go to the question flow (adapters/flow.py), e.g. a test's lease or deadline.
    """
    team = team if team is not None else load_team(settings)  # first: a bad file stops the start in one line
    if client is None:
        token = settings.require("SLACK_BOT_TOKEN", prefix="xoxb-")
        client = make_client(token, api_url(settings))
    elif not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    _quiet_bolt_rejections()
    listener_pool = ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="briefbot-slack-listener")
    # Without a signing secret (Socket Mode) no HTTP request may ever verify: use an unguessable one.
    signing_secret = settings.optional("SLACK_SIGNING_SECRET") or secrets.token_hex(32)
    try:
        app = App(
            name="briefbot",
            client=client,
            signing_secret=signing_secret,
            # The listener runs before the response: it records the question as work (one store write) so the
            # 200 means "recorded"; if the store cannot record it the response is a 503 and Slack retries later.
            process_before_response=True,
            listener_executor=listener_pool,
        )
    except BoltError:
        listener_pool.shutdown(wait=False)
        raise ConfigError(
            "SLACK_BOT_TOKEN was rejected by Slack (auth.test failed): check the token and the app's installation."
        ) from None
    except (SlackClientError, OSError) as exc:  # auth.test could not be sent or answered
        listener_pool.shutdown(wait=False)
        raise unreachable(client.base_url, exc) from None
    except BaseException:
        listener_pool.shutdown(wait=False)
        raise
    options = {**flow_options_of(settings), **flow_options}
    listeners = SlackListeners(bot, client, team=team, workers=settings.max_concurrent, **options)
    listeners.owned.append(listener_pool)
    app.event("app_mention")(listeners.on_mention)
    app.event("message")(listeners.on_message)
    app.action(ACTION_FEEDBACK)(listeners.feedback.on_feedback)
    app.action(ACTION_UP)(listeners.feedback.on_feedback)
    app.action(ACTION_DOWN)(listeners.feedback.on_feedback)
    app.view(REASON_VIEW)(listeners.feedback.on_reason)
    if listeners.handoff is not None:
        app.action(ACTION_HANDOFF)(listeners.handoff.on_press)
    app.shortcut(ASK_ABOUT_SHORTCUT)(listeners.on_shortcut)
    if team.slack.assistant is not None:  # opt-in: the Agents & AI Apps split view
        app.assistant(assistant_view(listeners, team.slack.assistant.language))
    app.briefbot_listeners = listeners  # type: ignore[attr-defined]  # for metrics and shutdown
    return app


def create_asgi_app(
    bot: Bot, settings: Settings, *, client: WebClient | None = None, routes: Sequence = (), app: App | None = None,
    close_bot: bool = False, **flow_options: Any,
):
    """A Starlette app: the Events API at /slack/events, /healthz and /metrics; `routes` adds more.

    Its lifespan starts the question flow (picking up unfinished work at once) and, on shutdown (SIGTERM), drains
    it for BRIEFBOT_DRAIN_SECONDS and hands what is left to other workers.
    """
    # optional: starlette and adapters.web (the server extra), for HTTP mode only; Socket Mode runs without them
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool

    from adapters.web import ops_routes, slack_events_endpoint

    settings.require("SLACK_SIGNING_SECRET", hint="HTTP mode verifies every request with it.")
    app = app or create_app(bot, settings, client=client, **flow_options)
    listeners: SlackListeners = app.briefbot_listeners  # type: ignore[attr-defined]
    grace = drain_seconds(settings)
    listeners.start()  # not in the lifespan alone: tests and embedders may serve without one

    @asynccontextmanager
    async def lifespan(_: Starlette):
        yield
        log.info("stopping: draining %d questions for up to %.0f s", listeners.pending, grace)
        await run_in_threadpool(listeners.close, False, grace)
        if close_bot:  # gives the answer slots back at once and closes the state store
            await run_in_threadpool(bot.close)

    endpoint = slack_events_endpoint(app, settings.require("SLACK_SIGNING_SECRET"))
    web = Starlette(routes=[*endpoint, *ops_routes(bot, listeners), *routes], lifespan=lifespan)
    web.state.bolt = app
    web.state.bot = bot
    return web


def asgi_factory():
    """`uvicorn adapters.slack:asgi_factory --factory`: one Bot and Bolt app per worker process."""
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_format)
        load_config(settings)
        team = load_team(settings)
        return create_asgi_app(build_bot(settings), settings, close_bot=True, team=team)
    except BriefbotError as e:  # one clear line, not a traceback from inside uvicorn
        print(f"briefbot slack: {e.message}", file=sys.stderr)
        raise SystemExit(2 if isinstance(e, ConfigError) else 1) from None


def _port(settings: Settings) -> int:
    raw = settings.optional("PORT", "3000") or "3000"
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError("PORT must be a whole number between 1 and 65535.")
    return int(raw)


def run(settings: Settings) -> None:
    """Start the mode the environment asks for; blocks until the process is stopped."""
    config = load_config(settings)
    port = _port(settings) if config.mode == "http" else 0
    team = load_team(settings)  # before the knowledge base opens: a bad channels file is one line, at once
    bot = build_bot(settings)
    try:
        app = create_app(bot, settings, team=team)  # calls auth.test: the token is checked before anything listens
        if config.mode == "socket":
            log.info("Slack adapter starting in Socket Mode")
            listeners: SlackListeners = app.briefbot_listeners  # type: ignore[attr-defined]
            listeners.start()
            stop_on_sigterm()
            try:
                SocketModeHandler(app, app_token=config.app_token).start()
            finally:  # unacknowledged envelopes are redelivered by Slack; acknowledged ones drain or are handed on
                listeners.close(False, drain_seconds(settings))
        else:
            import uvicorn  # optional: the server extra, for HTTP mode only

            web = create_asgi_app(bot, settings, app=app)
            log.info("Slack adapter listening for the Events API on port %d at %s", port, EVENTS_PATH)
            uvicorn.run(web, host="0.0.0.0", port=port, log_level="info", log_config=None)
    finally:
        bot.close()


def stop_on_sigterm() -> None:
    """SIGTERM ends a blocking start() like Ctrl-C does, so the drain in its `finally` runs."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def main() -> int:
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_format)
        run(settings)
    except BriefbotError as e:
        print(f"briefbot slack: {e.message}", file=sys.stderr)
        return 2 if isinstance(e, ConfigError) else 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
