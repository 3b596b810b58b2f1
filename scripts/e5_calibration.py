"""Writes knowledge/e5_calibration.txt: the texts the int8 embedder's activation smoothing is calibrated on.

Drawn, with a fixed seed, from the `train` splits of ../shared/eval/squad only, so no evaluation set shapes the model
that is measured on it: English sentences and questions of the SQuAD 1.1 titles (`v1/`, all `train`) whose Dutch
translation is not among XQuAD-nl's `dev` articles, and Dutch sentences and questions of XQuAD-nl's `train` articles.
Sentences are cut as ingest cuts them (knowledge.text.split_sentences). Changing the output changes the model: bump
GRAPH_VERSION in knowledge/e5_embedder.py.

Usage: .venv/bin/python scripts/e5_calibration.py [--squad ../shared/eval/squad] [--seed 24] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.text import split_paragraphs, split_sentences  # noqa: E402

PASSAGES_PER_LANGUAGE = 72  # twice the previous file's mix (~72 passages, ~52 queries, half of each Dutch): maxima
QUERIES_PER_LANGUAGE = 52  # that depend less on the draw (of the draws tried, it lost the least)
WORDS_PER_LANGUAGE = 0  # single words, embedded as passages (the vocabulary the engine matches across languages)
MIN_CHARS, MAX_CHARS = 30, 300  # a news sentence's length, not a heading or a whole paragraph

HEADER = (
    "Calibration texts for the int8 embedder's activation smoothing (knowledge/e5_onnx.py), written by "
    "scripts/e5_calibration.py (seed {seed}) from the `train` splits of ../shared/eval/squad only: English sentences "
    "and questions of the SQuAD 1.1 titles {en}; Dutch sentences and questions of XQuAD-nl's train articles. No "
    "evaluation set uses these texts. Fixed data: changing it changes the model (bump GRAPH_VERSION in "
    "knowledge/e5_embedder.py)."
)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def body(path: Path) -> str:
    """An article file's text without its front matter."""
    text = path.read_text(encoding="utf-8")
    return re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)


def sentences(paths: list[Path], language: str) -> list[str]:
    out = []
    for path in paths:
        for paragraph in split_paragraphs(body(path)):
            out += [s.strip() for s in split_sentences(paragraph, language) if MIN_CHARS <= len(s.strip()) <= MAX_CHARS]
    return out


def draw(squad: Path, seed: int, n_passages: int = PASSAGES_PER_LANGUAGE, n_queries: int = QUERIES_PER_LANGUAGE,
         n_words: int = WORDS_PER_LANGUAGE) -> tuple[list[str], list[str], list[str]]:
    """(English titles used, passages, queries), each list in a fixed order."""
    rng = random.Random(seed)
    xquad = read_jsonl(squad / "xquad-nl" / "questions.jsonl")
    nl_train = sorted({q["article"] for q in xquad if q["split"] == "train"})
    nl_dev = {q["article"].removeprefix("xquad-nl-") for q in xquad if q["split"] == "dev"}
    v1 = [q for q in read_jsonl(squad / "v1" / "questions.jsonl") if q["split"] == "train"]
    en_titles = sorted({q["article"] for q in v1} - nl_dev)
    en_sentences = sentences([squad / "v1" / "articles" / f"{t}.en.md" for t in en_titles], "en")
    nl_sentences = sentences([squad / "xquad-nl" / "articles" / f"{a}.nl.md" for a in nl_train], "nl")
    en_questions = sorted({q["q"].strip() for q in v1 if q["article"] in en_titles})
    nl_questions = sorted({q["q"].strip() for q in xquad if q["split"] == "train"})
    passages = rng.sample(en_sentences, n_passages) + rng.sample(nl_sentences, n_passages)
    queries = rng.sample(en_questions, n_queries) + rng.sample(nl_questions, n_queries)
    for pool in (en_sentences, nl_sentences):
        words = sorted({w for t in pool for w in re.findall(r"[^\W\d_]{3,}", t)})
        passages += rng.sample(words, n_words)
    rng.shuffle(passages)
    rng.shuffle(queries)
    return en_titles, passages, queries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "eval" / "squad")
    ap.add_argument("--seed", type=int, default=24)
    ap.add_argument("--passages", type=int, default=PASSAGES_PER_LANGUAGE, help="sentences per language")
    ap.add_argument("--queries", type=int, default=QUERIES_PER_LANGUAGE, help="questions per language")
    ap.add_argument("--words", type=int, default=WORDS_PER_LANGUAGE, help="single words per language")
    ap.add_argument("--out", type=Path, default=ROOT / "knowledge" / "e5_calibration.txt")
    args = ap.parse_args()
    titles, passages, queries = draw(args.squad, args.seed, args.passages, args.queries, args.words)
    lines = [f"passage: {' '.join(p.split())}" for p in passages] + [f"query: {' '.join(q.split())}" for q in queries]
    header = textwrap.wrap(HEADER.format(seed=args.seed, en=", ".join(titles)), 116)
    args.out.write_text("".join(f"# {h}\n" for h in header) + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(passages)} passages, {len(queries)} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
