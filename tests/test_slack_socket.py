"""The Slack adapter in Socket Mode, end to end: a local websocket delivers envelopes to the real builtin client."""
from __future__ import annotations

import json

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from adapters.slack import create_app
from bot.core.bot import Bot
from bot.state.store import SQLiteStore
from tests.fakes import FakeEngine, FakeRetriever
from tests.slack_fake import FakeSlackAPI, FakeSocketMode, wait_for
from tests.slack_harness import APP_TOKEN, answer_id_of, dm, feedback_click, mention, slack_settings

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base


class SocketSlack:
    """Fake Web API + fake Socket Mode server + the adapter connected through SocketModeHandler."""

    def __init__(self, tmp_path) -> None:  # noqa: ANN001
        self.socket = FakeSocketMode().start()
        self.api = FakeSlackAPI(socket_url=self.socket.url).start()
        self.store = SQLiteStore(tmp_path / "state.sqlite3")
        self.engine = FakeEngine()
        self.bot = Bot(FakeRetriever(), self.engine, self.store)
        settings = slack_settings(tmp_path, self.api.url, SLACK_APP_TOKEN=APP_TOKEN)
        self.app = create_app(self.bot, settings)
        self.handler = SocketModeHandler(self.app, app_token=APP_TOKEN)
        self.handler.connect()

    def close(self) -> None:
        # Server side first: the builtin client's close() otherwise waits out its 3 s receive timeout.
        self.handler.client.auto_reconnect_enabled = False
        self.socket.stop()
        self.handler.close()
        self.app.briefbot_listeners.close()
        self.api.stop()
        self.store.close()


@pytest.fixture
def socket_slack(tmp_path):
    harness = SocketSlack(tmp_path)
    yield harness
    harness.close()


def final_updates(api: FakeSlackAPI) -> list:
    return [c for c in api.calls("chat.update")
            if any(b["type"] in ("actions", "context_actions") for b in c.body["blocks"])]


def test_connects_with_the_app_token_from_apps_connections_open(socket_slack):
    (opened,) = socket_slack.api.wait_calls("apps.connections.open")
    assert opened.token == APP_TOKEN
    wait_for(lambda: socket_slack.socket.connections == 1, what="the websocket connection")


def test_mention_over_socket_mode_is_acked_and_answered_in_thread(socket_slack):
    payload = mention("What did Borrell say about China?")
    envelope = socket_slack.socket.deliver(payload)
    wait_for(lambda: socket_slack.socket.acked(envelope), what="the ack")
    placeholder = socket_slack.api.wait_calls("chat.postMessage")[0]
    assert placeholder.body["thread_ts"] == payload["event"]["ts"]
    (final,) = wait_for(lambda: final_updates(socket_slack.api), what="the answer")
    assert final.body["ts"] == placeholder.response["ts"]
    assert "Echo: What did Borrell say about China?" in final.body["text"]


def test_redelivered_envelope_is_answered_once_and_acked_each_time(socket_slack):
    payload = dm("What did Borrell say about China?")
    first = socket_slack.socket.deliver(payload)
    again = socket_slack.socket.deliver(payload, envelope_id=first)  # a redelivery after a reconnect
    retry = socket_slack.socket.deliver(payload, retry_attempt=1)  # Slack's own retry: a new envelope
    wait_for(lambda: socket_slack.socket.acked(first) == 2 and socket_slack.socket.acked(retry) == 1,
             what="every envelope acked")
    assert again == first
    wait_for(lambda: final_updates(socket_slack.api), what="the answer")
    socket_slack.api.quiet()
    assert len(socket_slack.api.calls("chat.postMessage")) == 1
    assert socket_slack.engine.calls == ["What did Borrell say about China?"]


def test_feedback_over_socket_mode(socket_slack):
    socket_slack.socket.deliver(mention("What did Borrell say about China?"))
    (final,) = wait_for(lambda: final_updates(socket_slack.api), what="the answer")
    answer_id = answer_id_of(final.body["blocks"])
    message = {"ts": final.body["ts"], "text": final.body["text"], "blocks": final.body["blocks"]}
    envelope = socket_slack.socket.deliver(feedback_click(message, "C0CHAN", "down", answer_id), kind="interactive")
    wait_for(lambda: socket_slack.socket.acked(envelope), what="the ack")
    (fb,) = wait_for(lambda: socket_slack.store.feedback(), what="the recorded vote")
    assert (fb.answer_id, fb.vote, fb.platform) == (answer_id, "down", "slack")
    thanks = wait_for(lambda: [c for c in socket_slack.api.calls("chat.update")
                               if "feedback" in json.dumps(c.body["blocks"])], what="thank-you")
    assert not any(b["type"] in ("actions", "context_actions") for b in thanks[-1].body["blocks"])
