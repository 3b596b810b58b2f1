"""Load on loopback: N Slack HTTP workers, a Chroma server and Redis; every event delivered twice, to different workers.

    .venv/bin/python -m bench.load_scale                      # 300 mentions at 100/s, 2 workers, Slack 0.2 s a call
    .venv/bin/python -m bench.load_scale --baseline main      # the same load on another git ref, side by side
    .venv/bin/python -m bench.load_scale --json

What runs: `chroma run` and `redis-server` (tests/services), the fake Slack Web API (tests/slack_fake, answering
each chat.* call after --slack-delay seconds, as the real one takes ~0.2 s) in this process, and N
`python -m adapters.serve --workers 1` processes on their own ports (so a delivery can be sent to a chosen worker),
pointed at all three. The bundled article is ingested into the Chroma server first (`python -m bot ingest`). With
several workers each gets BRIEFBOT_THREADS=1, as `adapters.serve --workers N` gives its N workers (the README's
deployment); `--env BRIEFBOT_THREADS 2` measures two processes whose embedder threads fight over the cores.

The load: --events signed `app_mention` events, each a different question text from its own user in its own
channel, offered at --rate events/s. Each event is delivered twice: first to worker i mod N, then, 0.05–1 s later,
as Slack's retry (X-Slack-Retry-Num: 1, same body) to the next worker. Nothing is asserted; the figures are printed:
answers/s (answered ÷ first delivery → last answer), first delivery → answer (p50/p99), ack (HTTP response)
latency, duplicates, lost, the workers' CPU per answer, the Chroma server's, Redis's and this process's (fake
Slack and load generator), and how many cores all of them kept busy from first delivery to last answer.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    EVAL, PYTHON, REPO, CpuWatch, child_env, emit, load_questions, machine, machine_line, ms, noise_line, note,
    summary_ms, table,
)

BOT_TOKEN = "xoxb-bench"
RETRY_HEADERS = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
OPENERS = {"en": ["", "Question: ", "Quick question: ", "Hello! ", "Hi! ", "Hey! ", "Q: ", "Curious: ", "Hi there. "],
           "nl": ["", "Vraag: ", "Snelle vraag: ", "Hallo! ", "Hoi! ", "Hé! ", "V: ", "Benieuwd: ", "Hoi allemaal. "]}


def distinct_texts(n: int, seed: int) -> list[str]:
    """n different mention texts: questions from the eval files with an opener in their language (no cache hits)."""
    rows = load_questions((EVAL / "dev_qa.jsonl", EVAL / "extra_qa.jsonl"))
    combos = [o + r["q"] for r in rows for o in OPENERS.get(r.get("lang"), OPENERS["en"])]
    random.Random(seed).shuffle(combos)
    if n > len(combos):
        raise SystemExit(f"only {len(combos)} distinct texts for {n} events")
    return combos[:n]


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


async def offer(urls: list[str], events: list[dict], rate: float, secret: str, seed: int) -> list[dict]:
    """Every event twice, on schedule: i/rate to worker i mod N, then the retry 0.05–1 s later to the next one."""
    import aiohttp

    from tests.slack_harness import signed_request

    rng = random.Random(seed)
    plan = []
    for i, e in enumerate(events):
        at = i / rate
        plan.append({"i": i, "retry": False, "at": at, "url": urls[i % len(urls)], "event": e})
        plan.append({"i": i, "retry": True, "at": at + rng.uniform(0.05, 1.0), "url": urls[(i + 1) % len(urls)],
                     "event": e})
    plan.sort(key=lambda d: d["at"])
    start = time.monotonic()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30),
                                     connector=aiohttp.TCPConnector(limit=0)) as session:
        async def one(d: dict) -> None:
            await asyncio.sleep(max(0.0, start + d["at"] - time.monotonic()))
            retry = RETRY_HEADERS if d["retry"] else None
            body, headers = signed_request(d["event"], secret=secret, extra_headers=retry)
            d["sent"] = time.monotonic()
            try:
                async with session.post(d["url"], data=body, headers=headers) as resp:
                    await resp.read()
                    d["status"] = resp.status
            except Exception as exc:  # noqa: BLE001 - a failed request is a result
                d["status"], d["error"] = 0, type(exc).__name__
            d["elapsed"] = time.monotonic() - d["sent"]

        await asyncio.gather(*(one(d) for d in plan))
    return plan


def outcomes(api: Any, events: list[dict], plan: list[dict]) -> dict[str, Any]:
    from tests.fault_scenarios import outcome_of

    first_sent = {d["i"]: d["sent"] for d in plan if not d["retry"]}
    index = {(e["event"]["channel"], e["event"]["ts"]): i for i, e in enumerate(events)}
    placeholder_of: dict[str, int] = {}
    answered_at: dict[int, float] = {}
    messages: dict[int, set[str]] = {}
    for c in api.calls("chat.postMessage", "chat.update"):
        if c.method == "chat.postMessage":
            i = index.get((c.body.get("channel"), c.body.get("thread_ts")))
            if i is None or not c.response.get("ok"):
                continue
            placeholder_of[c.response["ts"]] = i
            ts = c.response["ts"]
        else:
            ts = c.body.get("ts")
            i = placeholder_of.get(ts)
            if i is None:
                continue
        if outcome_of(c.body) != "waiting":
            messages.setdefault(i, set()).add(ts)
            answered_at.setdefault(i, c.at)
    acked = {d["i"] for d in plan if d.get("status") == 200}
    once = [i for i in acked if len(messages.get(i, ())) == 1]
    dup = [i for i in acked if len(messages.get(i, ())) > 1]
    lost = [i for i in acked if not messages.get(i)]
    to_answer = [answered_at[i] - first_sent[i] for i in once + dup]
    first = min(first_sent.values(), default=0.0)
    span = max(answered_at.values(), default=first) - first
    return {"acknowledged": len(acked), "unacknowledged": len(events) - len(acked), "answered_once": len(once),
            "duplicates": len(dup), "lost": len(lost), "to_answer": summary_ms(to_answer),
            "answers_per_s": round(len(once + dup) / span, 1) if span > 0 else None, "span_s": round(span, 2)}


def settle(api: Any, events: list[dict], plan: list[dict], timeout: float, quiet: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        res = outcomes(api, events, plan)
        calls = api.calls()
        idle = time.monotonic() - (calls[-1].at if calls else 0)
        if res["lost"] == 0 and idle >= quiet:
            return
        time.sleep(0.25)


def run_one(code: Path, label: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from tests.services import ChromaServer, RedisServer, free_port, wait_until
    from tests.slack_fake import FakeSlackAPI

    chroma = redis = api = None
    procs: list[subprocess.Popen] = []
    try:
        for d in ("chroma", "redis", "data"):
            (tmp / d).mkdir(parents=True)
        chroma, redis = ChromaServer(tmp / "chroma" / "data"), RedisServer(tmp / "redis")
        note(f"[{label}] starting chroma run, redis-server and the fake Slack (each call {args.slack_delay} s)…")
        chroma.start()
        redis.start()
        api = FakeSlackAPI(delay_s=args.slack_delay).start()
        secret = "bench-secret-" + label
        env = child_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=secret, SLACK_API_URL=api.url, **chroma.env(),
                        REDIS_URL=redis.url, BRIEFBOT_DATA_DIR=str(tmp / "data"), LOG_FORMAT="json",
                        BRIEFBOT_RATE_PER_MINUTE="100000", BRIEFBOT_RATE_BURST="100000", PYTHONPATH=str(code))
        if args.workers > 1:
            env["BRIEFBOT_THREADS"] = "1"
        for k, v in args.env or []:
            env[k] = v
        done = subprocess.run([PYTHON, "-m", "bot", "ingest"], env=env, cwd=code, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"[{label}] python -m bot ingest failed:\n{done.stderr[-3000:]}")
        ports = [free_port() for _ in range(args.workers)]
        for n, port in enumerate(ports):
            with open(tmp / f"worker{n}.log", "ab") as out:
                procs.append(subprocess.Popen([PYTHON, "-m", "adapters.serve", "--host", "127.0.0.1", "--port",
                                               str(port), "--workers", "1"], env=env, cwd=code, stdout=out,
                                              stderr=subprocess.STDOUT))
        from tests.fault_scenarios import Worker

        for port in ports:
            w = Worker(env, tmp / "unused.log", port=port)
            wait_until(lambda w=w: w.health()[0] == 200, 180, f"[{label}] worker on {port}")
        urls = [f"http://127.0.0.1:{p}/slack/events" for p in ports]
        from tests.slack_harness import mention

        warm = [mention(t, user=f"UW{i}", channel=f"CWARM{i}") for i, t in enumerate(distinct_texts(4 * len(urls), 99))]
        warm_plan = asyncio.run(offer(urls, warm, 20, secret, 1))
        settle(api, warm, warm_plan, 60)
        texts = distinct_texts(args.events, args.seed)
        events = [mention(t, user=f"U{i:05d}", channel=f"C{i:05d}") for i, t in enumerate(texts)]
        note(f"[{label}] offering {len(events)} mentions at {args.rate}/s, each delivered to two workers…")
        services = {"chroma": [chroma.proc.pid] if chroma.proc else [], "redis": [redis.proc.pid] if redis.proc else []}
        ticks = cpu_ticks([p.pid for p in procs])
        svc_ticks = {k: cpu_ticks(v) for k, v in services.items()}
        own = os.times()
        watch = CpuWatch().__enter__()
        plan = asyncio.run(offer(urls, events, args.rate, secret, args.seed))
        settle(api, events, plan, args.timeout)
        watch.__exit__()
        hz = os.sysconf("SC_CLK_TCK")
        used_s = (cpu_ticks([p.pid for p in procs]) - ticks) / hz
        svc_s = {k: (cpu_ticks(v) - svc_ticks[k]) / hz for k, v in services.items()}
        now = os.times()
        svc_s["bench"] = (now.user - own.user) + (now.system - own.system)
        watch.exclude(used_s + svc_s["chroma"] + svc_s["redis"])
        res = outcomes(api, events, plan)
        acks = [d["elapsed"] for d in plan if "elapsed" in d]
        statuses: dict[str, int] = {}
        for d in plan:
            statuses[str(d.get("status"))] = statuses.get(str(d.get("status")), 0) + 1
        answered = res["answered_once"] + res["duplicates"]
        return {**res, "label": label, "ack": summary_ms(acks), "statuses": statuses,
                "cpu_ms_per_answer": round(1000 * used_s / answered, 1) if answered else None,
                "service_cpu_ms_per_answer": {k: round(1000 * v / answered, 1) if answered else None
                                              for k, v in svc_s.items()},
                "busy_cores": round((used_s + sum(svc_s.values())) / res["span_s"], 2) if res["span_s"] else None,
                "other_cores": watch.other_cores}
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        for service in (redis, chroma):
            if service is not None:
                service.stop()
        if api is not None:
            api.stop()


def render(runs: list[dict[str, Any]], args: argparse.Namespace, m: dict[str, Any]) -> str:
    head = [f"{r['label']}" for r in runs]
    rows = [
        [f"acknowledged (of {args.events})", *[r["acknowledged"] for r in runs]],
        ["answered exactly once", *[r["answered_once"] for r in runs]],
        ["duplicates", *[r["duplicates"] for r in runs]],
        ["lost (acknowledged, never answered)", *[r["lost"] for r in runs]],
        ["answers/s (first delivery → last answer)", *[r["answers_per_s"] for r in runs]],
        ["first delivery → answer p50", *[ms(r["to_answer"].get("p50")) for r in runs]],
        ["first delivery → answer p99", *[ms(r["to_answer"].get("p99")) for r in runs]],
        ["ack (HTTP response) p50", *[ms(r["ack"].get("p50")) for r in runs]],
        ["ack (HTTP response) p99", *[ms(r["ack"].get("p99")) for r in runs]],
        ["workers' CPU per answer", *[ms(r["cpu_ms_per_answer"]) for r in runs]],
        *[[f"{label} CPU per answer", *[ms(r["service_cpu_ms_per_answer"][k]) for r in runs]]
          for k, label in (("chroma", "Chroma server's"), ("redis", "Redis's"),
                           ("bench", "fake Slack's and load generator's"))],
        [f"cores busy over the span (of {os.cpu_count()})", *[r["busy_cores"] for r in runs]],
        ["HTTP statuses", *[json.dumps(r["statuses"]) for r in runs]],
    ]
    out = [f"briefbot load: {args.events} different mentions at {args.rate}/s, each delivered twice to different "
           f"workers ({args.workers} × adapters.serve --workers 1), Chroma server + Redis, fake Slack "
           f"{args.slack_delay} s a call", machine_line(m), table(["", *head], rows)]
    out += [f"{r['label']}: {noise_line(r['other_cores'])}" for r in runs]
    return "\n".join(out)


def export(ref: str, dest: Path) -> Path:
    """A clean copy of `ref`'s tree (no worktree registered) to run the baseline from."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load_scale", description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--rate", type=float, default=100.0, help="events offered per second")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--slack-delay", type=float, default=0.2, help="seconds the fake Slack takes per chat.* call")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--baseline", help="a git ref to run the same load against, side by side (e.g. main)")
    ap.add_argument("--env", nargs=2, action="append", metavar=("NAME", "VALUE"), help="extra worker environment")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (worker logs)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    m = machine()
    note(machine_line(m))
    tmp = Path(tempfile.mkdtemp(prefix="briefbot-load-"))
    try:
        runs = [run_one(REPO, "this branch", args, tmp / "branch")]
        if args.baseline:
            runs.append(run_one(export(args.baseline, tmp / "baseline-code"), args.baseline, args, tmp / "baseline"))
    finally:
        if args.keep:
            note(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    emit(render(runs, args, m), {"machine": m, "runs": runs, "args": vars(args)}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
