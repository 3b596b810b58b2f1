"""Every benchmark in order, everything printed (this is `make bench`).

    .venv/bin/python bench/run_all.py           # bench_core, bench_scale, load_scale, bench_slack, bench_discord
    .venv/bin/python bench/run_all.py --json    # one JSON document with all of them

bench_core builds the synthetic 100,000-chunk store once and keeps it in a temp dir for bench_scale (same data,
built once); that dir is removed at the end. Each script runs in its own process; a failing one is reported and
the next still runs. Nothing here asserts anything about speed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
JSON_MODULES = {"bench_core", "bench_scale", "load_scale"}  # the adapter benches print tables only


def run(module: str, extra: list[str], as_json: bool) -> tuple[int, str, float]:
    """Run `python -m bench.<module>`; stderr (progress) passes through, stdout is printed or captured."""
    as_json = as_json and module in JSON_MODULES
    args = [sys.executable, "-m", f"bench.{module}", *extra, *(["--json"] if as_json else [])]
    print(f"\n=== {module} ===", file=sys.stderr if as_json else sys.stdout, flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE if as_json else None, text=True)
    try:
        out, _ = proc.communicate()
    except BaseException:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
    return proc.returncode, out or "", time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run_all.py", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = ap.parse_args(argv)

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    shared = Path(tempfile.mkdtemp(prefix="briefbot-bench-synthetic-"))
    results: dict[str, object] = {}
    failed: list[str] = []
    started = time.monotonic()
    try:
        for module, extra in (("bench_core", ["--keep-synthetic", str(shared)]),
                              ("bench_scale", ["--synthetic", str(shared)]),
                              ("load_scale", []),
                              ("bench_slack", []),
                              ("bench_discord", [])):
            code, out, seconds = run(module, extra, args.json)
            if code != 0:
                failed.append(module)
                print(f"{module} FAILED (exit {code}) after {seconds:.0f} s", file=sys.stderr, flush=True)
            else:
                print(f"({module} took {seconds:.0f} s)", file=sys.stderr if args.json else sys.stdout, flush=True)
            if args.json and code == 0 and module in JSON_MODULES:
                results[module] = json.loads(out)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    total = time.monotonic() - started
    if args.json:
        print(json.dumps({**results, "failed": failed, "total_s": round(total, 1)}, ensure_ascii=False, indent=1))
    else:
        print(f"\nall benchmarks done in {total / 60:.1f} min" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
