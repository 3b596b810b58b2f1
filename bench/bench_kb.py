"""Knowledge-base management costs: sentence splitting (pysbd vs the old regex), parsing per format, the change
signal a bot polls, the orphan scan every ingest starts with, and `briefbot gaps` grouping.

Prints figures only; nothing is asserted. `python bench/bench_kb.py [--articles 2000] [--questions 500]`.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench.common import machine, machine_line, note, table  # noqa: E402

# The regex splitter issue 9 replaced (knowledge/documents.py before): the baseline for the splitting figures.
_BOUNDARY = re.compile(r"(?<=[.!?])([”\"’»]?)\s+(?=[„“\"«(]?[A-ZÀ-ÖØ-Þ0-9])")
_ABBREVIATIONS = re.compile(r"\b(?:dhr|mevr|mr|mrs|ms|dr|prof|bijv|o\.a|e\.g|i\.e|vs|St|nr|ca|jr|sr)\.$", re.I)


def old_split(paragraph: str) -> list[str]:
    parts, start = [], 0
    for m in _BOUNDARY.finditer(paragraph):
        piece = paragraph[start:m.end(1)].strip()
        if not piece or _ABBREVIATIONS.search(paragraph[start:m.start(1)]):
            continue
        if piece.count("„") + piece.count("“") > piece.count("”") or piece.count('"') % 2:
            continue
        parts.append(piece)
        start = m.end()
    tail = paragraph[start:].strip()
    return parts + [tail] if tail else parts


def per_call_ms(fn, items, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for it in items:
            fn(it)
        best = min(best, (time.perf_counter() - t0) / len(items))
    return best * 1000


def splitting() -> list[list[str]]:
    from knowledge.documents import ARTICLES_DIR, parse
    from knowledge.text import split_sentences

    paras = list(parse(next(ARTICLES_DIR.glob("*.md"))).paragraphs)
    hard = ["The U.S. Navy said Gen. Smith arrived on Monday. He left on Friday.",
            "Dit zei dr. Jansen gisteren. Prof. De Vries kwam o.a. Duitse leiders tegen."]
    right = [["The U.S. Navy said Gen. Smith arrived on Monday.", "He left on Friday."],
             ["Dit zei dr. Jansen gisteren.", "Prof. De Vries kwam o.a. Duitse leiders tegen."]]
    langs = ["en", "nl"]
    return [
        ["regex (before)", f"{per_call_ms(old_split, paras):.3f} ms",
         f"{sum(old_split(h) == r for h, r in zip(hard, right))}/2"],
        ["pysbd + quotation rule (now)", f"{per_call_ms(lambda p: split_sentences(p, 'nl'), paras):.3f} ms",
         f"{sum(split_sentences(h, lang) == r for h, r, lang in zip(hard, right, langs))}/2"],
    ]


def parsing(tmp: Path) -> list[list[str]]:
    from knowledge.documents import parse
    from tests.docmaker import article_md, make_pdf

    paras = [f"Paragraph {i} about the harbour of Rotterdam, where ships wait for the strike to end. "
             "The union said talks resume on Friday." for i in range(30)]
    (tmp / "a.md").write_text(article_md("a", "A", paras), encoding="utf-8")
    (tmp / "a.txt").write_text("\n\n".join(paras), encoding="utf-8")
    html = "<html lang='en'><body><nav>Menu</nav><article><h1>A</h1>" + "".join(f"<p>{p}</p>" for p in paras) + \
           "</article></body></html>"
    (tmp / "a.html").write_text(html, encoding="utf-8")
    (tmp / "a.pdf").write_bytes(make_pdf([[p[:90], p[90:], ""] for p in paras[:15]] * 2, title="A"))
    rows = []
    for name in ("a.md", "a.txt", "a.html", "a.pdf"):
        path = tmp / name
        rows.append([name.split(".")[1], f"{per_call_ms(lambda p: parse(p), [path] * 5):.1f} ms"])
    return rows


def store_costs(tmp: Path, n_articles: int) -> tuple[list[list[str]], float]:
    from knowledge.catalog import version
    from knowledge.chroma import ChromaTarget, open_client
    from knowledge.documents import Document
    from knowledge.embeddings import shared_embedder
    from knowledge.reembed import open_checked
    from knowledge.writer import remove_orphans, write_group

    target = ChromaTarget(path=tmp / "chroma")
    cols = open_checked(open_client(target), "bench", shared_embedder(), target)
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    for start in range(0, n_articles, 200):
        group = []
        for a in range(start, min(n_articles, start + 200)):
            doc = Document(f"art-{a}", f"Article {a}", "2024-05", "en", f"/x/art-{a}.md",
                           tuple(f"Paragraph {p} of article {a}. It has two sentences." for p in range(5)))
            group.append((doc, doc.chunks()))
        n = sum(len(c.sentences) for _, ch in group for c in ch)
        vecs = rng.standard_normal((n, 384)).astype(np.float32)
        write_group(cols, group, vecs / np.linalg.norm(vecs, axis=1, keepdims=True), [np.zeros((0, 384))] * n)
    fill_s = time.perf_counter() - t0
    poll = per_call_ms(lambda _: version(cols), range(200))
    scan = per_call_ms(lambda _: remove_orphans(cols), range(3), repeat=1)
    return [["knowledge.catalog.version(cols) — the change signal", f"{poll:.2f} ms"],
            [f"orphan scan at the start of every ingest ({n_articles:,} articles, {n_articles * 5:,} paragraphs)",
             f"{scan:.0f} ms"]], fill_s


def grouping(n: int) -> list[list[str]]:
    """Synthetic gaps: 25 topics (5 subjects × 5 countries), each asked in 4 forms; how the groups come out."""
    from collections import defaultdict

    from bot.state.gaps import GROUP_DISTANCE, Gap, cluster, group_gaps
    from knowledge.embeddings import shared_embedder

    subjects = ["NATO troops", "gas prices", "wheat exports", "refugees", "elections"]
    countries = ["Poland", "Germany", "Ukraine", "Moldova", "the Netherlands"]
    forms = ["How many {}?", "What about {}?", "Tell me about {}.", "What is the latest on {}?"]
    questions = [f.format(f"{s} in {c}") for s in subjects for c in countries for f in forms]
    truth = [i // len(forms) for i in range(len(questions))]
    emb = shared_embedder()
    t0 = time.perf_counter()
    vecs = {q: emb.query(q) for q in questions}
    embed_ms = (time.perf_counter() - t0) / len(questions) * 1000
    matrix = np.stack([vecs[q] for q in questions])
    rows = []
    for d in sorted({0.04, 0.08, GROUP_DISTANCE}):
        labels = cluster(matrix, d)
        topics_in: dict[int, set[int]] = defaultdict(set)
        groups_of: dict[int, set[int]] = defaultdict(set)
        for label, topic in zip(labels, truth):
            topics_in[label].add(topic)
            groups_of[topic].add(label)
        mixed = sum(len(t) > 1 for t in topics_in.values())
        split = sum(len(g) > 1 for g in groups_of.values())
        rows.append([f"{d:g}" + (" (default)" if d == GROUP_DISTANCE else ""), str(len(topics_in)), str(mixed),
                     str(split)])
    gaps = [Gap(f"k{i}", "refused", questions[i % len(questions)], "en", "slack", float(i)) for i in range(n)]
    t0 = time.perf_counter()
    group_gaps(gaps, vecs.__getitem__)
    cluster_s = time.perf_counter() - t0
    note_line = (f"embedding {embed_ms:.0f} ms per question; grouping {n} gaps (embeddings cached) "
                 f"{cluster_s * 1000:.0f} ms")
    return rows + [[note_line, "", "", ""]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--questions", type=int, default=500)
    args = ap.parse_args()
    print(machine_line(machine()))
    tmp = Path(tempfile.mkdtemp(prefix="briefbot-bench-kb-"))
    try:
        note("sentence splitting…")
        print("\nSentence splitting, per paragraph of the sample article (best of 3), and the two hard cases right")
        print(table(["splitter", "per paragraph", "U.S./Gen. and dr./Prof. cases"], splitting()))
        note("parsing…")
        print("\nParsing one 30-paragraph article, per format (best of 3 × 5)")
        print(table(["format", "parse"], parsing(tmp)))
        note(f"filling a store with {args.articles} synthetic articles…")
        rows, fill_s = store_costs(tmp, args.articles)
        print(f"\nStore costs (embedded Chroma; {args.articles:,} synthetic articles written in {fill_s:.0f} s, "
              "random vectors)")
        print(table(["what", "time"], rows))
        note("grouping gaps…")
        print("\n`briefbot gaps` on 100 synthetic questions: 25 topics (5 subjects × 5 countries) × 4 question forms")
        print(table(["--distance", "groups", "groups mixing topics", "topics split"], grouping(args.questions)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
