"""Fault runs against the real HTTP adapter (`python -m adapters.serve` processes), the fake Slack Web API and real
redis-server / `chroma run` processes: stop, kill, outages, a full disk, hostile input. Each run returns counts
(acknowledged, answered once, duplicates, lost) and timings; tests/test_durable.py asserts the counts and
bench/bench_faults.py prints everything.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.language.phrases import PHRASES
from tests.services import free_port, wait_until
from tests.slack_fake import FakeSlackAPI
from tests.slack_harness import BOT_TOKEN, SECRET, Reply, mention, new_ts, post, signed_request

ROOT = Path(__file__).resolve().parents[1]
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
WAITING = tuple(t for key in ("thinking",) for t in PHRASES[key].values())
QUEUED = ("Busy right now", "Het is even druk")


@dataclass
class Worker:
    """One `python -m adapters.serve` process (one uvicorn worker unless told) on its own port; start, stop, kill,
    start again."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    workers: int = 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def start(self, timeout: float = 120.0, ready: tuple[int, ...] = (200, 503)) -> Worker:
        """Start and wait until /healthz answers with one of `ready` (503: serving, with its store down)."""
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "adapters.serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)], env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

        def up() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            return self.health()[0] in ready

        wait_until(up, timeout, f"the worker on {self.port}")
        return self

    def health(self) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> float:
        """Send `sig` and wait for the exit; returns how long the process took to go."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        return time.monotonic() - started


def worker_env(data_dir: Path, api: FakeSlackAPI, **extra: str) -> dict[str, str]:
    env = {**os.environ, "BRIEFBOT_DATA_DIR": str(data_dir), "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url, "LOG_FORMAT": "json",
           "BRIEFBOT_WORK_LEASE_SECONDS": "2", "BRIEFBOT_DRAIN_SECONDS": "1", "BRIEFBOT_RATE_PER_MINUTE": "100000",
           "BRIEFBOT_RATE_BURST": "100000", "OMP_NUM_THREADS": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


QUESTIONS = [
    "Wie kondigde de conferentie over gedeporteerde kinderen aan?",
    "Does China want to get militarily involved in Ukraine, according to Borrell?",
    "Hoe omschrijft het artikel de EU als voorbeeld van multilateralisme?",
    "What did Borrell say about China?",
    "Wat zei Guterres over multilateralisme?",
]


def events(n: int, tag: str) -> list[dict]:
    """n mentions, each in its own channel (so the tally can tell their threads apart)."""
    return [mention(QUESTIONS[i % len(QUESTIONS)], user=f"U{tag}{i:03d}", channel=f"C{tag}{i:04d}", ts=new_ts())
            for i in range(n)]


def deliver(url: str, payloads: list[dict], *, retry: bool = False, workers: int = 20) -> list[Reply]:
    """POST the signed events concurrently, as Slack does; a refused connection is a Reply with status 0."""
    def one(p: dict) -> Reply:
        body, headers = signed_request(p, extra_headers=RETRY if retry else None)
        started = time.monotonic()
        try:
            return post(url, body, headers, timeout=30)
        except OSError as exc:
            return Reply(0, type(exc).__name__, time.monotonic() - started)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, payloads))


def outcome_of(message: dict) -> str:
    """'answer' (has the 👍/👎 buttons), 'waiting' (placeholder or place in line) or 'notice' (hint, apology…)."""
    if any(b.get("type") in ("actions", "context_actions") for b in message.get("blocks") or []):
        return "answer"
    text = message.get("text") or ""
    return "waiting" if text in WAITING or text.startswith(QUEUED) else "notice"


@dataclass
class Tally:
    acknowledged: int = 0
    answered_once: int = 0  # exactly one answer message (edits of that one message don't count twice)
    notice_once: int = 0  # exactly one notice (an apology, a hint) and no answer
    duplicates: int = 0  # more than one answer or notice message for one question
    lost: int = 0  # acknowledged, and nothing but a placeholder (or nothing at all) to show for it
    stale_placeholders: int = 0  # an extra "Looking it up…" left behind next to the answer
    final_edits: int = 0  # chat.update calls that put an answer in (a takeover may redo one: same message)

    def line(self) -> str:
        return (f"acknowledged {self.acknowledged}, answered once {self.answered_once}, notice once "
                f"{self.notice_once}, duplicates {self.duplicates}, lost {self.lost}, stale placeholders "
                f"{self.stale_placeholders}, answer edits {self.final_edits}")


def tally(api: FakeSlackAPI, payloads: list[dict], acked: set[str]) -> Tally:
    """Per question, what the fake Slack shows in its thread now."""
    t = Tally(acknowledged=len(acked))
    with api._lock:
        messages = [dict(m) for m in api.messages.values()]
    by_thread: dict[tuple[str, str], list[dict]] = {}
    for m in messages:
        by_thread.setdefault((m.get("channel"), m.get("thread_ts")), []).append(m)
    answer_updates = [c for c in api.calls("chat.update") if outcome_of(c.body) == "answer"]
    t.final_edits = len(answer_updates)
    for p in payloads:
        e = p["event"]
        if e["ts"] not in acked:
            continue
        kinds = [outcome_of(m) for m in by_thread.get((e["channel"], e["ts"]), [])]
        answers, notices = kinds.count("answer"), kinds.count("notice")
        if answers + notices == 0:
            t.lost += 1
        elif answers + notices > 1:
            t.duplicates += 1
        elif answers == 1:
            t.answered_once += 1
        else:
            t.notice_once += 1
        t.stale_placeholders += kinds.count("waiting") if answers + notices else 0
    return t


def settle(api: FakeSlackAPI, payloads: list[dict], acked: set[str], timeout: float = 60.0) -> Tally:
    """Wait until every acknowledged question has an outcome and Slack has been quiet a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = tally(api, payloads, acked)
        if t.lost == 0:
            break
        time.sleep(0.1)
    api.quiet(0.5, timeout=30)
    return tally(api, payloads, acked)


