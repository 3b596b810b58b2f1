"""Choose the reader's no-answer threshold and how many passages it reads, on the training data's `calib` titles.

    .venv/bin/python -m training.calibrate_reader --squad-dir DATA_DIR --xquad-dir DATA_DIR [--write]

Each question goes through the bot's own retrieval (the SQuAD 2.0 titles indexed together, as the shared README's
scoring does; XQuAD-nl likewise), then the reader reads the top passages. For each number of passages read and
each threshold the SQuAD F1 (a refusal is the empty answer) is computed on the SQuAD 2.0 `calib` titles; the
fewest passages within TOLERANCE of the best F1, with their best threshold, are written to
knowledge/reader/reader.json with the figures that chose them. XQuAD-nl `calib` is printed beside it (answerable
only: it shows what the threshold costs in Dutch). Never run on `dev`.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.reader import DECISION

from . import data
from .through_bot import bot_on, retrieve
from .train_reader import squad_metrics

MAX_READ = 4
# Another passage read costs a model run over its windows: it is read only if it buys more than this much F1
# (~3 of the 1,106 `calib` questions).
TOLERANCE = 0.25


@dataclass
class Read:
    golds: list[str]
    spans: list[tuple[float, str]]  # (margin, text) of each passage read, in retrieval order
    cost: int  # passage tokens read for MAX_READ passages (for the budget)


def read_all(data_dir: Path, questions: list[data.Example]) -> list[Read]:
    out = []
    with bot_on(data_dir) as bot:
        reader = bot.engine.reader  # type: ignore[attr-defined]
        for n, ex in enumerate(questions):
            cleaned, _, passages = retrieve(bot, ex.question)
            texts = [p.text for p in passages[:MAX_READ]]
            per = reader.windows(cleaned, texts)  # tokenized once: read and counted
            spans = reader.read_windows(per, texts)
            out.append(Read([a for a, _ in ex.answers], [(s.margin, s.text) for s in spans],
                            sum(len(w.ids) for ws in per for w in ws)))
            if n % 200 == 0:
                print(f"  {n}/{len(questions)}", flush=True)
    return out


def f1_at(reads: list[Read], k: int, threshold: float, f1) -> float:
    total = 0.0
    for r in reads:
        margin, text = max(r.spans[:k], key=lambda s: s[0]) if r.spans else (-np.inf, "")
        if margin <= threshold:
            total += float(not r.golds)
        else:
            total += max((f1(g, text) for g in r.golds), default=0.0)
    return 100 * total / max(1, len(reads))


def choose(reads: list[Read], f1) -> tuple[int, float, float]:
    """The fewest passages whose best F1 is within TOLERANCE of the best over all counts, and that threshold."""
    per: list[tuple[int, float, float]] = []
    for k in range(1, MAX_READ + 1):
        margins = sorted({max(s[0] for s in r.spans[:k]) for r in reads if r.spans})
        scores = [f1_at(reads, k, m, f1) for m in margins]
        best = scores.index(max(scores))  # the first (lowest) threshold of the best F1
        per.append((k, margins[best], scores[best]))
        print(f"  reading {k}: best F1 {per[-1][2]:.2f}", flush=True)
    top = max(p[2] for p in per)
    return next(p for p in per if p[2] >= top - TOLERANCE)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--squad-dir", type=Path, required=True, help="a data dir with ../shared/eval/squad/v2 indexed")
    ap.add_argument("--xquad-dir", type=Path, help="a data dir with ../shared/eval/squad/xquad-nl indexed")
    ap.add_argument("--write", action="store_true", help="write knowledge/reader/reader.json")
    args = ap.parse_args()
    f1, _ = squad_metrics()
    calib = [e for e in data.load() if e.split == "calib"]
    v2 = [e for e in calib if e.source == "v2"]
    reads = read_all(args.squad_dir, v2)
    k, threshold, score = choose(reads, f1)
    no = [r for r in reads if not r.golds]
    answered_no = 100 * np.mean([max(s[0] for s in r.spans[:k]) > threshold for r in no])
    figures = {"threshold": round(threshold, 4), "passages": k,
               "chosen_on": f"SQuAD 2.0 calib titles ({', '.join(data.CALIB_V2)}): {len(v2)} questions, "
                            f"F1 {score:.2f}, unanswerable answered {answered_no:.1f}%",
               "tokens_read_p50": int(np.median([r.cost for r in reads]))}
    print(json.dumps(figures, indent=1))
    if args.xquad_dir:
        for source in ("xq-nl", "xq-en"):
            xs = [e for e in calib if e.source == source]
            xr = read_all(args.xquad_dir, xs)
            print(f"XQuAD-nl calib {source}: F1 {f1_at(xr, k, threshold, f1):.2f} at the threshold, "
                  f"{f1_at(xr, k, -np.inf, f1):.2f} always answering ({len(xs)} questions)")
    if args.write:
        DECISION.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {DECISION}")


if __name__ == "__main__":
    main()
