"""Per-question records for the answer decision: the reader's and the retriever's scores and each reply the bot
could give (the reader's item, its sentence alone, the rules engine's reply, a refusal), for fitting and reporting.

    .venv/bin/python -m training.decision_data QUESTIONS.jsonl --data-dir DIR --out RECORDS.jsonl [--split calib]

QUESTIONS.jsonl is in the shared scorer's format (the shared SQuAD/XQuAD files carry `split`, `article`,
`answers`); DIR holds those questions' articles indexed. The records are judged later (training.fit_decision),
so one slow pass through the bot serves every decision tried.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.common.config import Settings
from bot.common.models import Answer
from bot.core.bot import Bot
from bot.language.question import analyse
from bot.language.replies import cite, say, the_article, trim
from bot.reading.extractive import ExtractiveEngine
from bot.reading.reader_engine import ReaderCalibration, ReaderEngine
from bot.retrieval.retriever import ChromaRetriever
from knowledge.reader import DECISION, OnnxReader

from . import data
from .through_bot import bot_on, retrieve


def reply(a: Answer) -> dict[str, Any]:
    return {"answer": a.text, "grounded": a.grounded, "item": a.item,
            "sources": [{"text": s.text, "label": s.label} for s in a.sources]}


def calib_questions(path: Path) -> list[dict[str, Any]]:
    """The shared file's questions on the `calib` titles (training.data keeps them out of the reader's fitting)."""
    calib = set(data.CALIB_XQ) | set(data.CALIB_V2)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("split") == "train" and r.get("article") in calib]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("questions", type=Path)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--split", choices=("calib", "all"), default="all")
    ap.add_argument("--passages", type=int, help="passages read (default: knowledge/reader/reader.json's)")
    args = ap.parse_args()
    if args.split == "calib":
        rows = calib_questions(args.questions)
    else:
        rows = [json.loads(x) for x in args.questions.read_text(encoding="utf-8").splitlines() if x.strip()]
    with bot_on(args.data_dir, engine="rules") as bot:
        write(bot, rows, args.out, args.passages)


def write(bot: Bot, rows: list[dict[str, Any]], out_path: Path, read: int | None) -> None:
    """A record per question: the rules engine's reply (the bot's own engine here) and the reader's, ungated."""
    rules = bot.engine
    assert isinstance(rules, ExtractiveEngine)
    settings = Settings.from_env()
    # always the item, also one in the article's language (the gate judges whether the item is right)
    decision = replace(ReaderCalibration.load(DECISION), threshold=-math.inf, gate=None, quote_foreign_phrases=False)
    if read:
        decision = replace(decision, passages=read)
    retriever = bot.retriever
    assert isinstance(retriever, ChromaRetriever)
    reader = ReaderEngine(retriever, OnnxReader(settings.threads, settings.cache_dir), decision,
                          top_k=settings.top_k, calibration=retriever.cal)
    started = time.perf_counter()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as out:
        for n, row in enumerate(rows):
            cleaned, language, passages = retrieve(bot, row["q"])
            by_rules = rules.answer(cleaned, passages, language)
            by_reader = reader.answer(cleaned, passages, language)
            rec: dict[str, Any] = {"row": row, "kind": analyse(cleaned).kind, "language": language,
                                   "retrieved": [[p.label, round(p.score, 4), p.language] for p in passages[:4]],
                                   "rules": reply(by_rules), "reader": reply(by_reader)}
            if by_reader.trace and by_reader.trace.spans:
                rec["spans"] = [list(s) for s in by_reader.trace.spans]
            if by_reader.item and by_reader.sources:
                src = by_reader.sources[0]
                quote = by_reader.text.split(": „", 1)[1].rstrip("”") if ": „" in by_reader.text else src.text
                rec["quote_only"] = {"answer": say("according", language, the_article=the_article(language, False),
                                                   cite=cite(src), quote=trim(quote, 400)),
                                     "grounded": True, "item": None, "sources": rec["reader"]["sources"]}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if n % 100 == 0:
                print(f"  {n}/{len(rows)} ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
