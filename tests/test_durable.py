"""Nothing lost, nothing repeated: the real HTTP adapter stopped, killed, without Redis, on a full disk, and fed
hostile input — each acknowledged question answered exactly once (counts from the fake Slack's threads)."""
from __future__ import annotations

import signal

import pytest

from tests import fault_scenarios as runs
from tests.services import RedisServer, Tmpfs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_stop_or_a_kill_with_20_in_flight_then_a_restart_answers_each_once(kb_copy, tmp_path, sig):
    result = runs.stop_and_restart(kb_copy, tmp_path, sig)
    t = result["tally"]
    print(result["signal"], result["in_flight_at_signal"], "in flight;", result["answered_before_restart"],
          "answered before the restart;", t.line())
    assert result["in_flight_at_signal"] >= 10  # the stop really caught answers in flight
    assert (t.acknowledged, t.answered_once, t.duplicates, t.lost) == (20, 20, 0, 0)
    assert result["retries_status"] == [200]  # Slack's retries after the restart: acknowledged, not re-answered
    if sig == signal.SIGTERM:
        assert result["exit_s"] < 30  # drained for BRIEFBOT_DRAIN_SECONDS, not killed by a timeout


def test_redis_killed_and_restarted_with_questions_in_between(kb_copy, tmp_path):
    redis = RedisServer(tmp_path / "redis", persist=True)
    (tmp_path / "redis").mkdir()
    redis.start()
    try:
        result = runs.redis_outage(kb_copy, tmp_path, redis)
    finally:
        redis.stop()
    t = result["tally"]
    print(t.line())
    assert result["health_while_down"][0] == 503 and '"store":"down' in result["health_while_down"][1]
    assert result["between_status"] == [200]  # answered without the store rather than dropped
    assert (t.acknowledged, t.answered_once, t.duplicates, t.lost) == (15, 15, 0, 0)


def test_a_full_disk_still_answers_and_turns_health_red(kb_settings, tmp_path, chroma_server):
    disk = Tmpfs(tmp_path / "disk").mount()
    try:
        result = runs.disk_full(disk.path, tmp_path, chroma_server, disk.fill)
    finally:
        disk.unmount()
    t = result["tally"]
    print(t.line(), result["health"])
    assert t.acknowledged == 3 and t.answered_once + t.notice_once == 3 and t.lost == 0 and t.duplicates == 0
    assert result["health"][0] == 503 and "disk is full" not in result["health"][1]  # kinds only, no paths


def test_40000_commas_from_one_user_do_not_hold_up_another(kb_copy, tmp_path):
    result = runs.hostile_commas(kb_copy, tmp_path)
    t = result["tally"]
    print(result)
    assert (t.acknowledged, t.answered_once + t.notice_once, t.lost) == (2, 2, 0)
    assert "characters long" in result["hostile_reply"]  # refused by its length, before any pattern ran
