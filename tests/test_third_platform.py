"""The shared flow driven by a third, made-up platform: everything but formatting and transport comes free."""
from __future__ import annotations

import threading
from pathlib import Path

from adapters.flow import Flow, Question
from bot.common.errors import LLMError
from bot.core.bot import Bot
from bot.state.limits import LocalGate
from bot.state.store import SQLiteStore
from tests.fakes import FakeEngine, FakeRetriever
from tests.third_platform import ChatFormat, ChatTransport
from tests.waiting import wait_for

PLATFORM_FILE = Path(__file__).with_name("third_platform.py")


def chat(tmp_path: Path, engine: FakeEngine, **gate: int) -> tuple[Flow, ChatTransport]:
    bot = Bot(FakeRetriever(), engine, SQLiteStore(tmp_path / "s.sqlite3"),
              gate=LocalGate(gate.get("per_minute", 0), gate.get("burst", 0), gate.get("slots", 4)))
    transport = ChatTransport()
    return Flow(bot, ChatFormat(), transport, platform="chat", compute_workers=1).start(), transport


def ask(flow: Flow, n: int, text: str, user: str = "alice") -> str:
    return flow.receive(Question(key=f"chat:{n}", platform="chat", user=user, conversation=f"chat:room{n}",
                                 text=f"@bot {text}", place={"room": f"room{n}"}))


def finals(transport: ChatTransport) -> list[str]:
    with transport.lock:
        return [shown[-1] for shown in transport.messages.values()]


def test_a_third_platform_is_a_format_and_a_transport_of_under_60_lines(tmp_path):
    lines = [line for line in PLATFORM_FILE.read_text().splitlines() if line.strip()]
    assert len(lines) <= 60, len(lines)
    release = threading.Event()  # the one compute worker is busy until the test has seen the line form
    flow, transport = chat(tmp_path, FakeEngine("Borrell said it.", gate=release, deltas=["Borrell ", "said ", "…"]))
    try:
        assert [ask(flow, i, f"What did Borrell say? ({i})") for i in range(3)] == ["new"] * 3
        assert ask(flow, 0, "What did Borrell say? (0)") == "busy"  # a redelivery while it is answered
        wait_for(lambda: len(transport.messages) == 3, 5, "three placeholders")
        release.set()
        wait_for(lambda: sum(f.startswith("Borrell said") for f in finals(transport)) == 3, 10, "three answers")
        assert ask(flow, 0, "What did Borrell say? (0)") == "done"  # and after
        shown = transport.messages["room2/2"]
        assert shown[0].startswith("Busy right now: you're #2 in line")  # one compute worker: the place in line
        assert ask(flow, 9, "") == "new"
        wait_for(lambda: any(f.startswith("Mention me") for f in finals(transport)), 5, "the usage hint")
    finally:
        flow.close()


def test_the_flow_turns_errors_and_limits_into_notices_on_any_platform(tmp_path):
    flow, transport = chat(tmp_path, FakeEngine(error=LLMError("The model is away.")), per_minute=1, burst=1)
    try:
        ask(flow, 1, "What did Borrell say?")
        ask(flow, 2, "And Guterres?")
        wait_for(lambda: sorted(f[:14] for f in finals(transport)) == ["The model is a", "You're asking "], 5,
                 "the error and the limit as notices")
    finally:
        flow.close()
