"""Shared pieces of the benchmark scripts: the machine, percentiles, tables, the questions, synthetic 100k stores.

Nothing here asserts anything about speed: the scripts print figures, targets are printed beside them.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PYTHON = sys.executable
EVAL = REPO / "eval"  # dev_qa.jsonl there is a copy of ../shared/eval/dev_qa.jsonl
QUESTION_FILES = (EVAL / "dev_qa.jsonl", EVAL / "extra_qa.jsonl", EVAL / "holdout_qa.jsonl")

# A few questions for the adapter benches (Slack, Discord): the same five, so their figures compare.
ADAPTER_QUESTIONS = [
    "What did Xi Jinping say when he left Moscow?",
    "Why does Russia need a friend according to the article?",
    "Wat zei Guterres over multilateralisme?",
    "Who had lunch with the European leaders?",
    "Waarom zoekt China partners?",
]


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (the same definition as bench/bench_slack.py)."""
    from bench.bench_slack import pct as slack_pct

    return slack_pct(list(values), p)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50": round(pct(ms, 50), 2), "p95": round(pct(ms, 95), 2), "p99": round(pct(ms, 99), 2),
            "max": round(max(ms), 2), "mean": round(sum(ms) / len(ms), 2)}


# --- the machine ---

def cpu_model() -> str:
    model = platform.processor()
    if model:
        return model
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine() or "unknown"


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def machine() -> dict[str, Any]:
    import chromadb

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpus": os.cpu_count(), "cpu_model": cpu_model(), "ram_gib": round(ram_gib(), 1),
        "python": platform.python_version(), "os": f"{platform.system()} {platform.release()}",
        "chromadb": chromadb.__version__, "loadavg_1m_at_start": round(load[0], 2),
    }


def machine_line(m: dict[str, Any]) -> str:
    return (f"machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']:.1f} GiB RAM, Python {m['python']}, "
            f"{m['os']}, chromadb {m['chromadb']}; load average at start {m['loadavg_1m_at_start']}")


# --- output ---

def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain text table, columns padded to their widest cell."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    out = []
    for n, r in enumerate(cells):
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def ms(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f} ms"


def note(*parts: object) -> None:
    """Progress and notes go to stderr, so `--json` keeps stdout machine-readable."""
    print(*parts, file=sys.stderr, flush=True)


