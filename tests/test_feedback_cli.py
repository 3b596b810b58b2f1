"""`briefbot feedback`: what the state store kept, in the one serialised form (Feedback.to_dict) and as lines."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.common.models import Feedback
from bot.state.store import SQLiteStore
from briefbot.cli import parser
from tests.fakes import SOURCE


def run(argv: list[str], data_dir: Path) -> int:
    """The command as `briefbot` parses and runs it, minus main()'s logging set-up (that is process-wide)."""
    args = parser().parse_args(argv)
    return int(args.func(args, Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir)})))


def test_feedback_is_listed_as_stored_in_json_and_as_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_answer = "Josep Borrell is the EU's foreign policy chief, and he said " + "a great deal " * 20
    fb = Feedback("a1", "down", "U1", "slack", "slack:T:C:1", "Who is Borrell?", long_answer, (SOURCE,), 1700.0,
                  reason="too long")
    store = SQLiteStore(tmp_path / "state.sqlite3")
    store.add_feedback(fb)
    assert [f.to_dict() for f in store.feedback()] == [fb.to_dict()]  # the store keeps what the dict says
    store.close()

    assert run(["feedback", "--json"], tmp_path) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line) == fb.to_dict() and Feedback.from_dict(json.loads(line)).to_dict() == fb.to_dict()
    assert json.loads(line)["reason"] == "too long" and json.loads(line)["sources"][0]["label"] == SOURCE.label

    assert run(["feedback"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "👎" in out and "Who is Borrell?" in out and f"[{SOURCE.label}]" in out
    shown = out.split("→ ")[1].split("  [")[0]
    assert len(shown) <= 160 and shown.endswith(" great…")  # cut at a word, and marked
