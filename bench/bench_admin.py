"""The admin page's response times on a knowledge base of 1,000 articles (issue 22's target: ≤ 200 ms p95 a page).

A real embedded store (the articles ingested through the same code as `briefbot ingest`), gaps, feedback and 30
days of usage in the SQLite state store, the page served by uvicorn on 127.0.0.1 beside its bot (as `briefbot
admin` serves it), and a logged-in HTTP client asking for each page in turn. Prints figures only.

    .venv/bin/python bench/bench_admin.py [--articles 1000] [--gaps 300] [--rounds 40]
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.common import machine, machine_line, note, table  # noqa: E402

CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Groningen", "Leiden", "Delft", "Haarlem", "Zwolle", "Arnhem", "Breda"]
TOPICS = ["housing", "the harbour", "the budget", "cycling lanes", "the election", "schools", "water levels",
          "the new bridge", "tourism", "the festival", "energy prices", "public transport"]
PAGES = ["/articles", "/articles?q=utrecht+housing", "/articles?page=12", "/gaps", "/feedback",
         "/feedback?platform=slack", "/usage", "/usage?platform=discord", "/try"]


def write_articles(folder: Path, n: int) -> None:
    rng = random.Random(22)
    for i in range(n):
        city, topic = rng.choice(CITIES), rng.choice(TOPICS)
        folder.joinpath(f"2024-{1 + i % 12:02d}-{city.lower()}-{i:04d}.en.md").write_text(
            f"---\ntitle: {city} council decides on {topic} ({i})\ndate: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            f"language: en\n---\nThe council of {city} voted {rng.randint(20, 45)} to {rng.randint(1, 19)} on "
            f"{topic} on Tuesday. The plan costs {rng.randint(2, 900)} million euros.\n\n"
            f"Opponents said the plan for {topic} came too late. The mayor said work starts in {2025 + i % 3}.\n",
            encoding="utf-8")


def fill_state(settings, n_gaps: int, rng: random.Random) -> None:
    from bot.common.models import Feedback, Source
    from bot.state.gaps import Gap, SQLiteGaps
    from bot.state.store import SQLiteStore
    from bot.state.usage import SQLiteUsage, UsageEvent

    path = settings.data_dir / "state.sqlite3"
    gaps, usage, store = SQLiteGaps(path), SQLiteUsage(path), SQLiteStore(path)
    now = time.time()
    for i in range(n_gaps):
        q = f"What did the mayor of {rng.choice(CITIES)} say about {rng.choice(TOPICS)} in {2000 + i % 20}?"
        gaps.record(Gap(f"g{i}", "refused", q, "en", rng.choice(["slack", "discord"]), now - rng.random() * 30 * 86400))
    for _ in range(3000):
        usage.record(UsageEvent(now - rng.random() * 30 * 86400, rng.choice(["slack", "discord", "console"]),
                                f"C{rng.randint(1, 12)}", rng.random() < 0.2, rng.lognormvariate(-2.5, 0.6)))
    src = Source("a", "A title", 1, "Some text.", 0.8)
    for i in range(500):
        store.add_feedback(Feedback(f"a{i}", rng.choice(["up", "down"]), f"U{i % 40}", "slack",
                                    f"slack:T1:C{rng.randint(1, 12)}:{i}.0", "A question?", "An answer.", (src,),
                                    now - rng.random() * 30 * 86400, "wrong" if i % 3 else ""))
    gaps.close()
    usage.close()
    store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--gaps", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    m = machine()
    from bench.common import pct
    from bot.common.config import Settings
    from bot.wiring import build_bot, open_collections
    from knowledge.ingest import ingest
    from tests.admin_harness import TOKEN, AdminServer

    tmp = Path(tempfile.mkdtemp(prefix="bench-admin-"))
    try:
        settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp / "data"), "BRIEFBOT_ADMIN_TOKEN": TOKEN,
                                      "BRIEFBOT_SAMPLE_ARTICLE": "false"})
        folder = tmp / "articles"
        folder.mkdir()
        write_articles(folder, args.articles)
        t0 = time.perf_counter()
        cols, lock = open_collections(settings, index_builtin=False)
        report = ingest(cols, [folder], progress=False)
        if lock is not None:
            lock.release()
        note(f"ingested {len(report.added)} articles in {time.perf_counter() - t0:.0f} s")
        fill_state(settings, args.gaps, random.Random(7))
        bot = build_bot(settings)
        server = AdminServer(settings, bot).start()
        try:
            client = httpx.Client(base_url=server.url, timeout=60)
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore
            client.post("/login", data={"csrf": csrf, "token": TOKEN})
            cold = {}
            for page in PAGES:  # the first load of each (the Gaps page embeds every question once)
                t = time.perf_counter()
                assert client.get(page).status_code == 200, page
                cold[page] = (time.perf_counter() - t) * 1000
            times: dict[str, list[float]] = {p: [] for p in PAGES}
            for _ in range(args.rounds):
                for page in PAGES:
                    t = time.perf_counter()
                    response = client.get(page)
                    times[page].append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200, page
            client.close()
        finally:
            server.stop()
            bot.close()
        every = [t for values in times.values() for t in values]
        print(machine_line(m))
        print(f"{args.articles} articles, {args.gaps} gaps, 3,000 answers and 500 votes over 30 days; "
              f"{args.rounds} rounds of {len(PAGES)} pages, one client\n")
        print(table(["page", "first load ms", "p50 ms", "p95 ms", "max ms"],
                    [[p, f"{cold[p]:.0f}", f"{pct(v, 50):.0f}", f"{pct(v, 95):.0f}", f"{max(v):.0f}"]
                     for p, v in times.items()]))
        print(f"\nall pages: p50 {pct(every, 50):.0f} ms, p95 {pct(every, 95):.0f} ms (target ≤ 200 ms p95)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
