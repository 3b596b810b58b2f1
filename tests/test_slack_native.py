"""Slack's own AI surfaces, end to end through the fake Slack: the loading status instead of a placeholder (and the
placeholder where the status cannot be used), a taken-over question that still ends in one message, and native
streaming of an LLM's answer with the feedback controls attached when the stream stops."""
from __future__ import annotations

import json
import threading

import pytest

from tests.fakes import FakeEngine
from tests.slack_fake import FakeSlackAPI, wait_for
from tests.slack_harness import HttpSlack, dm, mention, new_ts

pytestmark = pytest.mark.slow

READS_CHANNELS = "app_mentions:read,chat:write,im:history,channels:history"


def slack_with(tmp_path, scopes: str | None, engine: FakeEngine | None = None, api: FakeSlackAPI | None = None,
               **env: str) -> HttpSlack:
    api = api or FakeSlackAPI().start()
    api.scopes = scopes  # what auth.test says the token may do
    h = HttpSlack(tmp_path, engine, api=api, **env)
    h.owns_api = True
    return h


def answers(api: FakeSlackAPI) -> list:
    return [c for c in api.calls("chat.postMessage") if c.status == 200]


def test_the_status_shows_while_the_answer_is_computed_and_no_placeholder_is_posted(tmp_path):
    release = threading.Event()
    h = slack_with(tmp_path, READS_CHANNELS, FakeEngine(gate=release))
    try:
        payload = mention("What did Borrell say about China?")
        h.send(payload)
        [status] = h.api.wait_calls("assistant.threads.setStatus")
        assert status.body["channel_id"] == "C0CHAN" and status.body["thread_ts"] == payload["event"]["ts"]
        assert status.body["status"] == "is looking through the articles…" and status.body["loading_messages"]
        assert answers(h.api) == []  # nothing posted while the engine works
        release.set()
        [answer] = wait_for(lambda: answers(h.api), what="the answer")
        assert answer.body["thread_ts"] == payload["event"]["ts"]
        assert "Echo: What did Borrell say" in answer.body["text"]
        assert any(b["type"] == "context_actions" for b in answer.body["blocks"])
        h.api.quiet()
        assert len(answers(h.api)) == 1 and h.api.calls("chat.update") == []

        h.send(mention("Wat zei Borrell over China?"))  # in Dutch
        wait_for(lambda: len(h.api.calls("assistant.threads.setStatus")) == 2, what="the second status")
        assert h.api.calls("assistant.threads.setStatus")[1].body["status"] == "zoekt in de artikelen…"
    finally:
        h.close()


def test_the_placeholder_where_the_status_cannot_be_used(tmp_path):
    h = slack_with(tmp_path, READS_CHANNELS)
    h.api.status_error = "missing_scope"  # an older workspace or token: refused once, then not asked again
    try:
        for n in range(2):
            h.send(mention("What did Borrell say about China?"))
            h.answer_to(h.placeholder_ts(n))
        assert len(h.api.calls("assistant.threads.setStatus")) == 1
    finally:
        h.close()
    h = slack_with(tmp_path / "b", "app_mentions:read,chat:write,im:history")  # cannot read channel threads
    try:
        h.send(mention("What did Borrell say about China?"))
        h.answer_to(h.placeholder_ts())
        h.send(dm("What did Borrell say about China?"))  # a DM without a thread: no status either
        h.answer_to(h.placeholder_ts(1))
        assert h.api.calls("assistant.threads.setStatus") == []  # a takeover could not find a reply there
    finally:
        h.close()


def test_a_question_taken_over_after_its_worker_hung_still_ends_in_one_message(tmp_path):
    """Worker A sets the status, posts the answer and hangs before recording it; worker B takes the question over
    once A's lease runs out, finds A's answer in the thread and edits it: one message, no placeholder."""
    api = FakeSlackAPI().start()
    api.scopes = READS_CHANNELS
    a = HttpSlack(tmp_path, api=api, BRIEFBOT_WORK_LEASE_SECONDS="1")
    b = HttpSlack(tmp_path, api=api, BRIEFBOT_WORK_LEASE_SECONDS="1")  # the same state file: another worker
    posted = api.hold("chat.postMessage")
    try:
        payload = mention("What did Borrell say about China?")
        a.send(payload)
        wait_for(lambda: answers(api), what="A's answer to go out")
        a.web.state.bolt.briefbot_listeners.flow.keeper.stop()  # A hangs: its lease is no longer renewed
        [edit] = wait_for(lambda: api.calls("chat.update"), 15, what="B to take the question over")
        assert edit.body["ts"] == answers(api)[0].response["ts"]  # B found A's message and edited it
        posted.set()
        b_flow = b.web.state.bolt.briefbot_listeners.flow
        wait_for(lambda: b_flow.pending == 0, what="B to finish")
        api.quiet(0.5)
        in_thread = [m for m in api.messages.values() if m.get("thread_ts") == payload["event"]["ts"]]
        assert len(in_thread) == 1 and "Echo: What did Borrell say" in in_thread[0]["text"]
        assert len(api.calls("assistant.threads.setStatus")) == 1  # A's; B found the answer, so went straight on
    finally:
        posted.set()
        a.close()
        b.close()
        api.stop()


def test_an_llm_answer_streams_natively_and_ends_with_its_sources_and_feedback(tmp_path):
    parts = ["Borrell said ", "<!channel> the EU ", "defends [multilateralism](https://evil.example/x) ",
             "[2023-03-china-russia-multilateralism ¶16]."]
    h = slack_with(tmp_path, READS_CHANNELS, FakeEngine("".join(parts), deltas=parts))
    try:
        payload = mention("What did Borrell say about China?")
        h.send(payload)
        [stop] = h.api.wait_calls("chat.stopStream")
        [start] = h.api.calls("chat.startStream")
        assert start.body["thread_ts"] == payload["event"]["ts"]
        assert (start.body["recipient_team_id"], start.body["recipient_user_id"]) == ("T0001", "U0USER")
        message = h.api.messages[start.response["ts"]]
        assert message["text"].startswith("Borrell said &lt;!channel&gt; the EU defends multilateralism "
                                          "(https://evil.example/x) [2023-03-china-russia-multilateralism ¶16].")
        kinds = [b["type"] for b in stop.body["blocks"]]
        assert kinds == ["context", "context_actions"]  # the sources, then Slack's feedback buttons
        assert "¶16" in json.dumps(stop.body["blocks"], ensure_ascii=False)
        h.api.quiet()
        assert answers(h.api) == [] and h.api.calls("chat.update") == []  # no placeholder, no edits
        assert "<!channel>" not in json.dumps([c.body for c in h.api.calls()])
    finally:
        h.close()


def test_without_a_readable_thread_an_llm_answer_is_edited_into_the_placeholder(tmp_path):
    parts = ["Borrell said ", "so."]
    h = slack_with(tmp_path, None, FakeEngine("".join(parts), deltas=parts))
    try:
        h.send(mention("What did Borrell say about China?", thread_ts=new_ts()))
        final = h.answer_to(h.placeholder_ts())
        assert "Borrell said so." in final["text"] and h.api.calls("chat.startStream") == []
    finally:
        h.close()
