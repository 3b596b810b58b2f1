"""Discord adapter against the fake Discord on loopback: how fast each /ask is deferred and answered.

    .venv/bin/python -m bench.bench_discord            # the real offline engine when it builds, else FakeEngine
    .venv/bin/python -m bench.bench_discord --fake     # FakeEngine: measures the adapter alone

Everything runs in this process: the fake Discord (tests/discord_fake.py: REST + gateway), and the adapter's real
discord.py client in its own thread and loop. `--n` INTERACTION_CREATE events go out over the gateway in bursts of
`--concurrency`; each burst is answered before the next. Discord shows "The application did not respond" when the
defer comes later than 3 s; the target is p99 < 500 ms from dispatch to the defer callback.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import ADAPTER_QUESTIONS  # noqa: E402
from bot.common.config import Settings  # noqa: E402
from bot.core.bot import Bot  # noqa: E402
from bot.state.store import SQLiteStore  # noqa: E402
from tests.discord_harness import Harness  # noqa: E402
from tests.fakes import FakeEngine, FakeRetriever  # noqa: E402

QUESTIONS = ADAPTER_QUESTIONS


def make_bot(state_dir: Path, use_fake: bool, delay_s: float) -> tuple[Bot, str]:
    """The real Bot (build_bot) on `state_dir`, else FakeEngine; with a note saying which."""
    if not use_fake:
        try:
            from bot.wiring import build_bot

            # Its own data dir (never the repo's .data); one simulated user asks all 200, so no per-user limit.
            bot = build_bot(Settings.from_env({
                "BRIEFBOT_DATA_DIR": str(state_dir), "BRIEFBOT_RATE_PER_MINUTE": "100000",
                "BRIEFBOT_RATE_BURST": "100000",
            }))
            return bot, "real offline engine (build_bot)"
        except Exception as e:  # noqa: BLE001 - any failure: fall back, but say so
            print(f"note: build_bot failed ({type(e).__name__}: {e}); falling back to FakeEngine", file=sys.stderr)
    store = SQLiteStore(state_dir / "state.sqlite3")
    return Bot(FakeRetriever(), FakeEngine(delay_s=delay_s), store), f"FakeEngine, {delay_s * 1000:.0f} ms per answer"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run(n: int, concurrency: int, use_fake: bool, delay_s: float, workers: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        bot, label = make_bot(Path(tmp), use_fake, delay_s)
        h = Harness(Path(tmp), bot=bot, workers=workers)
        try:
            asks: list[dict] = []
            started = time.perf_counter()
            for first in range(0, n, concurrency):
                size = min(concurrency, n - first)
                batch = h.fake.slash_many(
                    "ask", [{"question": QUESTIONS[(first + i) % len(QUESTIONS)]} for i in range(size)],
                    channel_id=1300000000000001000 + first // concurrency,
                )
                for ix in batch:
                    h.final_edit(ix, timeout=120)
                asks += batch
            elapsed = time.perf_counter() - started
            time.sleep(0.5)  # anything sent twice would show up by now
            defer, final, callbacks, finals, late = [], [], [], [], 0
            for ix in asks:
                t0 = h.fake.dispatched_at(ix["_seq"])
                calls = h.calls_for(ix)
                acks = [c for c in calls if c.path.endswith("/callback")]
                edits = [c for c in calls if c.method == "PATCH" and "embeds" in c.body and c.status == 200]
                late += sum(c.status != 200 for c in acks)
                callbacks.append(len(acks))
                finals.append(len(edits))
                defer.append((acks[0].at - t0) * 1000)
                final.append((edits[0].at - t0) * 1000)
        finally:
            h.stop()

    once = sum(1 for a, f in zip(callbacks, finals) if a == 1 and f == 1)
    print(f"Discord adapter bench: {n} /ask interactions, {concurrency} at a time, {workers} core workers")
    print(f"  bot: {label}")
    print(f"  dispatch → defer callback   p50 {pct(defer, 50):7.1f} ms   p99 {pct(defer, 99):7.1f} ms"
          f"   max {max(defer):7.1f} ms   (target p99 < 500 ms)")
    print(f"  dispatch → final edit       p50 {pct(final, 50):7.1f} ms   p99 {pct(final, 99):7.1f} ms"
          f"   max {max(final):7.1f} ms")
    print(f"  exactly one defer and one answer: {once}/{n}   late/rejected callbacks: {late}")
    print(f"  throughput {n / elapsed:.1f} answers/s ({elapsed:.1f} s), mean defer {statistics.mean(defer):.1f} ms")
    ok = once == n and late == 0 and pct(defer, 99) < 500
    print("  PASS" if ok else "  FAIL")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="interactions in total (default 200)")
    ap.add_argument("--concurrency", type=int, default=20, help="interactions per burst (default 20)")
    ap.add_argument("--fake", action="store_true", help="use FakeEngine instead of the real offline engine")
    ap.add_argument("--delay", type=float, default=0.05, help="FakeEngine seconds per answer (default 0.05)")
    ap.add_argument("--workers", type=int, default=4, help="core worker threads (BRIEFBOT_MAX_CONCURRENT)")
    args = ap.parse_args(argv)
    return run(args.n, args.concurrency, args.fake, args.delay, args.workers)


if __name__ == "__main__":
    sys.exit(main())
