"""The CLI as users and the shared scorer drive it: `ask --json`, `ask`, `eval`, `console`, all in subprocesses."""
from __future__ import annotations

import json
import re
import selectors
import subprocess
import sys
from pathlib import Path

from knowledge.documents import ARTICLES_DIR, parse
from tests.clirun import REPO, cli_env, run_cli

KEYS = {"answer", "grounded", "language", "sources", "latency_ms"}
SOURCE_KEYS = {"article", "title", "paragraph", "text", "score", "label"}
EVAL_FILE = REPO / "eval" / "dev_qa.jsonl"  # a copy of ../shared/eval/dev_qa.jsonl, so CI needs no sibling folder


def test_ask_json_one_object_per_line_in_order(kb_copy: Path) -> None:
    """The scorer's interface: one JSON object per input line, in order; bad lines become objects, not crashes."""
    questions = [
        "Who is Guterres?",
        "",
        "Wat zei Borrell over China?",
        "x" * 10_000,
        "What is the capital of Peru?",
    ]
    result = run_cli(["ask", "--json"], kb_copy, stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    records = [json.loads(line) for line in lines]
    for rec in records:
        assert KEYS <= set(rec), rec
        assert isinstance(rec["latency_ms"], (int, float)) and rec["latency_ms"] >= 0
        for src in rec["sources"]:
            assert SOURCE_KEYS <= set(src) <= SOURCE_KEYS | {"date", "url"}
            assert isinstance(src["paragraph"], int) and isinstance(src["score"], float)
    guterres, empty, borrell, too_long, peru = records
    assert guterres["grounded"] is True and guterres["language"] == "en"
    assert "according to the article [" in guterres["answer"].lower() and guterres["sources"]
    assert any("Guterres" in s["text"] for s in guterres["sources"])
    assert borrell["grounded"] is True and borrell["language"] == "nl"
    assert "volgens het artikel [" in borrell["answer"].lower()
    assert empty["grounded"] is False and empty["sources"] == [] and "question" in empty["answer"].lower()
    assert too_long["grounded"] is False and too_long["sources"] == []
    assert "10,000" in too_long["answer"] and "1,000" in too_long["answer"]
    assert peru["grounded"] is False and "not covered" in peru["answer"]


def test_ask_json_flushes_each_answer(kb_copy: Path) -> None:
    """Each answer is written as soon as it is ready, so a caller can pipe questions one at a time."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, encoding="utf-8", cwd=REPO, env=cli_env(kb_copy),
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write("Wie is Guterres?\n")
        proc.stdin.flush()  # stdin stays open: the answer must arrive before EOF
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=60), "no answer before stdin was closed"
        first = json.loads(proc.stdout.readline())
        assert first["grounded"] is True and first["language"] == "nl"
        proc.stdin.close()
        assert proc.stdout.read() == ""
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_ask_prints_a_readable_answer_with_sources(kb_copy: Path) -> None:
    """`briefbot ask "question"` prints the framed answer and a list of sources, with no colour codes in a pipe."""
    result = run_cli(["ask", "What did Borrell say about China?"], kb_copy)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("According to the article [")
    assert "\nSources:\n" in out
    title = re.escape(parse(next(ARTICLES_DIR.glob("*.md"))).title)
    assert re.search(rf"^  \[[\w-]+ ¶1[56]\] {title} \(2023-03\)  score 0\.\d\d$", out, re.M), out  # Source.label
    assert "\033[" not in out


def test_eval_prints_a_score(kb_copy: Path) -> None:
    """`briefbot eval` runs the shared checks and reports a score (at most one dev question missed)."""
    result = run_cli(["eval", str(EVAL_FILE)], kb_copy)
    m = re.search(r"^score: (\d+)/16$", result.stdout, re.M)
    assert m, result.stdout + result.stderr
    assert int(m.group(1)) >= 15, result.stdout
    assert result.returncode == (0 if m.group(1) == "16" else 1), result.stderr  # any failed question: exit 1


def test_console_session(kb_copy: Path) -> None:
    """The REPL driven through stdin: help, an answer, full passages, an unknown command, reset, quit."""
    paragraph15 = parse(next(ARTICLES_DIR.glob("*.md"))).paragraphs[14]
    script = "\n".join(
        ["/help", "Wat zei Borrell over China?", "/sources", "/bogus", "/reset", "/quit", "Who is Guterres?"]
    ) + "\n"
    result = run_cli(["console"], kb_copy, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "/sources" in out and "/reset" in out and "/quit" in out  # the help
    assert "Volgens het artikel [" in out
    flat = "".join(out.split())  # wrapped at 96 columns (and after hyphens): compare without whitespace
    assert "".join(paragraph15.split()) in flat  # /sources prints the whole passage, not a shortened one
    assert "Unknown command /bogus" in out
    assert "forgotten this conversation" in out
    assert "According to the article" not in out  # nothing after /quit is answered
    assert "Traceback" not in result.stderr
