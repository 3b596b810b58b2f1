"""Fuzzing the command line (Hypothesis): `ask --json` fed random bytes, `ingest` fed folders of random files.
One answer (or one error record) per input line, in order; one `skipped NAME: why` line per bad file; no traceback;
bounded time; the good inputs beside the bad ones all answered or indexed (issue 23). Each example starts the real
CLI, so the suite's budget is a few examples; `make fuzz` gives these targets minutes too (tests/fuzzing.py).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.clirun import run_cli
from tests.fuzzing import TRIED, budget, run_for

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]

BOUND_S = 120  # a batch of a dozen lines or files, model start included; a hang is the failure this catches

lines = st.lists(st.one_of(
    st.binary(max_size=120).map(lambda b: b.replace(b"\n", b" ")),
    st.text(max_size=120).map(lambda t: t.replace("\n", " ").encode("utf-8", "surrogatepass")),
    st.sampled_from([b"Who is Guterres?", b"Wie is Borrell?", b"", b"\r", b"\x00", b"\xff\xfe", b"\xef\xbb\xbfHi",
                     "Wat zei Borrell over China?".encode("utf-16"), b"Who is" + b"\x00" * 50 + b" Guterres?"]),
    st.integers(1000, 3000).map(lambda n: b"a" * n),
), min_size=1, max_size=8)


@given(questions=lines)
@example(questions=[b"Who is Guterres?", b"\xff\xfe not text", b"Who is\x00 Guterres?"])
@budget(ci=2, fuzz=6)
def _fuzz_ask(kb_copy: Path, questions: list[bytes]) -> None:
    TRIED["cli ask --json"] += 1
    started = time.monotonic()
    done = run_cli(["ask", "--json"], kb_copy, stdin_bytes=b"\n".join(questions) + b"\n", timeout=BOUND_S)
    assert time.monotonic() - started < BOUND_S
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == len(questions), done.stdout[-500:]
    bad = []
    for n, (raw, record) in enumerate(zip(questions, records), 1):
        assert set(record) >= {"answer", "grounded", "language", "sources", "latency_ms"}
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(n)
            assert record["error"] == "InputError" and f"line {n} is not valid UTF-8" in record["answer"]
    if b"Who is Guterres?" in questions:
        assert records[questions.index(b"Who is Guterres?")]["grounded"]
    assert "Traceback" not in done.stderr
    assert done.returncode == (1 if bad else 0), done.stderr
    assert len(done.stderr.strip().splitlines()) == (1 if bad else 0), done.stderr


def test_ask_json_on_random_bytes_answers_each_line_once_in_order(kb_copy: Path) -> None:
    run_for("cli ask --json", lambda: _fuzz_ask(kb_copy))


GOOD = ("---\nid: fuzz-good-article\ntitle: Ferry to Texel\ndate: 2024-05-01\nlanguage: en\n---\n\n"
        "The ferry to Texel carried 4,200 passengers on Saturday.\n\nThe crossing takes twenty minutes.\n")
extensions = st.sampled_from([".md", ".txt", ".html", ".htm", ".pdf", ".markdown", ".docx", ""])
texts = st.text(max_size=600)
contents = st.one_of(
    st.binary(max_size=1500),
    st.tuples(texts, st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252"])).map(
        lambda te: te[0].encode(te[1], "replace")),
    st.tuples(st.text(max_size=60), st.text(max_size=20), texts).map(
        lambda t: f"---\ntitle: {t[0]}\ndate: {t[1]}\n---\n{t[2]}".encode("utf-8", "surrogatepass")),
    texts.map(lambda t: f"<html><head><title>{t[:40]}</title></head><body><p>{t}</p></body></html>".encode(
        "utf-8", "surrogatepass")),
    st.binary(max_size=800).map(lambda b: b"%PDF-1.4\n" + b),
)
SUMMARY = re.compile(r"(\d+) added, (\d+) updated, (\d+) unchanged(?:, (\d+) skipped)?")


@given(files=st.lists(st.tuples(extensions, contents), min_size=1, max_size=6))
@example(files=[(".txt", b"\xff\xfe\x00\x01"), (".pdf", b"%PDF-1.4 broken"), (".md", b"---\ntitle: [\n---\nx"),
                (".docx", b"PK")])
@example(files=[(".html", b"\x00")])  # trafilatura logged "lxml parsing failed" at ERROR beside the skipped line
@example(files=[(".md", b"\x00")])  # a NUL was indexed as an article; and no summary of skipped files when none
@budget(ci=2, fuzz=5)
def _fuzz_ingest(tmp_path: Path, files: list[tuple[str, bytes]]) -> None:
    TRIED["cli ingest"] += 1
    n = TRIED["cli ingest"]
    folder, data = tmp_path / f"in-{n}", tmp_path / f"data-{n}"
    folder.mkdir()
    (folder / "fuzz-good-article.md").write_text(GOOD, encoding="utf-8")
    for i, (ext, raw) in enumerate(files):
        (folder / f"random-{i}{ext}").write_bytes(raw)
    started = time.monotonic()
    done = run_cli(["ingest", str(folder)], data, env={"BRIEFBOT_SAMPLE_ARTICLE": "false"}, timeout=BOUND_S)
    assert time.monotonic() - started < BOUND_S
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
    notes = done.stderr.strip().splitlines()
    complaints = [line for line in notes if line.startswith("skipped ")]
    ignored = [line for line in notes if line.startswith("ignored ") and "of other types" in line]
    assert len(complaints) + len(ignored) == len(notes), notes  # one line per bad input, nothing else
    assert not any("fuzz-good-article" in line for line in notes)
    summary = SUMMARY.search(done.stdout)
    assert summary is not None, done.stdout
    added, updated, unchanged, skipped = (int(g or 0) for g in summary.groups())
    assert added >= 1 and skipped == len(complaints)
    assert done.returncode == (1 if skipped else 0), (done.returncode, notes)
    listed = run_cli(["articles", "--json"], data, env={"BRIEFBOT_SAMPLE_ARTICLE": "false"})
    assert "fuzz-good-article" in {json.loads(line)["id"] for line in listed.stdout.splitlines()}


def test_ingest_on_random_files_skips_each_bad_one_in_a_line_and_keeps_the_good(tmp_path: Path) -> None:
    run_for("cli ingest", lambda: _fuzz_ingest(tmp_path))
