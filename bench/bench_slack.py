"""Slack adapter in HTTP mode on loopback: how fast Slack gets its 200, the placeholder and the answer.

    .venv/bin/python -m bench.bench_slack            # the real offline engine when it builds, else FakeEngine
    .venv/bin/python -m bench.bench_slack --fake     # FakeEngine: measures the adapter alone

Everything runs in this process: the fake Slack Web API (tests/slack_fake.py), the adapter's ASGI app under uvicorn,
and an aiohttp client sending signed `app_mention` events, `--concurrency` at a time. Slack retries after 3 s
without a 200; the target is p99 < 300 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from adapters.slack import create_asgi_app  # noqa: E402
from bench.common import ADAPTER_QUESTIONS  # noqa: E402
from bot.common.config import Settings  # noqa: E402
from bot.core.bot import Bot  # noqa: E402
from bot.state.store import SQLiteStore  # noqa: E402
from tests.fakes import FakeEngine, FakeRetriever  # noqa: E402
from tests.slack_fake import FakeSlackAPI, wait_for  # noqa: E402
from tests.slack_harness import BOT_TOKEN, SECRET, Served, mention, signed_request  # noqa: E402

QUESTIONS = ADAPTER_QUESTIONS


def settings_for(data_dir: Path, api_url: str) -> Settings:
    """The environment's BRIEFBOT_* settings (engine, workers…), pointed at the fake Slack and `data_dir`."""
    env = {k: v for k, v in os.environ.items() if k.startswith(("BRIEFBOT_", "CHROMA_", "LOG_"))}
    # One simulated user sends all the mentions: the per-user limit is not what this bench measures.
    env = {"BRIEFBOT_RATE_PER_MINUTE": "100000", "BRIEFBOT_RATE_BURST": "100000", **env}
    return Settings.from_env({**env, "BRIEFBOT_DATA_DIR": str(data_dir), "SLACK_BOT_TOKEN": BOT_TOKEN,
                              "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url})


def make_bot(settings: Settings, use_fake: bool) -> tuple[Bot, str]:
    """The real offline Bot when it builds (the lead's build_bot), else one from FakeEngine, with a note why."""
    if not use_fake:
        try:
            from bot.wiring import build_bot

            return build_bot(settings), "real offline engine (build_bot)"
        except Exception as e:  # noqa: BLE001  (any failure: fall back, but say so)
            print(f"note: build_bot failed ({type(e).__name__}: {e}); falling back to FakeEngine", file=sys.stderr)
    store = SQLiteStore(settings.data_dir / "state.sqlite3")
    return Bot(FakeRetriever(), FakeEngine(), store), "FakeEngine (adapter only)"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def line(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"{name:<28} p50 {pct(ms, 50):7.1f} ms   p90 {pct(ms, 90):7.1f} ms   p99 {pct(ms, 99):7.1f} ms   "
            f"max {max(ms):7.1f} ms")


async def send_all(url: str, payloads: list[dict], concurrency: int) -> dict[str, tuple[float, float, int]]:
    """POST every signed mention, `concurrency` in flight; per event ts: (sent, got 200, status)."""
    gate = asyncio.Semaphore(concurrency)
    results: dict[str, tuple[float, float, int]] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def one(payload: dict) -> None:
            async with gate:
                body, headers = signed_request(payload)
                sent = time.monotonic()
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    results[payload["event"]["ts"]] = (sent, time.monotonic(), resp.status)
        await asyncio.gather(*(one(p) for p in payloads))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="mentions to send (default 200)")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight (default 20)")
    parser.add_argument("--fake", action="store_true", help="use FakeEngine instead of the real offline engine")
    parser.add_argument("--data-dir", type=Path, help="knowledge/state dir for the real engine (default: a temp dir)")
    args = parser.parse_args(argv)

    api = FakeSlackAPI().start()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="briefbot-bench-slack-"))
    settings = settings_for(data_dir, api.url)
    bot, engine_name = make_bot(settings, args.fake)
    web = create_asgi_app(bot, settings)
    server = Served(web).start()
    url = f"http://127.0.0.1:{server.port}/slack/events"
    try:
        bot.answer("warm-up: what did Xi say?", "bench:warmup")  # load models outside the measurement
        payloads = [mention(QUESTIONS[i % len(QUESTIONS)], channel=f"C{i % 7:04d}") for i in range(args.n)]
        started = time.monotonic()
        acks = asyncio.run(send_all(url, payloads, args.concurrency))

        def placeholders() -> dict[str, list]:
            found: dict[str, list] = {}
            for c in api.calls("chat.postMessage"):
                found.setdefault(c.body.get("thread_ts"), []).append(c)
            return found

        wait_for(lambda: len(placeholders()) >= args.n, timeout=120, what="every placeholder")
        posted = placeholders()
        by_placeholder = {calls[0].response["ts"]: ts for ts, calls in posted.items()}

        def finals() -> dict[str, list]:
            found: dict[str, list] = {}
            for c in api.calls("chat.update"):
                if c.status == 200 and any(b.get("type") in ("actions", "context_actions", "context")
                                           or "Sorry" in str(b) for b in c.body.get("blocks") or []):
                    found.setdefault(by_placeholder.get(c.body["ts"], "?"), []).append(c)
            return found

        wait_for(lambda: len(finals()) >= args.n, timeout=300, what="every answer")
        api.quiet(0.5, timeout=30)
        total = time.monotonic() - started
        answered = finals()
        ack_s = [done - sent for sent, done, _ in acks.values()]
        to_placeholder = [posted[ts][0].at - acks[ts][0] for ts in acks]
        to_answer = [answered[ts][-1].at - acks[ts][0] for ts in acks if ts in answered]
        statuses = {s for _, _, s in acks.values()}
        exactly_one = sum(1 for ts in acks if len(posted.get(ts, [])) == 1 and len(answered.get(ts, [])) == 1)

        print(f"Slack adapter, HTTP mode on loopback — {engine_name}")
        print(f"{args.n} signed app_mention events, {args.concurrency} in flight; statuses {sorted(statuses)}")
        print(line("request → HTTP 200", ack_s))
        print(line("request → placeholder", to_placeholder))
        print(line("request → final answer", to_answer))
        print(f"exactly one placeholder and one answer: {exactly_one}/{args.n}   "
              f"(all done in {total:.1f} s, {args.n / total:.0f} answers/s)")
        ok = exactly_one == args.n and statuses == {200} and pct(ack_s, 99) < 0.3
        print("target p99(HTTP 200) < 300 ms:", "met" if pct(ack_s, 99) < 0.3 else "MISSED")
        return 0 if ok else 1
    finally:
        server.stop()
        web.state.bolt.briefbot_listeners.close()
        api.stop()
        bot.close()


if __name__ == "__main__":
    sys.exit(main())
