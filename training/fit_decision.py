"""Fit the reader's answer decision (bot/reading/gate.py) on `calib` records from training.decision_data.

    .venv/bin/python -m training.fit_decision --fit R1.jsonl R2.jsonl ... [--report NAME=R.jsonl ...] [--write]

Two logistic models over the reader's and the retriever's scores give the chance that the reader's item is right
and the chance that its sentence holds the answer (each judged by the shared scorer, strict leads). The reply is
the item above one threshold, the sentence alone above another, else a refusal. The thresholds are the issue's
targets applied to the fitting records: SQuAD 2.0's F1 at least --min-f1 with at most --max-answered % of its
unanswerable questions answered, and among those the most XQuAD questions right by the shared scorer. `--write`
puts the weights and thresholds in knowledge/reader/reader.json; `--report` prints figures on other records.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np

from bot.reading.gate import Hit, Read
from bot.reading.gate import features as gate_features
from knowledge.reader import DECISION

from .data import SHARED

_spec = importlib.util.spec_from_file_location("score", SHARED.parent / "score.py")
assert _spec and _spec.loader
score = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score)
_spec = importlib.util.spec_from_file_location("squad_eval", SHARED / "squad_eval.py")
assert _spec and _spec.loader
squad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(squad)

RARE = 10  # a yes/no feature set for fewer records than this learns its weight from a handful of questions


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def credit(rec: dict[str, Any], rep: dict[str, Any] | None) -> float:
    """The shared scorer's verdict on a reply (None: a refusal)."""
    row = rec["row"]
    if rep is None:
        return float(bool(row.get("unanswerable") or row.get("is_impossible")))
    if row.get("unanswerable") or row.get("is_impossible"):
        return float(score.judge({"unanswerable": True, **row}, rep)["refusal"])
    return float(score.judge(row, rep)["facts"])


def features(rec: dict[str, Any]) -> list[float]:
    """The runtime decision's features (bot.reading.gate) from a record."""
    reads = [Read(str(s[0]), float(s[1]), float(s[2]), str(s[3])) for s in rec.get("spans") or []]
    hits = [Hit(str(h[0]), float(h[1]), str(h[2])) for h in rec["retrieved"]]
    return gate_features(reads, hits, rec["language"], rec.get("kind"))


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-2, steps: int = 3000) -> np.ndarray:
    """Weighted logistic regression by gradient descent on standardised features (weights returned unscaled)."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ beta)))
        grad = z.T @ (w * (p - y)) / w.sum() + l2 * np.r_[beta[:-1], 0.0]
        beta -= 0.5 * grad
    coef = beta[:-1] / sd
    return np.r_[coef, beta[-1] - (mu / sd) @ beta[:-1]]


def prob(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ beta[:-1] + beta[-1])))


def squad_f1(rec: dict[str, Any], rep: dict[str, Any] | None) -> float:
    """SQuAD's official-style F1 of a reply (squad_eval.py's reading: a refusal is "", else the lead item)."""
    golds = rec["row"].get("answers") or []
    if rep is None or squad.refused(rep):
        return float(not golds)
    pred = squad.lead_item(rep) or rep["answer"]
    return max((squad.f1(g, pred) for g in golds), default=0.0)


def outcomes(recs: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per record: credit for the item reply, the sentence-only reply, a refusal, and the rules engine's reply."""
    item = np.array([credit(r, r["reader"]) for r in recs])
    quote = np.array([credit(r, r.get("quote_only") or r["reader"]) for r in recs])
    refuse = np.array([credit(r, None) for r in recs])
    rules = np.array([credit(r, r["rules"]) for r in recs])
    return item, quote, refuse, rules


def chosen(rec: dict[str, Any], code: int) -> dict[str, Any] | None:
    """The reply a decision gives: 0 the reader's item, 1 its sentence alone, 2 a refusal, 3 the rules engine's."""
    return [rec["reader"], rec.get("quote_only") or rec["reader"], None, rec["rules"]][code]


def decide(pi: np.ndarray, pq: np.ndarray, ti: float, tq: float) -> np.ndarray:
    return np.where(pi > ti, 0, np.where(pq > tq, 1, 2))


def figures(recs: list[dict[str, Any]], codes: np.ndarray) -> dict[str, float]:
    """The shared scorer's score and own words, SQuAD F1, and how many unanswerable questions were answered."""
    reps = [chosen(r, int(c)) for r, c in zip(recs, codes)]
    no = [bool(r["row"].get("unanswerable") or r["row"].get("is_impossible")) for r in recs]
    own = sum(bool(rep) and not n and score.own_words(r["row"], rep) for r, rep, n in zip(recs, reps, no))
    answered_no = [rep is not None and not squad.refused(rep) for rep, n in zip(reps, no) if n]
    return {"score": sum(credit(r, rep) for r, rep in zip(recs, reps)), "n": len(recs), "own": own,
            "f1": 100 * float(np.mean([squad_f1(r, rep) for r, rep in zip(recs, reps)])),
            "no_answered": 100 * float(np.mean(answered_no)) if answered_no else float("nan")}


