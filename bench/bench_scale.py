"""Retrieval at 100,000 chunks, embedded PersistentClient vs a `chroma run` server (issue 5's "Must show").

    .venv/bin/python -m bench.bench_scale                      # builds its own synthetic store
    .venv/bin/python -m bench.bench_scale --synthetic DIR      # reuses one kept by bench_core --keep-synthetic DIR
    .venv/bin/python -m bench.bench_scale --json

Both sides hold the same data: the synthetic 100,000-chunk store is built once with the embedded client (in a
child process, so it is flushed and closed), then copied; the embedded client opens one copy and a `chroma run`
server (tests/services.ChromaServer) serves the other, queried through chromadb.HttpClient. The same random query
vectors go to both, interleaved. Then the real retriever path: the bundled article ingested into a fresh embedded
store and into the server with the same code (knowledge.ingest), and ChromaRetriever.retrieve(question, 10) for
every eval question against both (query vectors embedded once beforehand, so both measure the store and scoring).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    LEXICAL_NOTE,
    PYTHON,
    CpuWatch,
    child_env,
    emit,
    load_questions,
    machine,
    machine_line,
    ms,
    noise_line,
    note,
    open_synthetic,
    retrieval_rows,
    run_checked,
    summary_ms,
    table,
    time_queries,
)

BUILD_SYNTHETIC = """
import sys
import chromadb
from chromadb.config import Settings
from bench.common import fill_synthetic
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
col, seconds = fill_synthetic(client, int(sys.argv[2]))
print(col.count(), round(seconds, 1))
"""


def _ticks(server: Any) -> float:
    """CPU seconds a Chroma server process has used so far."""
    import os

    try:
        fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, AttributeError, IndexError, ValueError):
        return 0.0


def build_synthetic(path: Path, n: int) -> dict[str, Any]:
    note(f"building the synthetic store ({n:,} chunks) in a child process…")
    out = run_checked([PYTHON, "-c", BUILD_SYNTHETIC, str(path), str(n)], child_env(), what="synthetic store",
                      timeout=1800).split()
    return {"chunks": int(out[0]), "insert_s": float(out[1])}


def real_retriever(cols: dict[str, Any], questions: list[str], rounds: int) -> dict[str, Any]:
    """ChromaRetriever.retrieve(question, 10) against each store, interleaved (rotating who goes first)."""
    from bot.retrieval.retriever import ChromaRetriever

    from bench.common import CountingCollection

    retrievers = {name: ChromaRetriever(c) for name, c in cols.items()}
    for c in cols.values():  # embed once: every side then measures the store round trips and the scoring
        for q in questions:
            c.embedder.query(q)
    for r in retrievers.values():  # warm up (the first query loads the index)
        for q in questions[:5]:
            r.retrieve(q, 10)
    counting = {}
    for name, c in cols.items():  # counted after the warm-up: the Chroma queries each retrieve() makes
        counting[name] = c.chunks = CountingCollection(c.chunks)
    names = list(retrievers)
    times: dict[str, list[float]] = {name: [] for name in names}
    same = 0
    for rnd in range(rounds):
        for i, q in enumerate(questions):
            shift = (i + rnd) % len(names)
            got = {}
            for name in names[shift:] + names[:shift]:
                t = time.perf_counter()
                got[name] = [s.paragraph for s in retrievers[name].retrieve(q, 10)]
                times[name].append(time.perf_counter() - t)
            same += all(v == got[names[0]] for v in got.values())
    return {"times": times, "same_ranking": [same, rounds * len(questions)],
            "chroma_queries": {name: c.calls for name, c in counting.items()}}


STORES = (
    ("embedded", "embedded, own store (the default)"),
    ("embedded+100k", "embedded, store also holding the {big} collection"),
    ("server", "server, holding only the article"),
    ("server+100k", "server also holding the {big} collection"),
)


def render(r: dict[str, Any]) -> str:
    out = ["briefbot scale benchmark — embedded Chroma (PersistentClient) vs a Chroma server (HttpClient), loopback",
           machine_line(r["machine"]), ""]
    s = r["synthetic"]
    out.append(f"Retrieval at {s['chunks']:,} stored chunks (synthetic unit vectors, 384 dims, same data on both "
               f"sides; {s['queries']} random query vectors, interleaved; "
               + (f"store built in {s['insert_s']:.0f} s)" if s["insert_s"] is not None else "store reused from bench_core)"))
    out.append(LEXICAL_NOTE)
    rows = retrieval_rows("embedded", s["_timings"]["embedded"]) + retrieval_rows("server", s["_timings"]["server"])
    out.append(table(["store", "query", "n", "p50", "p95", "max"], rows))
    out.append(noise_line(s.get("other_cores")))
    out.append("")
    t = r["retriever"]
    out.append(f"Real retriever path: ChromaRetriever.retrieve(question, 10) on the bundled article ingested with "
               f"knowledge.ingest, {t['questions']} eval questions × {t['rounds']} rounds, query vectors cached "
               f"(rankings identical everywhere for {t['same_ranking'][0]}/{t['same_ranking'][1]})")
    rows = []
    for name, label in STORES:
        s = t[name]
        calls = t["chroma_queries"][name]
        rows.append([label.format(big=f"{r['synthetic']['chunks']:,}-chunk"), s["n"], ms(s["p50"], 2), ms(s["p95"], 2),
                     ms(s["max"], 2), ms(s["mean"], 2), f"{calls[1]} ({calls[0]})", f"{t['ingest_s'][name]:.1f} s"])
    out.append(table(["store", "n", "p50", "p95", "max", "mean", "Chroma queries (full-text)", "ingest"], rows))
    out.append(noise_line(t.get("other_cores")))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_scale", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2, help="rounds over the eval questions for the real path")
    ap.add_argument("--synthetic", type=Path, metavar="DIR", help="reuse the store bench_core --keep-synthetic DIR built")
    args = ap.parse_args(argv)

    from knowledge.chroma import ChromaTarget, open_client
    from knowledge.reembed import open_checked
    from knowledge.documents import ARTICLES_DIR
    from knowledge.embeddings import shared_embedder
    from knowledge.ingest import ingest
    from tests.services import ChromaServer

    result: dict[str, Any] = {"machine": machine()}
    note(machine_line(result["machine"]))
    tmp = Path(tempfile.mkdtemp(prefix="briefbot-bench-scale-"))
    server = small_server = None
    try:
        source = args.synthetic / "chroma" if args.synthetic else tmp / "built" / "chroma"
        if args.synthetic and (source / "chroma.sqlite3").exists():
            built = {"chunks": None, "insert_s": None}
            note(f"reusing the synthetic store in {source}")
        else:
            built = build_synthetic(source, args.chunks)
        embedded_path, server_path = tmp / "embedded" / "chroma", tmp / "server" / "chroma"
        shutil.copytree(source, embedded_path)
        shutil.copytree(source, server_path)

        server = ChromaServer(server_path)
        note("starting `chroma run` on the copy…")
        server.start()
        # The product's own client construction (knowledge.chroma.open_client) for both sides.
        embedded_client = open_client(ChromaTarget(path=embedded_path))
        http_client = open_client(ChromaTarget(host="127.0.0.1", port=server.port))
        cols = {"embedded": open_synthetic(embedded_client), "server": open_synthetic(http_client)}
        counts = {k: c.count() for k, c in cols.items()}
        if counts["embedded"] != counts["server"]:
            raise RuntimeError(f"the two stores differ: {counts}")
        note(f"timing {args.queries} queries against both ({counts['embedded']:,} chunks each)…")
        questions = [row["q"] for row in load_questions()]
        server_ticks = _ticks(server)
        with CpuWatch() as watch:
            timings = time_queries(cols, args.queries, questions=questions)
        watch.exclude(_ticks(server) - server_ticks)
        result["synthetic"] = {
            "chunks": counts["embedded"], "insert_s": built["insert_s"], "queries": args.queries,
            **{name: {k: summary_ms(v) for k, v in t.items() if not k.startswith("_")}
               for name, t in timings.items()},
            "_timings": timings, "other_cores": watch.other_cores,
        }

        note("real retriever path: ingesting the bundled article into four stores…")
        (tmp / "server-article").mkdir()
        small_server = ChromaServer(tmp / "server-article" / "chroma")
        small_server.start()
        embedder = shared_embedder()
        targets = {"embedded": ChromaTarget(path=tmp / "article" / "chroma"),
                   "embedded+100k": ChromaTarget(path=embedded_path),
                   "server": ChromaTarget(host="127.0.0.1", port=small_server.port),
                   "server+100k": ChromaTarget(host="127.0.0.1", port=server.port)}
        article_cols, ingest_s = {}, {}
        for name, target in targets.items():
            c = open_checked(open_client(target), "briefbot", embedder, target)
            t0 = time.perf_counter()
            ingest(c, [ARTICLES_DIR], progress=False)
            ingest_s[name] = round(time.perf_counter() - t0, 2)
            article_cols[name] = c
        note(f"timing {len(questions)} questions × {args.rounds} rounds against the four…")
        ticks = _ticks(server) + _ticks(small_server)
        with CpuWatch() as watch:
            got = real_retriever(article_cols, questions, args.rounds)
        watch.exclude(_ticks(server) + _ticks(small_server) - ticks)
        result["retriever"] = {"questions": len(questions), "rounds": args.rounds, "ingest_s": ingest_s,
                               "same_ranking": got["same_ranking"], "other_cores": watch.other_cores,
                               "chroma_queries": got["chroma_queries"],
                               **{k: summary_ms(v) for k, v in got["times"].items()}}
        text = render(result)
        data = {k: ({kk: vv for kk, vv in v.items() if not kk.startswith("_")} if isinstance(v, dict) else v)
                for k, v in result.items()}
        emit(text, data, args.json)
        return 0
    finally:
        for srv in (server, small_server):
            if srv is not None:
                srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
