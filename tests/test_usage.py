"""Usage figures in the state store (SQLite and a real Redis), counted by the Bot once per answer; handled gaps."""
from __future__ import annotations

import calendar

import pytest

from bot.common.models import Feedback
from bot.core.bot import Bot
from bot.state.gaps import Gap, GapGroup, SQLiteGaps
from bot.state.handled import RedisHandled, SQLiteHandled, find_group, group_id, split_handled
from bot.state.redis_store import RedisStore
from bot.state.reports import Filter, filter_feedback, percentile_ms, usage_report
from bot.state.usage import (
    LATENCY_BOUNDS_MS,
    RedisUsage,
    SQLiteUsage,
    UsageEvent,
    bucket_of,
    channel_of,
    day_of,
    usage_event,
)
from tests.fakes import FakeEngine, FakeRetriever

DAY1 = calendar.timegm((2024, 5, 1, 10, 0, 0))  # 2024-05-01 10:00 UTC
DAY2 = DAY1 + 86400


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.slow)])
def backends(request, tmp_path):
    """(usage log, handled marks) on one backend."""
    if request.param == "sqlite":
        usage, marks = SQLiteUsage(tmp_path / "state.sqlite3"), SQLiteHandled(tmp_path / "state.sqlite3")
        yield usage, marks
        usage.close()
        marks.close()
    else:
        store = RedisStore.connect(request.getfixturevalue("redis_url"))
        yield RedisUsage(store.client), RedisHandled(store.client)
        store.close()


def test_conversation_ids_name_platform_and_channel() -> None:
    assert channel_of("slack:T1:C0GENERAL:1700000000.1") == ("slack", "C0GENERAL")
    assert channel_of("slack:T1:D0DM:dm") == ("slack", "D0DM")
    assert channel_of("discord:42:9001") == ("discord", "9001")
    assert channel_of("discord:dm:12345") == ("discord", "dm")  # no user id is kept
    assert channel_of("console") == ("console", "")
    assert channel_of("ask:ab12cd34:0") == ("ask", "")


def test_answer_times_fall_in_buckets_and_percentiles_are_their_bounds() -> None:
    assert bucket_of(0.010) == 0 and bucket_of(0.025) == 0 and bucket_of(0.026) == 1
    assert bucket_of(600.0) == len(LATENCY_BOUNDS_MS)  # slower than the last bound: the last bucket
    latency = [0] * (len(LATENCY_BOUNDS_MS) + 1)
    for seconds in [0.02] * 18 + [0.12, 0.9]:
        latency[bucket_of(seconds)] += 1
    assert percentile_ms(latency, 0.5) == 25 and percentile_ms(latency, 0.95) == 150
    assert percentile_ms([0] * len(latency), 0.5) is None


def test_counts_per_day_platform_and_channel(backends) -> None:
    usage, _ = backends
    events = [UsageEvent(DAY1, "slack", "C1", False, 0.02), UsageEvent(DAY1 + 60, "slack", "C1", True, 0.2),
              UsageEvent(DAY1 + 120, "discord", "9", False, 1.2), UsageEvent(DAY2, "slack", "C1", False, 0.04)]
    for e in events:
        usage.record(e)
    got = {(c.day, c.platform, c.channel): c for c in usage.counts("2024-05-01", "2024-05-02")}
    assert set(got) == {("2024-05-01", "slack", "C1"), ("2024-05-01", "discord", "9"), ("2024-05-02", "slack", "C1")}
    c = got[("2024-05-01", "slack", "C1")]
    assert (c.questions, c.refused, sum(c.latency)) == (2, 1, 2)
    assert c.latency[bucket_of(0.2)] == 1
    assert [x.day for x in usage.counts("2024-05-02", "2024-05-02")] == ["2024-05-02"]


