"""One suite, two backends: the shared state store behaves the same on SQLite and on a real Redis."""
from __future__ import annotations

import threading
import time

import pytest

from bot.errors import StoreError
from bot.limits import LocalGate, RedisGate
from bot.models import Answer, Feedback, Turn
from bot.redis_store import RedisStore
from bot.store import SQLiteStore
from tests.fakes import SOURCE


@pytest.fixture(params=["sqlite", "redis"])
def backend(request, tmp_path):
    if request.param == "sqlite":
        store = SQLiteStore(tmp_path / "state.sqlite3", max_turns=3)
    else:
        store = RedisStore.connect(request.getfixturevalue("redis_url"))
        store.max_turns = 3
    yield store
    store.close()


def turn(i: int, answer_id: str = "") -> Turn:
    return Turn(f"question {i}", Answer(f"answer {i}", (SOURCE,), True, "en", f"question {i}", answer_id), time.time())


def test_memory_is_bounded_and_ordered(backend):
    for i in range(5):
        backend.add_turn("c1", turn(i, f"a{i}"))
    assert [t.question for t in backend.turns("c1")] == ["question 2", "question 3", "question 4"]
    assert backend.turns("c1")[-1].answer.sources[0].paragraph == SOURCE.paragraph
    assert backend.turns("other") == []


def test_reset_forgets_the_conversation_but_feedback_still_finds_the_answer(backend):
    backend.add_turn("c1", turn(1, "abc"))
    backend.reset("c1")
    assert backend.turns("c1") == []
    conversation, found = backend.find_answer("abc")
    assert conversation == "c1" and found.answer.text == "answer 1"
    assert backend.find_answer("nope") is None


def test_a_claim_is_won_once_until_it_expires(backend):
    assert backend.claim("slack:event:Ev1", 0.5) is True
    assert backend.claim("slack:event:Ev1", 0.5) is False
    assert backend.claim("slack:event:Ev2", 0.5) is True
    time.sleep(0.7)
    assert backend.claim("slack:event:Ev1", 0.5) is True


def test_concurrent_claims_have_exactly_one_winner(backend):
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def claim() -> None:
        start.wait()
        won = backend.claim("slack:event:race", 60)
        with lock:
            results.append(won)

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1 and len(results) == 16


def test_feedback_is_kept_newest_first_one_vote_per_user(backend):
    for i, (aid, user, vote) in enumerate([("a1", "U1", "up"), ("a2", "U1", "down"), ("a1", "U1", "down")]):
        backend.add_feedback(Feedback(aid, vote, user, "slack", "c1", "q", "ans", (SOURCE,), 1000.0 + i))
    items = backend.feedback()
    assert [(f.answer_id, f.vote) for f in items] == [("a1", "down"), ("a2", "down")]
    assert items[0].sources[0].text == SOURCE.text


def test_ping(backend):
    backend.ping()


def test_redis_down_at_start_is_a_clear_error():
    from tests.services import free_port

    with pytest.raises(StoreError) as err:
        RedisStore.connect(f"redis://127.0.0.1:{free_port()}/0")
    assert "REDIS_URL" in err.value.message and "redis://" not in err.value.message


@pytest.fixture(params=["local", "redis"])
def gate_factory(request):
    if request.param == "local":
        return lambda per_minute, burst, slots: LocalGate(per_minute, burst, slots, notice_after_s=0.2)
    store = RedisStore.connect(request.getfixturevalue("redis_url"))
    request.addfinalizer(store.close)
    return lambda per_minute, burst, slots: RedisGate(store.r, per_minute, burst, slots, notice_after_s=0.2)


def test_token_bucket_allows_a_burst_then_says_how_long_to_wait(gate_factory):
    gate = gate_factory(60, 3, 2)
    assert [gate.wait_time("U1") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = gate.wait_time("U1")
    assert 0 < wait <= 1.0  # 60/min refills one token a second
    assert gate.wait_time("U2") == 0.0  # another user has their own bucket
    time.sleep(1.05)
    assert gate.wait_time("U1") == 0.0


def test_global_cap_queues_and_reports_the_place_in_line(gate_factory):
    gate = gate_factory(600, 100, 1)
    active, peak, told = [0], [0], []
    lock = threading.Lock()

    def work(i: int) -> None:
        with gate.slot(on_queued=told.append):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.3)
            with lock:
                active[0] -= 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
        time.sleep(0.02)
    for t in threads:
        t.join(10)
    assert peak[0] == 1  # never two answers at once with one slot
    assert told and all(p >= 1 for p in told)
