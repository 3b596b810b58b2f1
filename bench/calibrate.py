"""Sweep the engine's thresholds one at a time around the defaults; score a calibration part and a check part.

Usage: .venv/bin/python bench/calibrate.py [--param NAME ...] [--calibrate FILES] [--check FILES]

The calibration part is what thresholds are chosen on (the shared development and corpus sets by default); the
check part is never used to choose (our own sets on the bundled article), and shows whether a choice generalises.
BRIEFBOT_DATA_DIR must hold the knowledge base the sets ask about (the bundled article plus the shared corpus).
Values are chosen in the middle of flat regions, not at a single best point.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.quality import scorer  # noqa: E402
from bot.common.calibration import DEFAULT  # noqa: E402
from bot.common.config import Settings  # noqa: E402
from bot.common.errors import BriefbotError  # noqa: E402
from bot.wiring import build_bot  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
CALIBRATE = [SHARED / "dev_qa.jsonl", SHARED / "corpus_qa.jsonl"]
CHECK = [ROOT / "eval" / f"{name}_qa.jsonl" for name in ("extra", "holdout", "fresh")]
STEPS = {  # relative steps tried around each default
    "off_topic": (-0.02, -0.01, 0.01, 0.02), "min_support": (-0.01, -0.005, 0.005, 0.01),
    "min_support_typed": (-0.01, 0.01), "attach": (-0.02, -0.01, 0.01), "min_relation": (-0.01, 0.01),
    "type_margin": (-0.04, -0.02, 0.02), "relation_weight": (-0.2, 0.2), "cross_language": (-0.01, 0.01),
}


def load(paths: list[Path]) -> list[dict]:
    import json

    return [json.loads(line) for p in paths if p.exists() for line in p.read_text().splitlines() if line.strip()]


def score(bot, items: list[dict], judge) -> int:  # type: ignore[no-untyped-def]
    passed = 0
    for it in items:
        try:
            reply = bot.answer(it["q"], f"cal:{uuid.uuid4().hex}").to_dict()
        except BriefbotError as exc:
            reply = {"answer": exc.message, "grounded": False, "sources": []}
        passed += all(judge(it, reply).values())
    return passed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--param", nargs="*", default=list(STEPS))
    ap.add_argument("--calibrate", nargs="*", type=Path, default=CALIBRATE)
    ap.add_argument("--check", nargs="*", type=Path, default=CHECK)
    args = ap.parse_args()
    judge, _ = scorer()
    cal_items, check_items = load(args.calibrate), load(args.check)
    bot = build_bot(Settings.from_env())
    engine, retriever = bot.engine, bot.retriever
    try:
        def run(cal) -> tuple[int, int]:  # type: ignore[no-untyped-def]
            engine.cal = retriever.cal = cal  # type: ignore[attr-defined]
            return score(bot, cal_items, judge), score(bot, check_items, judge)

        base = run(DEFAULT)
        print(f"defaults: calibration {base[0]}/{len(cal_items)}, check {base[1]}/{len(check_items)}")
        for name in args.param:
            row = []
            for step in STEPS[name]:
                value = round(getattr(DEFAULT, name) + step, 4)
                a, b = run(dataclasses.replace(DEFAULT, **{name: value}))
                row.append(f"{value:g}: {a}/{b}")
            print(f"{name:18s} default {getattr(DEFAULT, name):g}: {base[0]}/{base[1]} | " + " | ".join(row))
    finally:
        bot.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