def emit(text: str, data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(text, flush=True)


def _busy_seconds() -> float:
    """CPU time the whole machine spent busy (all processes, all cores), from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError, IndexError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuWatch:
    """Noise indicator for a phase: the CPU other processes (not this one or its waited-for children) used.

    `other_cores` is their average use in cores over the phase (0 = the machine was ours alone).
    """

    def __enter__(self) -> CpuWatch:
        self._t, self._busy, self._own = time.monotonic(), _busy_seconds(), _own_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = max(1e-9, time.monotonic() - self._t)
        other = (_busy_seconds() - self._busy) - (_own_seconds() - self._own)
        self.other_cores = round(max(0.0, other / wall), 2)

    def exclude(self, seconds: float) -> None:
        """Take CPU seconds of processes we run but do not wait for (servers) out of `other_cores`."""
        wall = max(1e-9, time.monotonic() - self._t)
        self.other_cores = round(max(0.0, self.other_cores - seconds / wall), 2)


def noise_line(other_cores: float | None) -> str:
    if other_cores is None:
        return ""
    return f"(noise: other processes used {other_cores:.2f} of {os.cpu_count()} cores during this part)"


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


# --- questions ---

def load_questions(files: Sequence[Path] = QUESTION_FILES) -> list[dict[str, Any]]:
    """The eval questions (dev, extra, holdout), each distinct question text once."""
    seen: set[str] = set()
    out = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                q = row["q"].strip()
                if q not in seen:
                    seen.add(q)
                    out.append(row)
    return out


# Unrelated to the article and to every eval question: used to warm systems up without priming any cache.
WARMUP_QUESTIONS = [
    "What is the capital of Australia?",
    "Hoe laat gaat de bakker open op zaterdag?",
    "Which football club won the league in 1995?",
    "Wat kost een treinkaartje naar Utrecht?",
    "How do volcanoes form?",
    "Waarom is de lucht blauw?",
]


# --- synthetic 100,000-chunk collections (bench_core and bench_scale) ---

SYNTHETIC_COLLECTION = "synthetic-100k"
DIM = 384
# Words for the synthetic documents: a large pseudo-word vocabulary (Zipf-distributed, like real text) and, in about
# 3 % of documents, one of the real words the timed `$contains` queries look for (each in ~0.4 % of documents, the
# rate of a name in a news archive).
LEXICAL_WORDS = ["moskou", "guterres", "klimaat", "sancties", "verkiezingen", "harvest", "oekraïne", "borrell"]
TOPIC_RATE = 0.03
LEXICAL_NOTE = (f"every query: n_results=10, include=documents,metadatas,distances (as ChromaRetriever); the "
                f"reference $contains query (Chroma's full-text filter) looks for a word in "
                f"~{TOPIC_RATE / len(LEXICAL_WORDS):.1%} of the documents; retrieve() is the product's own code with "
                "a random vector in place of the question's embedding — nothing stands out for a random vector, so "
                "whatever fallback the retriever has for that case runs: the worst case")
_SYLLABLES = tuple(
    "ba be bi bo da de di do ga ge go ka ke ki ko la le li lo ma me mi mo na ne ni no pa pe po ra re ri ro sa se si "
    "so ta te ti to va ve vo za ze zo er en el an ar on or in ij oe ui au ei".split()
)


def _pseudo_vocab(size: int = 20_000, seed: int = 1) -> list[str]:
    import random

    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    vocab = sorted(words)
    rng.shuffle(vocab)  # Zipf ranks independent of spelling
    return vocab


_VOCAB: list[str] = []


def synthetic_rows(start: int, count: int, rng: Any) -> tuple[list[str], Any, list[str], list[dict[str, Any]]]:
    """ids, unit vectors, short documents and paragraph metadata shaped like knowledge/ingest.py writes them."""
    import numpy as np

    if not _VOCAB:
        _VOCAB.extend(_pseudo_vocab())
    vecs = rng.standard_normal((count, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    weights = 1.0 / np.arange(1, len(_VOCAB) + 1) ** 1.0
    weights /= weights.sum()
    picks = rng.choice(len(_VOCAB), size=(count, 14), p=weights)
    topical = rng.random(count) < TOPIC_RATE
    topics = rng.integers(0, len(LEXICAL_WORDS), size=count)
    ids, docs, metas = [], [], []
    for k in range(count):
        i = start + k
        article, paragraph = f"synthetic-{i // 50:05d}", i % 50 + 1
        words = [_VOCAB[j] for j in picks[k]]
        if topical[k]:
            words[int(rng.integers(0, len(words)))] = LEXICAL_WORDS[topics[k]].capitalize()
        ids.append(f"{article}:{paragraph}")
        text = " ".join(words)
        docs.append(text[0].upper() + text[1:] + f" ({i}).")
        metas.append({"article": article, "title": f"Synthetic article {i // 50}", "date": "2023-03",
                      "language": "nl" if i % 3 else "en", "paragraph": paragraph,
                      "hash": f"{i:032x}", "sentences": 3})
    return ids, vecs, docs, metas


def open_synthetic(client: Any, name: str = SYNTHETIC_COLLECTION, *, create: bool = False) -> Any:
    """The synthetic collection, configured like knowledge/chroma.py configures ours (cosine, model metadata)."""
    from knowledge.embeddings import MODEL_ID

    if create:
        return client.get_or_create_collection(
            name, metadata={"embedder": MODEL_ID, "dim": DIM}, embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )
    return client.get_collection(name, embedding_function=None)


def fill_synthetic(client: Any, n: int = 100_000, *, seed: int = 7, name: str = SYNTHETIC_COLLECTION,
                   progress: bool = True) -> tuple[Any, float]:
    """Insert n synthetic chunks with batched upserts; returns (collection, seconds)."""
    import numpy as np

    col = open_synthetic(client, name, create=True)
    rng = np.random.default_rng(seed)
    try:
        batch = min(5000, int(client.get_max_batch_size()))
    except Exception:  # noqa: BLE001  (older clients: a safe size)
        batch = 5000
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n, unit="chunk", desc="Inserting synthetic chunks", file=sys.stderr, mininterval=2)
    started = time.perf_counter()
    try:
        for start in range(0, n, batch):
            ids, vecs, docs, metas = synthetic_rows(start, min(batch, n - start), rng)
            col.upsert(ids=ids, embeddings=vecs, documents=docs, metadatas=metas)
            if bar is not None:
                bar.update(len(ids))
    finally:
        if bar is not None:
            bar.close()
    return col, time.perf_counter() - started


def query_vectors(count: int, seed: int = 11) -> Any:
    import numpy as np

    rng = np.random.default_rng(seed)
    q = rng.standard_normal((count, DIM)).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


INCLUDE = ["documents", "metadatas", "distances"]  # what ChromaRetriever._query asks for
N_RESULTS = 10  # Bot's candidates: ChromaRetriever.retrieve(query, 10)


def dense_query(col: Any, vec: Any) -> Any:
    """ChromaRetriever's first query: the nearest paragraphs."""
    return col.query(query_embeddings=[vec], n_results=N_RESULTS, include=INCLUDE)


def lexical_query(col: Any, vec: Any, word: str) -> Any:
    """ChromaRetriever's second query: the nearest among paragraphs containing a question word (as asked/capitalised)."""
    clauses = [{"$contains": v} for v in {word, word.capitalize()}]
    where = clauses[0] if len(clauses) == 1 else {"$or": clauses}
    return col.query(query_embeddings=[vec], n_results=N_RESULTS, where_document=where, include=INCLUDE)


class _VectorFor:
    """Stands in for the embedder inside ChromaRetriever: hands out the prepared query vector (no model at all)."""

    def __init__(self) -> None:
        self.vec: Any = None

    def query(self, text: str) -> Any:
        return self.vec


class CountingCollection:
    """A Chroma collection that counts the reads made through it: calls = [full-text (where_document), all].

    Counts query() and get() (a full-text get() scans the index just the same).
    """

    def __init__(self, col: Any) -> None:
        self._col = col
        self.calls = [0, 0]

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.calls[1] += 1
        self.calls[0] += kwargs.get("where_document") is not None
        return self._col.query(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self.calls[1] += 1
        self.calls[0] += kwargs.get("where_document") is not None
        return self._col.get(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._col, name)


def queries_per_call(calls: list[int], retrieves: int) -> str:
    """'1.3 Chroma queries per call, 0 full-text' from CountingCollection.calls and the number of retrieve() calls."""
    return f"{calls[1] / max(1, retrieves):.1f} Chroma queries per call, {calls[0]} full-text"


def _retriever_over(col: Any) -> tuple[Any, _VectorFor, CountingCollection]:
    """The product's ChromaRetriever over a synthetic collection, its query vector set per call."""
    from types import SimpleNamespace

    from bot.retrieval.retriever import ChromaRetriever

    vector = _VectorFor()
    counting = CountingCollection(col)
    retriever = ChromaRetriever(SimpleNamespace(chunks=counting, embedder=vector))  # type: ignore[arg-type]
    return retriever, vector, counting


def time_queries(cols: dict[str, Any], queries: int = 200, *, warmup: int = 10,
                 questions: Sequence[str] = ()) -> dict[str, dict[str, list[float]]]:
    """Interleaved timings against each named collection, the same random query vectors for all.

    Per query vector: the retriever's dense query; a `$contains` query for one word (as ChromaRetriever's second
    query builds it); and, with `questions`, the product's own ChromaRetriever.retrieve(question, 10) with that
    vector in place of the question's embedding (so its where_document clauses are the real ones).
    Returns {name: {"dense": [s…], "lexical": [s…], "retrieve": [s…]}}; the order alternates per query.
    """
    vecs = query_vectors(queries + warmup)
    names = list(cols)
    retrievers = {n: _retriever_over(cols[n]) for n in names}
    out: dict[str, dict[str, list[float]]] = {n: {"dense": [], "lexical": [], "retrieve": []} for n in names}
    for i, vec in enumerate(vecs):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            col = cols[name]
            t = time.perf_counter()
            got = dense_query(col, vec)
            dense = time.perf_counter() - t
            assert len(got["ids"][0]) == N_RESULTS
            t = time.perf_counter()
            lexical_query(col, vec, LEXICAL_WORDS[i % len(LEXICAL_WORDS)])
            lex = time.perf_counter() - t
            full = None
            if questions and i % 2 == 0:  # the slowest of the three: on every other vector
                retriever, vector, _ = retrievers[name]
                vector.vec = vec
                t = time.perf_counter()
                retriever.retrieve(questions[i % len(questions)], N_RESULTS)
                full = time.perf_counter() - t
            if i >= warmup:
                out[name]["dense"].append(dense)
                out[name]["lexical"].append(lex)
                if full is not None:
                    out[name]["retrieve"].append(full)
    for name in names:  # the Chroma queries retrieve() made (warm-up included) and how many retrieve() calls
        calls = retrievers[name][2].calls
        out[name]["_queries"] = [calls[0], calls[1], sum(1 for i in range(len(vecs)) if i % 2 == 0)]  # type: ignore
    return out


def retrieval_rows(label: str, timings: dict[str, list[float]]) -> list[list[Any]]:
    rows = []

    def row(what: str, values: list[float]) -> None:
        s = summary_ms(values)
        rows.append([label, what, s["n"], ms(s["p50"], 2), ms(s["p95"], 2), ms(s["max"], 2)])

    row("dense query (n=10)", timings["dense"])
    row("$contains query, one word ($or of 2), for reference", timings["lexical"])
    if timings.get("retrieve"):
        q = timings.get("_queries")
        share = f"; {queries_per_call(q[:2], q[2])}" if q else ""
        row(f"ChromaRetriever.retrieve (eval question{share})", timings["retrieve"])
    return rows


def child_env(**extra: str) -> dict[str, str]:
    """This environment without any briefbot/Chroma/Redis/Slack settings of the caller, plus `extra`."""
    drop = ("BRIEFBOT_", "CHROMA_", "SLACK_", "DISCORD_", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "LOG_FORMAT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def run_checked(args: Sequence[str], env: dict[str, str], *, what: str, timeout: float = 600,
                on_output: Callable[[str], None] | None = None) -> str:
    """Run a helper process to completion; its stdout, or an error that shows its stderr."""
    import subprocess

    proc = subprocess.run(list(args), env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout
