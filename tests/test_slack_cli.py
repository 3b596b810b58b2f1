"""`python -m adapters.slack` with missing or malformed tokens: one clear line naming the variable, exit 2."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base

REPO = Path(__file__).resolve().parents[1]
SECRET_VALUES = ("xapp-1-A0001-SECRETAPPVALUE", "shhh-signing-SECRETVALUE", "xoxp-SECRETUSERTOKEN")


def run_slack(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "BRIEFBOT_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "adapters.slack"], cwd=REPO, env=clean, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_APP_TOKEN": SECRET_VALUES[0], "SLACK_SIGNING_SECRET": SECRET_VALUES[1]}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": SECRET_VALUES[2], "SLACK_APP_TOKEN": SECRET_VALUES[0]}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-SECRETBOTVALUE", "SLACK_APP_TOKEN": SECRET_VALUES[2]}, "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-SECRETBOTVALUE"}, "SLACK_SIGNING_SECRET"),
    ],
    ids=["missing-bot-token", "user-token-as-bot-token", "malformed-app-token", "no-mode"],
)
def test_bad_configuration_fails_cleanly(tmp_path, env, named):
    result = run_slack(tmp_path, env)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
    for value in (*SECRET_VALUES, "xoxb-1-SECRETBOTVALUE"):
        assert value not in result.stderr + result.stdout
