"""The shared flow's edit pace, on a clock the test moves: streamed text is edited in at most once an interval, and
the final answer keeps its distance from the last edit (Slack 1.0 s, Discord 1.5 s; here the made-up chat's 0.5 s)."""
from __future__ import annotations

from pathlib import Path

from adapters.flow import Flow, Question
from bot.core.bot import Bot
from bot.state.store import SQLiteStore
from tests.clock import ManualClock
from tests.fakes import FakeRetriever, SteppedEngine
from tests.third_platform import ChatFormat, ChatTransport
from tests.waiting import wait_for


def test_streamed_edits_keep_the_transports_pace_and_the_final_edit_waits_its_turn(tmp_path: Path) -> None:
    clock = ManualClock(start=1000.0)
    engine = SteppedEngine(["Borrell ", "said ", "multilateralism ", "matters."])
    transport = ChatTransport()  # edit_interval_s = 0.5; the placeholder does not count as an edit
    flow = Flow(Bot(FakeRetriever(), engine, SQLiteStore(tmp_path / "s.sqlite3")), ChatFormat(), transport,
                platform="chat", compute_workers=1, clock=clock, sleep=clock.sleep).start()
    try:
        flow.receive(Question(key="chat:1", platform="chat", user="alice", conversation="chat:room",
                              text="@bot What did Borrell say?", place={"room": "room"}))
        shown = wait_for(lambda: transport.messages.get("room/0"), 5, "the placeholder")
        job = flow.jobs["chat:1"]

        def edited(n: int) -> None:  # n texts shown in all, and no edit still in flight
            wait_for(lambda: len(shown) == n and not job.editing, 5, f"{n - 1} edits")

        engine.step()  # "Borrell " at t=0: the first edit goes out at once
        edited(2)
        assert shown[1] == "Borrell  …"
        clock.advance(0.2)
        engine.step()  # "said " 0.2 s later: too soon, not shown
        clock.advance(0.2)
        engine.step()  # "multilateralism " 0.4 s after the edit: still too soon
        engine.ready.acquire(timeout=10)  # handled: the engine waits for the next step
        assert len(shown) == 2
        clock.advance(0.15)  # 0.55 s after the edit
        engine.go.release()  # "matters." is due: the text so far is edited in
        edited(3)
        assert shown[2] == "Borrell said multilateralism matters. …"
        clock.advance(0.1)
        engine.step()  # the final answer 0.1 s after that edit: it waits the other 0.4 s, then replaces the text
        wait_for(lambda: flow.pending == 0, 5, "the answer")
        assert shown[3].startswith("Borrell said multilateralism matters.") and len(shown) == 4
        assert [round(s, 3) for s in clock.slept] == [0.4]
    finally:
        flow.close()
