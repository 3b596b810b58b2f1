"""Load test on loopback: 4 Slack HTTP workers, a Chroma server and Redis (issue 5's "Must show").

    .venv/bin/python -m bench.load_scale            # 500 mentions + 500 retries, bursts of 50
    .venv/bin/python -m bench.load_scale --json
    .venv/bin/python -m bench.load_scale --keep     # keep the temp dir (logs, metrics) and say where it is

What runs: `chroma run` and `redis-server` (tests/services), the fake Slack Web API (tests/slack_fake) in this
process, and ONE `python -m adapters.serve --workers 4` subprocess (the Procfile's web line) with the embedded
default engine, pointed at all three. The bundled article is ingested into the Chroma server first
(`python -m bot ingest`, same env) so the workers never race to index it.

Then 500 signed `app_mention` events (distinct event_id and channel/ts, ~100 users, questions from the dev and
extra question files) are sent in bursts of 50 concurrent requests, and every event is re-delivered once as
Slack's retry (X-Slack-Retry-Num: 1, X-Slack-Retry-Reason: http_timeout, same body) in the same or a later burst.

Measured: HTTP status and time to response for every request; then, from what the fake Slack recorded, per
original event: answered (chat.update of the placeholder with the final answer), rate-limited (a notice posted
in the thread), duplicates (more than one placeholder/answer/notice for one event), lost (neither answer nor
rate-limit notice), time to the final answer; /healthz, /metrics totals, and any error lines or worker restarts
in the workers' log. Nothing is asserted: problems are printed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    PYTHON,
    REPO,
    EVAL,
    CpuWatch,
    child_env,
    emit,
    load_questions,
    machine,
    machine_line,
    ms,
    noise_line,
    note,
    run_checked,
    summary_ms,
    table,
)

BOT_TOKEN = "xoxb-bench"
RETRY_HEADERS = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
METRICS = ("briefbot_questions_total", "briefbot_dedup_hits_total", "briefbot_rate_limited_total",
           "briefbot_refusals_total", "briefbot_errors_total", "briefbot_answer_seconds_count")
ERROR_NOTICES = ("apology", "store_down", "llm_timeout", "llm_failed")


# --- telling the bot's messages apart (adapters/slack_listeners.py, adapters/slack_format.py, bot/language.py) ---

def _phrase_patterns() -> dict[str, re.Pattern]:
    from adapters.slack_format import escape
    from bot.language import PHRASES

    out = {}
    for key in ("thinking", "queued", "rate_limited", "usage", "empty_question", "too_long", *ERROR_NOTICES):
        alts = []
        for text in PHRASES[key].values():
            parts = re.split(r"\{[^}]*\}", escape(text))
            alts.append(".*?".join(re.escape(p) for p in parts))
        out[key] = re.compile("^(?:" + "|".join(alts) + ")$", re.DOTALL)
    return out


def kind_of(text: str | None, patterns: dict[str, re.Pattern]) -> str:
    for key, pattern in patterns.items():
        if pattern.match(text or ""):
            return key
    return "other"


def is_final_answer(body: dict) -> bool:
    """format_answer's blocks end with the 👍/👎 actions block (every answer has an id); notices never do."""
    return any(b.get("type") == "actions" for b in body.get("blocks") or [])


# --- processes ---

def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in found:
                found.add(c)
                todo.append(c)
    return found