def test_a_report_folds_counts_and_votes(backends) -> None:
    usage, _ = backends
    for i in range(10):
        usage.record(UsageEvent(DAY1 + i, "slack", "C1", i < 3, 0.05))
    usage.record(UsageEvent(DAY2, "discord", "9", False, 0.3))
    votes = [Feedback(f"a{i}", "down" if i < 2 else "up", "U1", "slack", "slack:T:C1:1.0", "q", "a", (), DAY1 + i)
             for i in range(3)]
    report = usage_report(usage.counts("2024-05-01", "2024-05-03"), votes, "2024-05-01", "2024-05-03")
    assert report.days == ("2024-05-01", "2024-05-02", "2024-05-03")
    assert (report.total.questions, report.total.refused, report.total.down, report.total.up) == (11, 3, 2, 1)
    assert report.series[("slack", "C1")] == (10, 0, 0) and report.series[("discord", "9")] == (0, 1, 0)
    assert report.by_channel[("slack", "C1")].refusal_rate == 0.3
    assert report.by_channel[("slack", "C1")].down_rate == 0.2
    assert report.total.p50_ms == 50 and report.total.p95_ms == 300
    only = usage_report(usage.counts("2024-05-01", "2024-05-03"), votes, "2024-05-01", "2024-05-03",
                        Filter(platform="discord"))
    assert only.total.questions == 1 and only.total.down == 0


def test_the_bot_counts_each_answer_once(store, tmp_path) -> None:
    usage = SQLiteUsage(tmp_path / "state.sqlite3")
    gaps = SQLiteGaps(tmp_path / "state.sqlite3")
    bot = Bot(FakeRetriever(), FakeEngine(text="No.", grounded=False), store, gaps=gaps, usage=usage)
    bot.answer("Who won the election?", "slack:T1:C7:1.0")
    bot.answer("Who won the election?", "console")
    probe = bot.probe("Who won the election?")  # a recheck: counted nowhere
    assert not probe.grounded
    day = day_of(bot.clock())
    got = {(c.platform, c.channel): (c.questions, c.refused) for c in usage.counts(day, day)}
    assert got == {("slack", "C7"): (1, 1), ("console", ""): (1, 1)}
    assert len(gaps.gaps()) == 2 and store.turns("probe") == []
    usage.close()
    gaps.close()


def test_a_failing_usage_log_never_costs_the_answer(store) -> None:
    class Broken:
        def record(self, event: UsageEvent) -> None:
            raise OSError("disk full")

    bot = Bot(FakeRetriever(), FakeEngine(text="Yes."), store, usage=Broken())
    assert bot.answer("Is it?", "console").text == "Yes."


def test_handled_gaps_leave_the_open_list(backends) -> None:
    _, marks = backends
    gaps = [Gap(f"k{i}", "refused", "Who won?", "en", "slack", DAY1 + i) for i in range(3)]
    assert marks.mark(["k0", "k1"], at=DAY2) == 2
    marks.mark(["k0"], at=DAY2 + 5)  # marked once: the first time stays
    assert marks.handled() == {"k0": DAY2, "k1": DAY2}
    open_, done = split_handled(gaps, marks.handled())
    assert [g.key for g in open_] == ["k2"] and [g.key for g in done] == ["k0", "k1"]


def test_groups_are_found_by_their_short_id() -> None:
    group = GapGroup(2, "Who won the  Election?", ("a", "b"), "", ("en",), ("slack",), 2, 0, (), DAY1, ("k1", "k2"))
    gid = group_id(group)
    assert len(gid) == 8 and find_group([group], gid.upper()) is group and find_group([group], "nope") is None


def test_feedback_filters_by_platform_channel_day_and_vote() -> None:
    items = [Feedback("a1", "down", "U", "slack", "slack:T:C1:1.0", "q1", "a", (), DAY1),
             Feedback("a2", "up", "U", "discord", "discord:1:9", "q2", "a", (), DAY2),
             Feedback("a3", "down", "U", "slack", "slack:T:C2:1.0", "q3", "a", (), DAY2)]
    assert [f.answer_id for f in filter_feedback(items, Filter())] == ["a2", "a3", "a1"]  # newest first
    assert [f.answer_id for f in filter_feedback(items, Filter(platform="slack"))] == ["a3", "a1"]
    assert [f.answer_id for f in filter_feedback(items, Filter(channel="C1"))] == ["a1"]
    assert [f.answer_id for f in filter_feedback(items, Filter(first_day="2024-05-02"))] == ["a2", "a3"]
    assert [f.answer_id for f in filter_feedback(items, Filter(vote="down", last_day="2024-05-01"))] == ["a1"]


def test_usage_event_from_a_conversation() -> None:
    e = usage_event("discord:1:2", True, 0.5, at=DAY1)
    assert (e.platform, e.channel, e.refused, e.at) == ("discord", "2", True, DAY1)
