"""Discord through the shared flow: questions are recorded, a stopped client's question is answered by the next
one (through the interaction's webhook token), and a 👎 asks for a reason."""
from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.core.bot import Bot
from bot.state.store import SQLiteStore
from bot.state.work import DONE, Work
from tests.discord_fake import FakeDiscord, wait_for
from tests.discord_harness import Harness
from tests.fakes import FakeEngine, FakeRetriever

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base


def answer_edits(fake: FakeDiscord, ix: dict) -> list:
    return [c for c in fake.calls("PATCH") if f"/{ix['token']}/" in c.path and "embeds" in c.body]


def test_an_answered_question_is_recorded_as_done(discord_harness):
    h = discord_harness()
    ix = h.ask("What did Borrell say?")
    h.final_edit(ix)
    key = f"discord:ix:{ix['id']}"
    wait_for(lambda: h.store.begin_work(Work(key, "{}"), "someone-else", 10)[0] == DONE, 5, "the record marked done")


class Finishing(FakeEngine):
    """A FakeEngine that says when its (slow) answer is done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.done = threading.Event()

    def _final(self, *args: Any) -> Any:
        try:
            return super()._final(*args)
        finally:
            self.done.set()


def test_a_question_left_by_a_stopped_client_is_answered_once_by_the_next(tmp_path):
    fake = FakeDiscord().start()
    path = tmp_path / "shared.sqlite3"
    env = {"BRIEFBOT_DRAIN_SECONDS": "0", "BRIEFBOT_WORK_LEASE_SECONDS": "1"}
    slow = Finishing("Too slow.", delay_s=1.5)
    first = Harness(tmp_path / "a", bot=Bot(FakeRetriever(), slow, SQLiteStore(path)), fake=fake, **env)
    second = None
    try:
        ix = first.ask("What did Borrell say?")
        assert first.callback(ix).body == {"type": 5}  # deferred: the asker sees "briefbot is thinking…"
        wait_for(lambda: slow.calls, 5, "the first client to start computing")
        first.stop()  # no time to drain: the question is handed on, the late answer dropped
        engine = FakeEngine("Answered by the next worker.")
        second = Harness(tmp_path / "b", engine, bot=Bot(FakeRetriever(), engine, SQLiteStore(path)), fake=fake,
                         **env)
        edits = wait_for(lambda: answer_edits(fake, ix), 15, "the answer from the next client")
        assert edits[0].body["content"] == "Answered by the next worker." and edits[0].status == 200
        assert slow.done.wait(10)  # the first client's late answer is computed… and dropped
        second.stop()
        second = None
        assert len(answer_edits(fake, ix)) == 1 and engine.calls == ["What did Borrell say?"]
    finally:
        if second is not None:
            second.stop()
        fake.stop()


def test_a_thumbs_down_opens_a_modal_and_its_reason_is_stored(discord_harness):
    h = discord_harness()
    ix = h.ask("What did Borrell say?")
    h.final_edit(ix)
    message = h.fake.original(ix)
    buttons = [b["custom_id"] for row in message["components"] for b in row["components"]]
    down = next(b for b in buttons if ":down:" in b)
    click = h.fake.click(message, down)
    assert h.callback(click).body["type"] == 9  # a modal, not a message
    answer_id = down.rsplit(":", 1)[1]
    [vote] = h.store.feedback()
    assert (vote.vote, vote.reason) == ("down", "")  # the vote counts even if the modal is closed
    sent = h.fake.submit_modal(f"briefbot:why:{answer_id}", {"reason": "It quoted the wrong paragraph."})
    reply = h.callback(sent)
    assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
    wait_for(lambda: h.store.feedback()[0].reason == "It quoted the wrong paragraph.", 5, "the reason stored")
