"""One suite, two backends: the shared state store behaves the same on SQLite and on a real Redis."""
from __future__ import annotations

import threading
import time

import pytest

from bot.common.errors import StoreError
from bot.common.models import Answer, Feedback, Turn
from bot.state.limits import LocalGate
from bot.state.redis_gate import RedisGate
from bot.state.redis_store import RedisStore
from bot.state.store import SQLiteStore
from bot.state.work import BUSY, DONE, NEW, RESUMED, Work
from tests.clock import ManualClock
from tests.fakes import SOURCE
from tests.waiting import wait_for


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.slow)])
def backend(request, tmp_path, clock):
    if request.param == "sqlite":
        store = SQLiteStore(tmp_path / "state.sqlite3", max_turns=3, clock=clock)
    else:
        store = RedisStore.connect(request.getfixturevalue("redis_url"))
        store.max_turns = 3
        store.clock = clock
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


def test_a_claim_is_won_once_until_it_expires(backend, clock):
    assert backend.claim("slack:event:Ev1", 0.3) is True
    assert backend.claim("slack:event:Ev1", 0.3) is False
    assert backend.claim("slack:event:Ev2", 0.3) is True
    clock.advance(1.0)  # SQLite keeps time by the injected clock; Redis by its own TTLs (PX), waited out below
    wait_for(lambda: backend.claim("slack:event:Ev1", 0.3), 5, "the claim to expire")


def test_work_is_new_then_busy_then_resumed_when_its_lease_runs_out(backend, clock):
    work = Work("slack:C1:1.000001", '{"text": "q"}')
    state, first = backend.begin_work(work, "A", 10)
    assert (state, first.attempts) == (NEW, 1)
    assert backend.begin_work(work, "B", 10)[0] == BUSY  # Slack's retry while A is still answering
    backend.note_reply(work.key, "1700000001.000001")
    clock.advance(5)
    backend.renew_work([work.key], "A", 10)
    clock.advance(9)  # 14 s after the start, 9 s after the renewal: still A's
    assert backend.begin_work(work, "B", 10)[0] == BUSY and backend.orphaned_work("B", 10, prefix="slack:") == []
    clock.advance(2)  # A stopped renewing: the lease has run out
    assert backend.unfinished("slack:") == 1
    [taken] = backend.orphaned_work("B", 10, prefix="slack:")
    assert (taken.key, taken.reply_id, taken.attempts) == (work.key, "1700000001.000001", 2)
    assert backend.orphaned_work("C", 10, prefix="slack:") == []  # B holds it now
    assert backend.begin_work(work, "A", 10)[0] == BUSY  # A back from the dead does not answer it too
    backend.finish_work(work.key)
    assert backend.begin_work(work, "C", 10)[0] == DONE and backend.unfinished("slack:") == 0


def test_released_work_is_taken_over_at_once_and_other_platforms_are_left_alone(backend):
    slack, discord = Work("slack:C1:2.1", "{}"), Work("discord:ix:42", "{}")
    backend.begin_work(slack, "A", 10)
    backend.begin_work(discord, "A", 10)
    backend.release_work([slack.key, discord.key], "B")  # not B's: nothing happens
    assert backend.orphaned_work("B", 10, prefix="slack:") == []
    backend.release_work([slack.key, discord.key], "A")  # a clean shutdown
    assert [w.key for w in backend.orphaned_work("B", 10, prefix="slack:")] == [slack.key]
    state, resumed = backend.begin_work(discord, "C", 10)  # a retry of released work is not a duplicate
    assert state == RESUMED and resumed.attempts == 2


def test_concurrent_begins_have_exactly_one_winner(backend):
    results: list[str] = []
    start = threading.Barrier(8)

    def begin(i: int) -> None:
        start.wait()
        results.append(backend.begin_work(Work("slack:C1:3.1", "{}"), f"W{i}", 10)[0])

    threads = [threading.Thread(target=begin, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [BUSY] * 7 + [NEW]


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


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.slow)])
def gate_factory(request):
    gates: list = []
    if request.param == "local":
        def make(per_minute, burst, slots, **kw):
            return LocalGate(per_minute, burst, slots, notice_after_s=0.2)
    else:
        store = RedisStore.connect(request.getfixturevalue("redis_url"))
        request.addfinalizer(store.close)

        def make(per_minute, burst, slots, **kw):
            gates.append(RedisGate(store.r, per_minute, burst, slots, notice_after_s=0.2, **kw))
            return gates[-1]
    yield make
    for g in gates:
        g.close()


def test_the_per_user_limit_allows_a_burst_then_says_how_long_to_wait(gate_factory):
    gate = gate_factory(180, 3, 2)  # 3 in any 1 s (the shortest window `limits` keeps)
    assert [gate.wait_time("U1") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = gate.wait_time("U1")
    assert 0 < wait <= 1.0
    assert gate.wait_time("U2") == 0.0  # another user has their own window
    # The `limits` library keeps time by time.time() (no clock to inject): wait for the window to move on.
    wait_for(lambda: gate.rate.limiter.test(gate.rate.item, "U1"), 5, "the window to free a question")
    assert gate.wait_time("U1") == 0.0


def hold(gate, started: threading.Event, release: threading.Event, order: list, name: str, told: list) -> None:
    with gate.slot(on_queued=told.append):
        order.append(name)
        started.set()
        release.wait(10)


def test_the_answer_gate_is_first_come_first_served_and_says_the_place_in_line(gate_factory):
    gate = gate_factory(600, 100, 1)
    order: list[str] = []
    told: list[int] = []
    releases = [threading.Event() for _ in range(4)]
    starts = [threading.Event() for _ in range(4)]
    threads = []
    for i in range(4):
        t = threading.Thread(target=hold, args=(gate, starts[i], releases[i], order, f"q{i}", told))
        t.start()
        threads.append(t)
        if i == 0:
            starts[0].wait(5)
        else:  # in line before the next one comes
            wait_for(lambda i=i: len(told) >= i, 5, f"q{i} told its place in line")
    assert order == ["q0"] and sorted(told) == [1, 2, 3]
    for i in range(4):
        releases[i].set()
        if i < 3:
            starts[i + 1].wait(5)
    for t in threads:
        t.join(5)
    assert order == ["q0", "q1", "q2", "q3"]  # never two at once, in arrival order


def test_a_waiter_is_woken_by_the_release_not_by_polling(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    gate = RedisGate(client, 600, 100, 1)
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    try:
        holder = threading.Thread(target=hold, args=(gate, holding, release, [], "h", []))
        holder.start()
        holding.wait(5)
        before = client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)
        got, done = threading.Event(), threading.Event()
        waiter = threading.Thread(target=hold, args=(gate, got, done, [], "w", []))
        waiter.start()
        assert not got.wait(0.6)  # held: the waiter waits (a 50 ms poll would have asked 12 times by now)
        release.set()
        assert got.wait(5)
        calls = client.info("commandstats")["cmdstat_evalsha"]["calls"] - before
        assert calls <= 4, calls  # its first try, maybe one 1 s fallback, the try after the wake-up (+ release)
    finally:
        release.set()
        done.set()
        gate.close()
        client.close()


def test_a_slot_of_a_killed_holder_expires_and_a_clean_close_releases_at_once(redis_url, tmp_path):
    import subprocess
    import sys

    import redis

    release, second_done = threading.Event(), threading.Event()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, redis, time\n"
        "from bot.state.redis_gate import RedisGate\n"
        f"g = RedisGate(redis.Redis.from_url({redis_url!r}, decode_responses=True), 600, 100, 1)\n"
        "with g.slot():\n"
        "    print('held', flush=True)\n"
        "    time.sleep(600)\n")], stdout=subprocess.PIPE, text=True)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    gate = other = None
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.kill()  # SIGKILL: no release, no more renewals
        holder.wait(10)
        # The waiter's clock starts after the holder's last renewal (a clock made before the holder had started
        # could be moved past the lease's start only, on a slow machine: the lease then never ran out).
        clock = ManualClock()
        gate = RedisGate(client, 600, 100, 1, clock=clock)
        other = RedisGate(client, 600, 100, 1)
        got = threading.Event()
        waiter = threading.Thread(target=hold, args=(gate, got, release, [], "w", []))
        waiter.start()
        assert not got.wait(0.3)  # the dead holder's lease has not run out yet
        clock.advance(gate.lease_s + 1)
        assert got.wait(5)  # reclaimed at the next check (the 1 s fallback): seconds, not minutes
        woke, second_done = threading.Event(), threading.Event()
        second = threading.Thread(target=hold, args=(other, woke, second_done, [], "o", []))
        second.start()
        assert not woke.wait(0.3)
        gate.close()  # a clean shutdown gives the slot back and wakes the next in line
        release.set()
        assert woke.wait(3)
    finally:
        release.set()
        second_done.set()
        if holder.poll() is None:
            holder.kill()
        for g in (gate, other):
            if g is not None:
                g.close()
        client.close()
