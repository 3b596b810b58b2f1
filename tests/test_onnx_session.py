"""A process may end while a model is still opening (knowledge/onnx_session.py): it exits with its own status, never
with onnxruntime's "terminate called without an active exception" (exit 134, issue 23)."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from knowledge.onnx_session import join_all, open_in_background
from tests.clirun import REPO, cli_env, run_cli

pytestmark = pytest.mark.slow  # starts processes


def test_the_opener_runs_off_the_callers_thread_and_its_error_is_raised_on_use() -> None:
    seen: list[str] = []

    def opener() -> str:
        seen.append(threading.current_thread().name)
        return "session"

    assert open_in_background(opener, name="test-open").result(5) == "session"
    assert seen == ["test-open"]

    def broken() -> str:
        raise OSError("model file missing")

    with pytest.raises(OSError, match="model file missing"):
        open_in_background(broken, name="test-broken").result(5)


def test_join_all_waits_for_a_session_still_opening() -> None:
    release = threading.Event()
    future = open_in_background(lambda: release.wait(5) and "done", name="test-slow")
    assert not join_all(timeout=0.05)  # still inside the opener
    release.set()
    assert join_all(timeout=5) and future.result(0) == "done"


def test_a_process_that_exits_while_the_model_opens_exits_cleanly(tmp_path: Path) -> None:
    """The embedder starts opening its session and the program ends at once: four times in a row, status 0."""
    code = ("import sys; from knowledge.onnx_embedder import OnnxE5Embedder; OnnxE5Embedder(threads=1); "
            "print('built', flush=True); sys.exit(0)")
    for _ in range(4):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                              env=cli_env(tmp_path), timeout=120)
        assert done.returncode == 0, (done.returncode, done.stderr[-500:])
        assert done.stdout.strip() == "built" and "terminate called" not in done.stderr
        assert time.monotonic() - started < 60


@pytest.mark.parametrize("args", [["gaps"], ["gaps", "--json"], ["gaps", "--since", "2030-01-01"]])
def test_gaps_with_nothing_to_show_exits_0(tmp_path: Path, args: list[str]) -> None:
    done = run_cli(args, tmp_path / "empty")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout in ("", "No refused, 👎 or escalated questions yet.\n",
                           "No refused, 👎 or escalated questions since 2030-01-01.\n")
