"""`briefbot eval`: the shared scorer's checks, run in-process against the configured bot."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from bot.common.errors import BriefbotError
from bot.core.bot import Bot

EN = set(
    "the a an is are was were of to in and that this it with for on not what who which by be has have does did "
    "they their he she according".split()
)
NL = set(
    "de het een is zijn was waren van naar in en dat dit niet wat wie welke door met voor op ze hij zij heeft "
    "hebben volgens er om ook".split()
)
REFUSAL = re.compile(
    r"not (mentioned|in|covered|stated|discussed|found|contain)|no information|don't know|do not know|"
    r"cannot (find|answer)|can't (find|answer)|niet (vermeld|genoemd|in het artikel|te vinden|beantwoorden)|"
    r"geen informatie|weet ik niet|kan ik niet|staat niet|komt niet voor",
    re.I,
)
QUOTED = re.compile(r"^\s*>.*$|`[^`]*`|[„“«\"].*[”»\"]", re.M)


def language_of(text: str) -> str | None:
    """The language of the bot's own words, quotations of the source left out: the shared scorer's judgement, word
    for word (its own lists, None on a tie), so `briefbot eval` scores as it does; not the bot's detector."""
    words = re.findall(r"[a-zà-ÿ']+", QUOTED.sub(" ", text).lower())
    en = sum(w in EN for w in words)
    nl = sum(w in NL for w in words)
    if en == nl:
        return None
    return "en" if en > nl else "nl"


def judge(item: dict[str, Any], reply: dict[str, Any]) -> dict[str, bool]:
    answer = reply.get("answer", "") or ""
    checks: dict[str, bool] = {}
    if item.get("unanswerable"):
        checks["refusal"] = reply.get("grounded") is False or bool(REFUSAL.search(answer))
    else:
        checks["facts"] = all(any(re.search(alt, answer, re.I) for alt in group) for group in item["expect"])
        texts = [s.get("text", "") for s in reply.get("sources") or []]
        checks["source"] = any(item["source"].lower() in t.lower() for t in texts)
    lang = language_of(answer)
    checks["language"] = lang is None or lang == item["lang"]
    return checks


def load_items(path: Path) -> list[dict[str, Any]]:
    """The questions of a JSONL file (format: `briefbot eval --help`); a BriefbotError naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BriefbotError(f"eval: no such question file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BriefbotError(f"eval: cannot read {path} ({type(exc).__name__}); it must be a UTF-8 text file.") from None
    items: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BriefbotError(
                f"eval: {path} line {n} is not valid JSON ({exc.msg}, column {exc.colno}); "
                "each line must be one JSON object: see briefbot eval --help."
            ) from None
        problem = _problem(item)
        if problem:
            raise BriefbotError(f"eval: {path} line {n}: {problem}; see briefbot eval --help.")
        items.append(item)
    if not items:
        raise BriefbotError(f"eval: {path} holds no questions; see briefbot eval --help.")
    return items


def _problem(item: Any) -> str:
    """What is wrong with one question object, or '' when it can be judged."""
    if not isinstance(item, dict):
        return "expected a JSON object"
    if not isinstance(item.get("q"), str):
        return "'q' (the question, a string) is missing"
    if item.get("lang") not in ("en", "nl"):
        return "'lang' must be \"en\" or \"nl\""
    if item.get("unanswerable"):
        return ""
    expect = item.get("expect")
    if not isinstance(expect, list) or not all(isinstance(g, list) and g for g in expect):
        return "'expect' must be a list of lists of patterns (or set \"unanswerable\": true)"
    for group in expect:
        for pattern in group:
            try:
                re.compile(pattern)
            except (re.error, TypeError):
                return f"'expect' holds {pattern!r}, which is not a regular expression"
    if not isinstance(item.get("source"), str):
        return "'source' (text a cited passage must contain) is missing"
    return ""


def run_eval(items: list[dict[str, Any]], bot: Bot, *, show: bool = False) -> int:
    """Ask every question, print the failures and the score; exit status 1 when any question fails."""
    totals: dict[str, list[int]] = {}
    passed = 0
    t0 = time.perf_counter()
    for i, item in enumerate(items):
        try:
            reply = bot.answer(item["q"], f"eval:{i}").to_dict()
        except BriefbotError as exc:
            reply = {"answer": exc.message, "grounded": False, "sources": []}
        checks = judge(item, reply)
        ok = all(checks.values())
        passed += ok
        for k, v in checks.items():
            t = totals.setdefault(k, [0, 0])
            t[0] += v
            t[1] += 1
        if show or not ok:
            bad = ",".join(k for k, v in checks.items() if not v) or "ok"
            print(f"[{item.get('id', i)}] {bad}: {item['q']}\n    -> {reply['answer'][:300]!r}")
    elapsed = time.perf_counter() - t0
    print(", ".join(f"{k} {a}/{b}" for k, (a, b) in totals.items()) + f", {elapsed:.1f}s for {len(items)} questions")
    print(f"score: {passed}/{len(items)}")
    return 0 if passed == len(items) else 1
