"""Sweep the extractive engine's thresholds over question sets and print how each setting scores.

Usage: .venv/bin/python bench/calibrate.py [QUESTIONS.jsonl ...] [--show]
Judged with bot.evaluate.judge, the same checks as ../shared/eval/score.py.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.core import build_bot  # noqa: E402
from bot.evaluate import judge  # noqa: E402
from bot.extractive import Calibration, ExtractiveEngine  # noqa: E402

DEFAULT_SETS = [ROOT / "eval" / f"{name}_qa.jsonl" for name in ("dev", "extra", "holdout", "fresh")]


def run(bot, engine, items, judge, show=False):
    passed = 0
    fails = []
    for it in items:
        cands = bot.retriever.retrieve(it["q"], bot.candidates)
        _, lang = bot.check(it["q"])
        ans = engine.answer(it["q"], cands, lang)
        checks = judge(it, {**ans.to_dict()})
        ok = all(checks.values())
        passed += ok
        if not ok:
            fails.append(it["id"])
        if show and not ok:
            print(f"  [{it['id']}] {','.join(k for k, v in checks.items() if not v)} {it['q']}\n     -> {ans.text[:200]!r}")
    return passed, fails


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="*", type=Path)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--sweep", action="store_true", help="try a grid of settings around the defaults")
    args = ap.parse_args()
    items = [json.loads(line) for f in (args.sets or DEFAULT_SETS) for line in open(f) if line.strip()]
    bot = build_bot(Settings.from_env())
    base = Calibration()
    grid = [(bot.retriever.lexical_weight, base)]
    if args.sweep:
        grid = [
            (rw, dataclasses.replace(base, min_peak=p, lexical_weight=lw, paragraph_weight=pw, second_margin=sm))
            for rw, p, lw, pw, sm in itertools.product(
                (0.04, 0.08), (0.022, 0.026, 0.03), (0.02, 0.04), (0.3, 0.5), (0.012, 0.02)
            )
        ]
    results = []
    for rw, cal in grid:
        bot.retriever.lexical_weight = rw
        engine = ExtractiveEngine(bot.retriever, bot.retriever.embedder, top_k=bot.top_k, calibration=cal)
        passed, fails = run(bot, engine, items, judge, show=args.show and not args.sweep)
        results.append((passed, rw, cal, fails))
    results.sort(key=lambda r: -r[0])
    for passed, rw, cal, fails in results[:20]:
        print(f"{passed}/{len(items)} retrieval-lex={rw} peak={cal.min_peak} lex={cal.lexical_weight} "
              f"para={cal.paragraph_weight} second={cal.second_margin} fails={' '.join(fails)}")
    bot.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
