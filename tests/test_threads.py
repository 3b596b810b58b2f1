"""Compute threads: all cores for one process, one per worker when `adapters.serve` runs several."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from bot.common.config import Settings
from bot.wiring import build_bot
from knowledge.embeddings import default_threads, shared_embedder
from knowledge.onnx_embedder import OnnxE5Embedder
from tests.fault_scenarios import Worker
from tests.slack_fake import FakeSlackAPI
from tests.slack_harness import BOT_TOKEN, SECRET


@pytest.mark.slow  # loads the real embedder
def test_one_process_uses_every_core_unless_told() -> None:
    """The embedder's thread count: BRIEFBOT_THREADS, else all the cores this process may use."""
    embedder, one = shared_embedder("onnx"), shared_embedder("onnx", 1)
    assert isinstance(embedder, OnnxE5Embedder) and isinstance(one, OnnxE5Embedder)
    assert embedder.threads == default_threads() == len(os.sched_getaffinity(0))
    assert one.threads == 1


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids = (task / "children").read_text().split()
        found.extend(int(k) for k in kids)
    return found


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().partition("=")[::2] for item in raw if b"=" in item)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads worker environments from /proc (Linux)")
def test_serve_with_several_workers_gives_each_one_thread(tmp_path: Path, chroma_server: Any) -> None:
    """`adapters.serve --workers 2` hands its workers BRIEFBOT_THREADS=1 (threads of several processes fight)."""
    api = FakeSlackAPI().start()
    collection = f"t{uuid.uuid4().hex[:10]}"
    settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path), "BRIEFBOT_COLLECTION": collection,
                                  **chroma_server.env()})
    build_bot(settings).close()  # index once, before the workers start
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
    env.update({"BRIEFBOT_DATA_DIR": str(tmp_path), "BRIEFBOT_COLLECTION": collection, **chroma_server.env(),
                "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url})
    log = tmp_path / "serve.log"
    serve = Worker(env, log, workers=2)
    try:
        # Two workers each load Chroma and the embedder at once: under a load average of 8 on 2 cores (the shared
        # CI machine) that once took more than 90 s.
        proc = serve.start(180, ready=(200,)).proc
        assert proc is not None
        workers = [pid for pid in _children(proc.pid) if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) == 2, log.read_text()[-2000:]
        assert [_environ(pid).get("BRIEFBOT_THREADS") for pid in workers] == ["1", "1"]
    finally:
        serve.stop(timeout=20)
        api.stop()