def acked_ts(payloads: list[dict], replies: list[Reply]) -> set[str]:
    return {p["event"]["ts"] for p, r in zip(payloads, replies) if r.status == 200}


# --- the runs ---------------------------------------------------------------------------------------------------

def stop_and_restart(data_dir: Path, tmp: Path, sig: int, n: int = 20, slack_delay_s: float = 0.8) -> dict[str, Any]:
    """n mentions in flight, then `sig` to the worker, a restart, and Slack's retries of every one of them."""
    api = FakeSlackAPI(delay_s=slack_delay_s).start()
    env = worker_env(data_dir, api)
    name = signal.Signals(sig).name
    first = Worker(env, tmp / f"{name}-1.log").start()
    second = None
    try:
        payloads = events(n, name[3:5])
        replies = deliver(first.url, payloads)
        acked = acked_ts(payloads, replies)
        wait_until(lambda: len(api.calls("chat.postMessage")) >= 1, 10, "the first placeholder")
        in_flight = n - tally(api, payloads, acked).answered_once
        stopped_s = first.stop(sig)
        before = tally(api, payloads, acked)
        second = Worker(env, tmp / f"{name}-2.log").start()
        unacked = [p for p in payloads if p["event"]["ts"] not in acked]
        retried = deliver(second.url, payloads, retry=True)  # Slack retries; the unacknowledged ones above all
        acked |= acked_ts(unacked, [r for p, r in zip(payloads, retried) if p["event"]["ts"] not in acked])
        after = settle(api, payloads, acked)
        return {"signal": name, "sent": n, "in_flight_at_signal": in_flight, "exit_s": round(stopped_s, 2),
                "answered_before_restart": before.answered_once, "retries_status": sorted({r.status for r in retried}),
                "tally": after}
    finally:
        for w in (first, second):
            if w is not None:
                w.stop(signal.SIGKILL)
        api.stop()


