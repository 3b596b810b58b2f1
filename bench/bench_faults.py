"""The fault runs of issue 10, with their figures: hostile input, stop and kill mid-answer, Redis outage, full disk.

    .venv/bin/python -m bench.bench_faults          # all runs (~1–2 min); needs root for the tmpfs of the full disk
    .venv/bin/python -m bench.bench_faults --json

Each run uses the real HTTP adapter (`python -m adapters.serve` processes), the fake Slack Web API, and real
redis-server / `chroma run` processes (tests/fault_scenarios.py; tests/test_durable.py asserts the same counts).
Counts per question, from the fake Slack's threads: acknowledged (HTTP 200), answered once (one answer message;
a takeover re-editing that same message is not a second one), duplicates, lost.
"""
from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, machine, machine_line, note, table


def knowledge_base(tmp: Path) -> Path:
    """The bundled article indexed into an embedded store the worker processes can open."""
    from bot.common.config import Settings
    from bot.wiring import build_bot

    data = tmp / "kb"
    build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": str(data)})).close()
    return data


def fresh(kb: Path, tmp: Path, name: str) -> Path:
    dest = tmp / name
    shutil.copytree(kb, dest)
    return dest


def run(tmp: Path) -> dict[str, Any]:
    from tests import fault_scenarios as runs
    from tests.services import ChromaServer, RedisServer

    out: dict[str, Any] = {}
    note("indexing the bundled article…")
    kb = knowledge_base(tmp)
    note("40,000 commas from one user, an ordinary question from another…")
    out["commas"] = runs.hostile_commas(fresh(kb, tmp, "commas"), tmp)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        note(f"{sig.name} with 20 answers in flight, then a restart and Slack's retries…")
        out[sig.name] = runs.stop_and_restart(fresh(kb, tmp, sig.name), tmp, sig)
    note("Redis killed with answers in flight, 5 questions while it is down, Redis back…")
    (tmp / "redis").mkdir()
    redis = RedisServer(tmp / "redis", persist=True)
    redis.start()
    try:
        out["redis"] = runs.redis_outage(fresh(kb, tmp, "redis-kb"), tmp, redis)
    finally:
        redis.stop()
    note("the state file's disk fills up while the worker runs…")
    disk = tmp / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4096k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        out["disk_full"] = {"skipped": "cannot mount a tmpfs (needs root)"}
        return out
    (tmp / "chroma").mkdir()
    chroma = ChromaServer(tmp / "chroma" / "data")
    chroma.start()
    try:
        from tests.services import Tmpfs

        out["disk_full"] = runs.disk_full(disk, tmp, chroma, Tmpfs(disk).fill)
    finally:
        chroma.stop()
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
    return out


def render(r: dict[str, Any], m: dict[str, Any]) -> str:
    rows = []

    def add(name: str, t: Any, extra: str = "") -> None:
        rows.append([name, t.acknowledged, t.answered_once + t.notice_once, t.duplicates, t.lost, extra])

    c = r["commas"]
    add("40,000 commas + an ordinary question", c["tally"],
        f"other user: ack {c['other_ack_s'] * 1000:.0f} ms, answer {c['other_answer_s'] * 1000:.0f} ms "
        f"(targets < 3 s, < 15 s); hostile one: '{c['hostile_reply'][:60]}'")
    for sig in ("SIGTERM", "SIGKILL"):
        s = r[sig]
        add(f"{sig}, 20 in flight, restart", s["tally"],
            f"{s['in_flight_at_signal']} in flight at the signal; exit after {s['exit_s']} s; "
            f"{s['answered_before_restart']} answered before the restart; retries → {s['retries_status']}")
    red = r["redis"]
    add("Redis killed, 5 in between, back", red["tally"],
        f"/healthz while down: {red['health_while_down'][0]}; the 5 → {red['between_status']}; "
        f"late retries → {red['retries_status']}")
    d = r["disk_full"]
    if "skipped" in d:
        rows.append(["disk full", "-", "-", "-", "-", d["skipped"]])
    else:
        add("disk full (state file)", d["tally"], f"/healthz: {d['health'][0]} {d['health'][1][:80]}")
    return "\n".join([
        "briefbot fault runs (issue 10): the real HTTP adapter, fake Slack Web API, real redis-server / chroma run",
        machine_line(m),
        table(["run", "acknowledged", "answered once (answer or notice)", "duplicates", "lost", "notes"], rows),
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_faults", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    m = machine()
    tmp = Path(tempfile.mkdtemp(prefix="briefbot-faults-"))
    try:
        result = run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    data = {k: ({**v, "tally": vars(v["tally"])} if isinstance(v, dict) and "tally" in v else v)
            for k, v in result.items()}
    emit(render(result, m), {"machine": m, **data}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