def choose(pi: np.ndarray, pq: np.ndarray, squad_set: np.ndarray, f_item: np.ndarray, f_quote: np.ndarray,
           item: np.ndarray, quote: np.ndarray, refuse: np.ndarray, unanswerable: np.ndarray,
           min_f1: float, max_answered: float) -> tuple[float, float, float]:
    """The thresholds on the two chances that keep SQuAD 2.0's F1 at `min_f1` or more and its unanswerable
    questions answered at `max_answered`% or fewer, and among those give the most right XQuAD answers."""
    grid = np.quantile(np.r_[pi, pq], np.linspace(0, 1, 101))
    best = (1.0, 1.0, -1.0)
    no = squad_set & unanswerable
    for ti in grid:
        for tq in grid:
            codes = decide(pi, pq, ti, tq)
            f1 = 100 * float(np.where(codes == 0, f_item, np.where(codes == 1, f_quote, refuse))[squad_set].mean())
            answered = 100 * float((codes[no] != 2).mean()) if no.any() else 0.0
            right = float(np.where(codes == 0, item, np.where(codes == 1, quote, refuse))[~squad_set].sum())
            if f1 >= min_f1 and answered <= max_answered and right > best[2]:
                best = (float(ti), float(tq), right)
    if best[2] < 0:
        raise SystemExit(f"no thresholds keep SQuAD F1 >= {min_f1} with <= {max_answered}% unanswerable answered")
    return best


def show(name: str, f: dict[str, float]) -> str:
    share = 100 * f["score"] / f["n"]
    return (f"{name:14s} score {f['score']:5.0f}/{f['n']:<5.0f} ({share:5.1f}%)  own {f['own']:4.0f}  "
            f"F1 {f['f1']:5.1f}  unanswerable answered {f['no_answered']:5.1f}%")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fit", type=Path, nargs="+", required=True)
    ap.add_argument("--report", nargs="*", default=[])
    ap.add_argument("--min-f1", type=float, default=55.0, help="SQuAD 2.0 F1 the thresholds must keep (the target)")
    ap.add_argument("--max-answered", type=float, default=25.0,
                    help="%% of SQuAD 2.0's unanswerable questions the thresholds may answer (the target)")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    recs = [r for p in args.fit for r in load(p)]
    x = np.array([features(r) for r in recs])
    flags = np.all(np.isin(x, (0.0, 1.0)), axis=0) & ((x == 1.0).sum(0) < RARE)
    for i in np.flatnonzero(flags):  # a yes/no feature this rare gets a weight from a handful of questions
        print(f"warning: feature {i} is set for only {int((x[:, i] == 1.0).sum())} records: drop it from the gate")
    item, quote, refuse, rules = outcomes(recs)
    # SQuAD 2.0's questions are judged by SQuAD's F1 (its adversarial unanswerable ones among them), XQuAD's by
    # the shared scorer (strict leads): the targets for the one are the constraint, the other is maximised.
    squad_set = np.array([not str(r["row"].get("article", "")).startswith("xquad") for r in recs])
    unanswerable = np.array([bool(r["row"].get("is_impossible") or r["row"].get("unanswerable")) for r in recs])
    f_item = np.array([squad_f1(r, chosen(r, 0)) for r in recs])
    f_quote = np.array([squad_f1(r, chosen(r, 1)) for r in recs])
    bi = fit_logistic(x, item, np.ones(len(recs)))  # the chances themselves: every record alike
    bq = fit_logistic(x, quote, np.ones(len(recs)))
    ti, tq, fitted = choose(prob(bi, x), prob(bq, x), squad_set, f_item, f_quote, item, quote, refuse, unanswerable,
                            args.min_f1, args.max_answered)
    print(f"fit on {len(recs)} records: item {item.mean():.3f} quote {quote.mean():.3f} refuse {refuse.mean():.3f} "
          f"rules {rules.mean():.3f}; {fitted:.0f} XQuAD answers right at item>{ti:.3f}, quote>{tq:.3f}")
    for spec in args.report:
        name, path = spec.split("=", 1)
        rs = load(Path(path))
        xr = np.array([features(r) for r in rs])
        codes = decide(prob(bi, xr), prob(bq, xr), ti, tq)
        shares = f"[item {np.mean(codes == 0):.2f} quote {np.mean(codes == 1):.2f}]"
        print(show(name + " gate", figures(rs, codes)), shares)
        print(show(name + " rules", figures(rs, np.full(len(rs), 3))))
        print(show(name + " item", figures(rs, np.zeros(len(rs), int))))
    chosen_on = (f"{len(recs)} calib records ({', '.join(p.name for p in args.fit)}): the most right XQuAD "
                 f"answers ({fitted:.0f}) with SQuAD 2.0 F1 >= {args.min_f1} and <= {args.max_answered}% of its "
                 f"unanswerable questions answered")
    if args.write:
        d = json.loads(DECISION.read_text(encoding="utf-8"))
        d["gate"] = {"item": [round(float(v), 6) for v in bi], "sentence": [round(float(v), 6) for v in bq],
                     "item_above": round(ti, 6), "sentence_above": round(tq, 6), "chosen_on": chosen_on}
        DECISION.write_text(json.dumps(d, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
