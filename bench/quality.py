"""Answer quality on question sets, split the ways the issues judge it: same vs other language, kinds, own words.

Usage: .venv/bin/python bench/quality.py [QUESTIONS.jsonl ...] [--show] [--conversations FILE ...]
Runs the configured bot in-process (BRIEFBOT_DATA_DIR decides the knowledge base) with the shared scorer's checks
(../shared/eval/score.py when present, else briefbot/evaluate.py's copy of them).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.common.config import Settings  # noqa: E402
from bot.common.errors import BriefbotError  # noqa: E402
from bot.wiring import build_bot  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval" / "score.py"


def scorer():
    """The shared scorer's judge and own_words, or our copy when the shared folder is not there."""
    if SHARED.exists():
        spec = importlib.util.spec_from_file_location("shared_score", SHARED)
        mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
        return mod.judge, mod.own_words
    from briefbot.evaluate import judge, own_words

    return judge, own_words


def ask(bot, question: str, conversation: str) -> dict:
    try:
        return bot.answer(question, conversation).to_dict()
    except BriefbotError as exc:
        return {"answer": exc.message, "grounded": False, "sources": []}


def run_questions(bot, path: Path, show: bool, judge, own_words) -> dict:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    languages = {a.id: a.language for a in bot.articles()}
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    own = answerable = 0
    for i, item in enumerate(items):
        reply = ask(bot, item["q"], f"quality:{uuid.uuid4().hex[:8]}:{i}")
        checks = judge(item, reply)
        ok = all(checks.values())
        lang = languages.get(item.get("article", ""))
        split = "unanswerable" if item.get("unanswerable") else (
            "cross-language" if lang and lang != item["lang"] else "same-language" if lang else "answerable")
        for g in ("all", split):
            groups[g][0] += ok
            groups[g][1] += 1
        if not item.get("unanswerable"):
            answerable += 1
            own += own_words(item, reply)
        if show or not ok:
            bad = ",".join(k for k, v in checks.items() if not v) or "ok"
            print(f"  [{item.get('id', i)}] {bad}: {item['q']}\n      -> {reply.get('answer', '')[:220]!r}")
    line = ", ".join(f"{g} {a}/{b}" for g, (a, b) in groups.items())
    print(f"{path.name}: {line}, own words {own}/{answerable}")
    return {"groups": dict(groups), "own": own, "answerable": answerable}


def run_conversations(bot, path: Path, show: bool, judge) -> tuple[int, int]:
    passed = total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        conv = json.loads(line)
        cid = f"quality:{conv['id']}:{uuid.uuid4().hex[:8]}"
        for n, turn in enumerate(conv["turns"], 1):
            reply = ask(bot, turn["q"], cid)
            ok = all(judge(dict(turn, lang=conv["lang"]), reply).values())
            if n > 1:
                total += 1
                passed += ok
            if show or (n > 1 and not ok):
                print(f"  [{conv['id']} turn {n}] {'ok' if ok else 'FAIL'}: {turn['q']}\n"
                      f"      -> {reply.get('answer', '')[:220]!r}")
    print(f"{path.name}: follow-ups {passed}/{total}")
    return passed, total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--conversations", nargs="*", type=Path, default=[])
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args()
    judge, own_words = scorer()
    bot = build_bot(Settings.from_env())
    t0 = time.perf_counter()
    try:
        for f in args.files:
            run_questions(bot, f, args.show, judge, own_words)
        for f in args.conversations:
            run_conversations(bot, f, args.show, judge)
    finally:
        bot.close()
    print(f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