def cpu_ticks(pids: set[int]) -> int:
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def workers_of(pid: int) -> set[int]:
    """The uvicorn worker processes (multiprocessing spawn children that run the app), not helper processes."""
    out = set()
    for p in descendants(pid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "multiprocessing" in cmd and "resource_tracker" not in cmd:
            out.add(p)
    return out


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_ready(base: str, proc: subprocess.Popen, workers: int, log: Path, timeout: float = 180.0) -> set[int]:
    """/healthz answers 200, `workers` worker processes exist, and their CPU use has settled (all loaded)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"adapters.serve exited with {proc.returncode}:\n{tail(log)}")
        try:
            status, _ = http_get(base + "/healthz", 2)
            if status == 200 and len(workers_of(proc.pid)) >= workers:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the workers did not come up in {timeout:.0f} s:\n{tail(log)}")
        time.sleep(0.25)
    last = cpu_ticks(descendants(proc.pid))
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:  # two quiet half-seconds in a row
        time.sleep(0.5)
        now = cpu_ticks(descendants(proc.pid))
        quiet = quiet + 1 if now - last <= 10 else 0
        last = now
    return workers_of(proc.pid)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_group(proc: subprocess.Popen | None, timeout: float = 15.0) -> None:
    """SIGTERM the process group we started (uvicorn stops its workers), SIGKILL it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    except ProcessLookupError:
        pass


# --- metrics ---

def metric_totals(text: str) -> dict[str, float]:
    totals = {name: 0.0 for name in METRICS}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in totals:
            try:
                totals[name] += float(line.rsplit(" ", 1)[1])
            except ValueError:
                pass
    return totals


# --- the load ---

@dataclass
class Sent:
    index: int  # the original event's index
    retry: bool
    started: float = 0.0
    elapsed: float = 0.0
    status: int = 0
    error: str = ""


# How people start a question in Slack: with these, every mention's text is distinct while the question stays one
# from the files, so no worker's query-embedding cache (knowledge/embeddings.py) answers a repeat for free. The
# question keeps its capital and gets no closing "Thanks!": a lower-cased question word after a greeting, or a
# trailing "Thanks!", turns the extractive engine's answers into refusals, and this test is about serving, not phrasing.
OPENERS = {
    "en": ["", "Question: ", "Quick question: ", "Hello! ", "Hi! ", "Hey! ", "Hi there. ", "Good morning! ", "Q: ",
           "Hello team! ", "Curious: "],
    "nl": ["", "Vraag: ", "Snelle vraag: ", "Hallo! ", "Hoi! ", "Hé! ", "Hoi allemaal. ", "Goedemorgen! ", "V: ",
           "Hallo team! ", "Benieuwd: "],
}


def distinct_texts(rows: list[dict], n: int, rng: random.Random) -> list[str]:
    """n distinct mention texts: a question from the files with an opener in its language."""
    combos = [o + r["q"] for r in rows for o in OPENERS.get(r.get("lang"), OPENERS["en"])]
    rng.shuffle(combos)
    if n > len(combos):
        raise ValueError(f"only {len(combos)} distinct texts available for {n} events")
    return combos[:n]


def make_events(n: int, users: int, channels: int, seed: int, *, prefix: str = "C", ts_base: int | None = None,
                distinct: bool = True) -> tuple[list[dict], list[str]]:
    from tests.slack_harness import mention

    files = (EVAL / "dev_qa.jsonl", EVAL / "extra_qa.jsonl")
    rows = load_questions(files)
    rng = random.Random(seed)
    questions = distinct_texts(rows, n, rng) if distinct else [rng.choice(rows)["q"] for _ in range(n)]
    names = [f"U{k:05d}" for k in range(1, users + 1)]
    weights = [1 / (k ** 0.5) for k in range(1, users + 1)]  # some users ask a lot: the per-user limit shows
    run = secrets.token_hex(3).upper()
    base = int(time.time()) - 60 if ts_base is None else ts_base
    events = []
    for i in range(n):
        ts = f"{base + i}.{i:06d}"
        events.append(mention(questions[i], user=rng.choices(names, weights)[0],
                              channel=f"{prefix}{i % channels:04d}", ts=ts, event_id=f"Ev{run}{i:05d}"))
    return events, questions


def schedule(n: int, burst: int, seed: int) -> list[Sent]:
    """Originals in order; each retry 1..1.5 bursts later in the sending order (the same or a later burst)."""
    rng = random.Random(seed + 1)
    keyed = [(2 * i, Sent(i, False)) for i in range(n)]
    keyed += [(2 * i + 2 * rng.randint(1, burst + burst // 2) + 1, Sent(i, True)) for i in range(n)]
    keyed.sort(key=lambda t: t[0])
    return [s for _, s in keyed]


async def send_bursts(url: str, events: list[dict], plan: list[Sent], burst: int, secret: str,
                      gap_s: float) -> None:
    import aiohttp

    from tests.slack_harness import signed_request

    bodies = [json.dumps(e).encode() for e in events]
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=burst), timeout=timeout) as session:
        async def one(s: Sent) -> None:
            # signed_request serialises the payload the same way every time: the retry's body is byte-identical
            body, headers = signed_request(events[s.index], secret=secret,
                                           extra_headers=RETRY_HEADERS if s.retry else None)
            assert body == bodies[s.index]
            s.started = time.monotonic()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    s.status = resp.status
            except Exception as exc:  # noqa: BLE001  (a failed request is a result, not a crash)
                s.error = f"{type(exc).__name__}: {exc}"
            s.elapsed = time.monotonic() - s.started

        for start in range(0, len(plan), burst):
            await asyncio.gather(*(one(s) for s in plan[start : start + burst]))
            if gap_s:
                await asyncio.sleep(gap_s)


def outcomes(api: Any, events: list[dict], plan: list[Sent], patterns: dict[str, re.Pattern],
             since: int = 0) -> dict[str, Any]:
    """Per original event, what the fake Slack saw: placeholders, notices, answers, and when (calls[since:])."""
    by_ts = {(e["event"]["channel"], e["event"]["ts"]): i for i, e in enumerate(events)}
    first_sent = {s.index: s.started for s in plan if not s.retry}
    posts: dict[int, list] = {}
    placeholder_of: dict[str, int] = {}
    stray = []
    calls = api.calls()[since:]
    for c in (c for c in calls if c.method == "chat.postMessage"):
        i = by_ts.get((c.body.get("channel"), c.body.get("thread_ts")))
        if i is None:
            stray.append(c)
            continue
        posts.setdefault(i, []).append(c)
        if kind_of(c.body.get("text"), patterns) in ("thinking", "queued") and c.status == 200 and c.response.get("ok"):
            placeholder_of[c.response["ts"]] = i
    updates: dict[int, list] = {}
    for c in (c for c in calls if c.method == "chat.update"):
        i = placeholder_of.get(c.body.get("ts"))
        if i is not None:
            updates.setdefault(i, []).append(c)
    failed_calls = [c for c in calls if c.status != 200 or not c.response.get("ok", False)]

    rows = []
    for i in range(len(events)):
        kinds = Counter(kind_of(c.body.get("text"), patterns) for c in posts.get(i, []))
        answers = [c for c in updates.get(i, []) if is_final_answer(c.body)]
        errors = [c for c in updates.get(i, []) if kind_of(c.body.get("text"), patterns) in ERROR_NOTICES]
        errors += [c for c in posts.get(i, []) if kind_of(c.body.get("text"), patterns) in ERROR_NOTICES]
        limited = [c for c in posts.get(i, []) if kind_of(c.body.get("text"), patterns) == "rate_limited"]
        placeholders = kinds["thinking"] + kinds["queued"]
        first = min([c.at for c in answers], default=None)
        rows.append({
            "index": i, "placeholders": placeholders, "answers": len(answers), "rate_limited": len(limited),
            "errors": len(errors), "other_posts": sum(v for k, v in kinds.items()
                                                      if k not in ("thinking", "queued", "rate_limited")),
            "to_answer": (first - first_sent[i]) if first is not None and i in first_sent else None,
            "to_notice": (min(c.at for c in limited) - first_sent[i]) if limited and i in first_sent else None,
        })
    return {"rows": rows, "stray": stray, "failed_calls": failed_calls}


def settled(api: Any, events: list[dict], patterns: dict[str, re.Pattern], since: int = 0) -> tuple[int, float]:
    """(events without an answer, rate-limit notice or error notice yet, seconds since the last call)."""
    res = outcomes(api, events, [], patterns, since)
    open_ = sum(1 for r in res["rows"] if not (r["answers"] or r["rate_limited"] or r["errors"]))
    calls = api.calls()
    idle = time.monotonic() - (calls[-1].at if calls else 0.0)
    return open_, idle


def log_problems(path: Path) -> dict[str, int]:
    """Warning/error lines of the workers' log (JSON lines or anything else), grouped: {"LEVEL logger: message": n}."""
    found: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            entry = None
        if isinstance(entry, dict):
            if entry.get("level") in ("ERROR", "CRITICAL", "WARNING"):
                exc = (entry.get("exc") or "").strip().splitlines()
                found[f"{entry['level']} {entry.get('logger')}: {entry.get('message')}"
                      + (f" [{exc[-1]}]" if exc else "")] += 1
        elif any(w in line.lower() for w in ("traceback", "error", "exception", "died", "killed", "critical")):
            found[line.strip()] += 1
    return dict(found)


def run(args: argparse.Namespace, tmp: Path, result: dict[str, Any]) -> None:
    from tests.services import ChromaServer, RedisServer, free_port
    from tests.slack_fake import FakeSlackAPI

    chroma = redis = api = proc = None
    try:
        (tmp / "chroma").mkdir()
        (tmp / "redis").mkdir()
        chroma = ChromaServer(tmp / "chroma" / "data")
        redis = RedisServer(tmp / "redis")
        note("starting chroma run, redis-server and the fake Slack API…")
        chroma.start()
        redis.start()
        api = FakeSlackAPI()
        if args.fake_backlog:
            # http.server listens with a backlog of 5: 4 workers' bursts of Web API calls overflow it and the kernel
            # resets connections, which Slack itself never does. A longer queue keeps the fake out of the figures.
            api._server.socket.listen(args.fake_backlog)
        api.start()
        secret = secrets.token_hex(16)
        env = child_env(
            SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=secret, SLACK_API_URL=api.url, **chroma.env(),
            REDIS_URL=redis.url, BRIEFBOT_DATA_DIR=str(tmp / "data"), PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"),
            LOG_FORMAT="json",
        )
        for k, v in (args.env or []):
            env[k] = v
        note("ingesting the bundled article into the Chroma server (python -m bot ingest)…")
        result["ingest"] = run_checked([PYTHON, "-m", "bot", "ingest"], env, what="python -m bot ingest").strip()

        port = free_port()
        log = tmp / "serve.log"
        note(f"starting python -m adapters.serve --workers {args.workers} on port {port}…")
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [PYTHON, "-m", "adapters.serve", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", str(args.workers)],
                env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        t0 = time.monotonic()
        workers = wait_ready(base, proc, args.workers, log)
        result["startup_s"] = round(time.monotonic() - t0, 1)
        note(f"{len(workers)} workers ready after {result['startup_s']} s")

        patterns = _phrase_patterns()
        url = base + "/slack/events"
        # Warm-up: a few questions so each worker has paid its first-question costs; excluded from every figure.
        warm, _ = make_events(args.warmup, 8, 1, seed=999, prefix="CWARM", ts_base=int(time.time()) - 86400)
        for e in warm:
            e["event_id"] = "Warm" + e["event_id"]
        warm_plan = [Sent(i, False) for i in range(len(warm))]
        asyncio.run(send_bursts(url, warm, warm_plan, len(warm), secret, 0))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and settled(api, warm, patterns)[0]:
            time.sleep(0.2)
        time.sleep(1.5)
        _, before = http_get(base + "/metrics")
        metrics_before = metric_totals(before)
        calls_before = len(api.calls())

        events, questions = make_events(args.events, args.users, args.channels, seed=args.seed,
                                        distinct=not args.repeat_questions)
        plan = schedule(len(events), args.burst, args.seed)
        note(f"sending {len(events)} mentions + {len(events)} retries in bursts of {args.burst}…")
        ours = {proc.pid, chroma.proc.pid, redis.proc.pid}
        ours_ticks = cpu_ticks(ours | descendants(proc.pid))
        watch = CpuWatch().__enter__()
        started = time.monotonic()
        asyncio.run(send_bursts(url, events, plan, args.burst, secret, args.gap))
        send_s = time.monotonic() - started
        note(f"all {len(plan)} requests answered by HTTP in {send_s:.1f} s; waiting for the answers…")

        deadline = time.monotonic() + args.timeout
        while True:
            open_, idle = settled(api, events, patterns, calls_before)
            if open_ == 0 and idle >= args.quiet:
                break
            if idle >= max(args.quiet, 30.0) or time.monotonic() > deadline:
                note(f"giving up waiting: {open_} events still without an answer or notice, {idle:.0f} s quiet")
                break
            time.sleep(0.5)
        done_s = time.monotonic() - started
        watch.__exit__()
        watch.exclude((cpu_ticks(ours | descendants(proc.pid)) - ours_ticks) / os.sysconf("SC_CLK_TCK"))

        health = http_get(base + "/healthz")
        _, after = http_get(base + "/metrics")
        metrics_after = metric_totals(after)
        alive = proc.poll() is None
        workers_end = workers_of(proc.pid) if alive else set()

        res = outcomes(api, events, plan, patterns, calls_before)
        rows = res["rows"]
        statuses = Counter(s.status for s in plan)
        req_errors = [s.error for s in plan if s.error]
        originals = [s for s in plan if not s.retry]
        retries = [s for s in plan if s.retry]
        answered = [r for r in rows if r["answers"]]
        limited = [r for r in rows if r["rate_limited"] and not r["answers"]]
        dup = [r for r in rows if r["placeholders"] + r["rate_limited"] > 1 or r["answers"] > 1
               or (r["answers"] and r["rate_limited"])]
        lost = [r for r in rows if not r["answers"] and not r["rate_limited"]]
        errored = [r for r in lost if r["errors"]]
        stuck = [r for r in lost if not r["errors"] and r["placeholders"]]
        silent = [r for r in lost if not r["errors"] and not r["placeholders"]]
        problems = log_problems(log)
        result.update({
            "events": len(events), "retries": len(retries), "burst": args.burst, "workers": args.workers,
            "users": len({e["event"]["user"] for e in events}), "distinct_questions": len(set(questions)),
            "base_questions": len({q for q in questions}) if args.repeat_questions else None,
            "distinct_texts": not args.repeat_questions,
            "send_s": round(send_s, 1), "done_s": round(done_s, 1),
            "http": {"statuses": {str(k): v for k, v in sorted(statuses.items())}, "client_errors": len(req_errors),
                     "all": summary_ms([s.elapsed for s in plan]),
                     "originals": summary_ms([s.elapsed for s in originals]),
                     "retries": summary_ms([s.elapsed for s in retries])},
            "answered": len(answered), "rate_limited": len(limited), "duplicates": len(dup), "lost": len(lost),
            "lost_with_error_notice": len(errored), "lost_stuck_on_placeholder": len(stuck),
            "lost_silent": len(silent),
            "to_answer": summary_ms([r["to_answer"] for r in answered if r["to_answer"] is not None]),
            "to_rate_limit_notice": summary_ms([r["to_notice"] for r in limited if r["to_notice"] is not None]),
            "slack_calls": len(api.calls()) - calls_before,
            "slack_calls_by_method": dict(Counter(c.method for c in api.calls()[calls_before:])),
            "failed_slack_calls": len(res["failed_calls"]), "stray_posts": len(res["stray"]),
            "healthz": {"status": health[0], "body": health[1][:300]},
            "metrics_total": metrics_after,
            "metrics_delta": {k: metrics_after[k] - metrics_before.get(k, 0.0) for k in METRICS},
            "serve_alive": alive, "workers_start": sorted(workers), "workers_end": sorted(workers_end),
            "worker_restarts": len(workers_end - workers) if alive else None,
            "log_problem_lines": sum(problems.values()), "log_problems": problems,
            "duplicate_sample": dup[:5], "lost_sample": lost[:5], "client_error_sample": req_errors[:5],
            "warmup_events": len(warm), "log": str(log), "other_cores": watch.other_cores,
        })
    finally:
        stop_group(proc)
        for service in (redis, chroma):
            if service is not None:
                try:
                    service.stop()
                except Exception as exc:  # noqa: BLE001
                    note(f"stopping {type(service).__name__} failed: {exc}")
        if api is not None:
            api.stop()


def render(r: dict[str, Any]) -> str:
    h = r["http"]
    texts = ": dev/extra questions, some with an opener such as Hi!, so no query-embedding cache hits" \
        if r["distinct_texts"] else " (verbatim file questions: the workers' query-embedding caches serve repeats)"
    out = [(f"briefbot load test on loopback — {r['workers']} HTTP workers (python -m adapters.serve), Chroma server, "
            "Redis, fake Slack Web API; offline default engine"), machine_line(r["machine"]),
           (f"{r['events']} signed app_mention events from {r['users']} users ({r['distinct_questions']} distinct "
            f"texts{texts}) + {r['retries']} retries (X-Slack-Retry-Num: 1, same body), bursts of {r['burst']} "
            f"concurrent requests; workers ready {r['startup_s']} s after spawn; {r['warmup_events']} warm-up "
            "mentions excluded"), ""]
    rows = []
    for name, key in (("all requests", "all"), ("originals", "originals"), ("retries", "retries")):
        s = h[key]
        rows.append([name, s["n"], ms(s["p50"]), ms(s["p99"]), ms(s["max"])])
    out.append(f"HTTP: statuses {h['statuses']}, client errors {h['client_errors']}; all sent in {r['send_s']} s")
    out.append(table(["request → HTTP response", "n", "p50", "p99", "max"], rows))
    out.append(f"target p99 < 500 ms — within: {'yes' if h['all']['p99'] < 500 else 'NO'}")
    out.append("")
    a, n = r["to_answer"], r["to_rate_limit_notice"]
    out.append(f"Outcomes per original event (from the fake Slack's recorded calls; all settled "
               f"{r['done_s']} s after the first request)")
    out.append(table(["outcome", "events", "target"], [
        ["answered (placeholder updated with the answer)", r["answered"], ""],
        ["rate-limited (notice posted in the thread)", r["rate_limited"], ""],
        ["duplicates (>1 placeholder/answer/notice)", r["duplicates"], "0"],
        ["lost (neither answer nor rate-limit notice)", r["lost"], "0"],
        ["  of which: error notice instead of an answer", r["lost_with_error_notice"], ""],
        ["  of which: left on the placeholder", r["lost_stuck_on_placeholder"], ""],
        ["  of which: nothing posted at all", r["lost_silent"], ""],
    ]))
    out.append(table(["time from first delivery to", "n", "p50", "p99", "max"], [
        ["final answer", a.get("n", 0), ms(a.get("p50")), ms(a.get("p99")), ms(a.get("max"))],
        ["rate-limit notice", n.get("n", 0), ms(n.get("p50")), ms(n.get("p99")), ms(n.get("max"))],
    ]))
    out.append(noise_line(r.get("other_cores")))
    out.append(f"fake Slack: {r['slack_calls']} calls {r['slack_calls_by_method']}; failed {r['failed_slack_calls']}; "
               f"posts outside any event's thread {r['stray_posts']}")
    out.append("")
    m, d = r["metrics_total"], r["metrics_delta"]
    out.append(f"GET /healthz → {r['healthz']['status']} {r['healthz']['body']}")
    out.append("GET /metrics (all workers, PROMETHEUS_MULTIPROC_DIR):")
    out.append(table(["metric", "total", "during the load"], [[k, f"{m[k]:g}", f"{d[k]:g}"] for k in METRICS]))
    out.append(f"workers: serve process alive {r['serve_alive']}, worker pids at start {r['workers_start']}, "
               f"at end {r['workers_end']} (restarted: {r['worker_restarts']})")
    out.append(f"worker log: {r['log_problem_lines']} warning/error lines")
    for line, count in sorted(r["log_problems"].items(), key=lambda kv: -kv[1])[:15]:
        out.append(f"  {count:4d} × {line[:300]}")
    for label, key in (("duplicate", "duplicate_sample"), ("lost", "lost_sample")):
        for row in r[key]:
            out.append(f"  {label}: {row}")
    for e in r["client_error_sample"]:
        out.append(f"  client error: {e}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load_scale", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--burst", type=int, default=50)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--channels", type=int, default=25)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--gap", type=float, default=0.0, help="seconds between bursts (default 0)")
    ap.add_argument("--quiet", type=float, default=3.0, help="seconds without Slack calls that count as settled")
    ap.add_argument("--timeout", type=float, default=600.0, help="longest wait for the answers, seconds")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--env", nargs=2, action="append", metavar=("NAME", "VALUE"),
                    help="extra environment for the workers, e.g. --env OMP_NUM_THREADS 1")
    ap.add_argument("--fake-backlog", type=int, default=128,
                    help="listen backlog of the fake Slack API (0: http.server's default of 5)")
    ap.add_argument("--repeat-questions", action="store_true",
                    help="send the file questions verbatim (48 texts repeat; the workers' embedding caches serve them)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, metrics)")
    args = ap.parse_args(argv)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    result: dict[str, Any] = {"machine": machine()}
    note(machine_line(result["machine"]))
    tmp = Path(tempfile.mkdtemp(prefix="briefbot-load-"))
    try:
        run(args, tmp, result)
    finally:
        if args.keep:
            note(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    result["worker_env_extra"] = dict(args.env or [])
    emit(render(result), result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
