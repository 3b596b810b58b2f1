"""Running the real `python -m bot` CLI in a subprocess, isolated from the developer's environment."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def cli_env(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without briefbot/LLM settings that would change behaviour, pointed at data_dir; the rules engine,
    whose answers the CLI tests expect (a test names BRIEFBOT_ENGINE=reader in `extra` for the reader)."""
    drop = ("BRIEFBOT_", "OPENAI_", "ANTHROPIC_", "OLLAMA_", "CHROMA_", "REDIS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update({"BRIEFBOT_DATA_DIR": str(data_dir), "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8",
                "BRIEFBOT_ENGINE": "rules"})
    env.update(extra or {})
    return env


def run_cli(
    args: Sequence[str], data_dir: Path, *, stdin: str | None = None, env: Mapping[str, str] | None = None,
    timeout: float = 120, stdin_bytes: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with its output captured as text (`stdin_bytes` for input that is not UTF-8)."""
    if stdin_bytes is not None:
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args], input=stdin_bytes, capture_output=True, cwd=REPO,
            env=cli_env(data_dir, env), timeout=timeout,
        )
        return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, encoding="utf-8",
        cwd=REPO, env=cli_env(data_dir, env), timeout=timeout,
    )