def redis_outage(data_dir: Path, tmp: Path, redis: Any, n_between: int = 5) -> dict[str, Any]:
    """Questions in flight when Redis is killed, n_between while it is down, then Redis back and more questions."""
    api = FakeSlackAPI(delay_s=0.3).start()
    worker = Worker(worker_env(data_dir, api, REDIS_URL=redis.url), tmp / "redis-worker.log").start()
    try:
        in_flight = events(5, "RF")
        acked = acked_ts(in_flight, deliver(worker.url, in_flight))
        redis.proc.kill()
        redis.proc.wait(10)
        health_down = worker.health()
        between = events(n_between, "RB")
        replies = deliver(worker.url, between)
        acked |= acked_ts(between, replies)
        answered_while_down = settle(api, in_flight + between, acked, timeout=60)
        redis.start()
        wait_until(lambda: worker.health()[0] == 200, 30, "/healthz after Redis is back")
        after = events(5, "RA")
        acked |= acked_ts(after, deliver(worker.url, after))
        retried = deliver(worker.url, in_flight + between, retry=True)  # late retries must not answer again
        everything = in_flight + between + after
        return {"health_while_down": health_down, "between_status": sorted({r.status for r in replies}),
                "retries_status": sorted({r.status for r in retried}),
                "while_down": answered_while_down, "tally": settle(api, everything, acked)}
    finally:
        worker.stop(signal.SIGKILL)
        api.stop()


def disk_full(data_dir: Path, tmp: Path, chroma: Any, fill: Any, n: int = 3) -> dict[str, Any]:
    """The state file's disk fills up while the worker runs: answers (or apologies) go on, /healthz turns red."""
    api = FakeSlackAPI().start()
    worker = Worker(worker_env(data_dir, api, **chroma.env(), BRIEFBOT_COLLECTION="faults"), tmp / "full.log")
    worker.start()
    try:
        fill()
        payloads = events(n, "DF")
        acked = acked_ts(payloads, deliver(worker.url, payloads))
        return {"health": worker.health(), "tally": settle(api, payloads, acked),
                "log_tail": worker.log.read_text()[-1500:]}
    finally:
        worker.stop(signal.SIGKILL)
        api.stop()


def hostile_commas(data_dir: Path, tmp: Path, commas: int = 40_000) -> dict[str, Any]:
    """'Who is Borrell?' and 40,000 commas from one user, then an ordinary question from another."""
    api = FakeSlackAPI().start()
    worker = Worker(worker_env(data_dir, api), tmp / "commas.log").start()
    try:
        hostile = mention("Who is Borrell?" + "," * commas, user="UATTACK", channel="CHOSTILE")
        normal = mention("What did Borrell say about China?", user="UOTHER", channel="CNORMAL")
        sent: dict[str, Reply] = {}
        t0 = time.monotonic()
        hostile_thread = threading.Thread(target=lambda: sent.update(h=deliver(worker.url, [hostile])[0]))
        hostile_thread.start()  # the hostile one first (give or take a millisecond), as in the report
        t1 = time.monotonic()
        sent["n"] = deliver(worker.url, [normal])[0]
        hostile_thread.join(60)
        acked = acked_ts([hostile, normal], [sent["h"], sent["n"]])
        result = settle(api, [hostile, normal], acked)
        answer_at = next((c.at for c in api.calls("chat.update", "chat.postMessage")
                          if c.body.get("channel") == "CNORMAL" and outcome_of(c.body) == "answer"), None)
        hostile_reply = next((m for m in api.messages.values() if m.get("channel") == "CHOSTILE"), {})
        return {"other_ack_s": round(sent["n"].elapsed, 3), "hostile_ack_s": round(sent["h"].elapsed, 3),
                "other_answer_s": round(answer_at - t1, 3) if answer_at else None, "started": t0,
                "hostile_reply": (hostile_reply.get("text") or "")[:160], "tally": result}
    finally:
        worker.stop(signal.SIGKILL)
        api.stop()
