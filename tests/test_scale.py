"""Scaling out: the same code on a Chroma server, an outage and recovery, and two workers sharing Redis."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from adapters.web import check_health
from bot.common.config import Settings
from bot.common.errors import StoreError
from bot.wiring import build_bot
from tests.fault_scenarios import Worker
from tests.services import ChromaServer, free_port, wait_until
from tests.slack_fake import FakeSlackAPI, wait_for
from tests.slack_harness import BOT_TOKEN, SECRET, mention, post, signed_request

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    ("Hoeveel gedeporteerde kinderen wil de conferentie opsporen?", 9),
    ("Welke EU-leider vliegt naar Beijing?", 15),
    ("Wie is de secretaris-generaal van de Verenigde Naties?", 3),
]


def server_settings(server: ChromaServer, tmp_path: Path, **env: str) -> Settings:
    collection = f"t{uuid.uuid4().hex[:10]}"  # each test its own knowledge base on the shared server
    return Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path), "BRIEFBOT_COLLECTION": collection,
                              **server.env(), **env})


@pytest.fixture(params=["embedded", "server"])
def any_store_bot(request, tmp_path):
    """A real Bot on the embedded store or on the `chroma run` server: the same code path either way."""
    if request.param == "embedded":
        settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path)})
    else:
        settings = server_settings(request.getfixturevalue("chroma_server"), tmp_path)
    bot = build_bot(settings)
    yield bot
    bot.close()


def test_ingestion_and_answers_are_the_same_on_both_stores(any_store_bot):
    from knowledge.documents import ARTICLES_DIR
    from knowledge.ingest import ingest

    cols = any_store_bot.retriever.cols
    assert cols.chunks.count() == 16 and cols.sentences.count() > 16
    again = ingest(cols, [ARTICLES_DIR])
    assert again.unchanged and not again.added and not again.updated and cols.chunks.count() == 16
    for question, paragraph in QUESTIONS:
        answer = any_store_bot.answer(question, f"t:{uuid.uuid4().hex}")
        assert answer.grounded and answer.sources[0].paragraph == paragraph, (question, answer.text)


def test_chroma_outage_turns_health_red_and_recovers_without_a_restart(tmp_path):
    server = ChromaServer(tmp_path / "chroma")
    server.start()
    bot = build_bot(server_settings(server, tmp_path))
    try:
        question = QUESTIONS[0][0]
        assert bot.answer(question, "c1").grounded
        assert check_health(bot) == {"chroma": "ok", "store": "ok"}
        server.stop()
        assert check_health(bot)["chroma"].startswith("down")
        with pytest.raises(StoreError) as err:
            bot.answer(QUESTIONS[1][0], "c2")  # an answer quotes a sentence: read from the store
        assert err.value.language == "nl" and "kennisbank" in err.value.message  # the user's language, no trace
        server.start()  # same port, same data: an outage, not a new server
        wait_until(lambda: check_health(bot)["chroma"] == "ok", 30, "health after the restart")
        assert bot.answer(question, "c3").sources[0].paragraph == QUESTIONS[0][1]
    finally:
        bot.close()
        server.stop()


def test_a_chroma_server_that_is_down_at_start_is_a_clear_error(tmp_path):
    settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path), "CHROMA_HOST": "127.0.0.1",
                                  "CHROMA_PORT": str(free_port())})
    with pytest.raises(StoreError) as err:
        build_bot(settings)
    assert "chroma run" in err.value.message and "CHROMA_HOST" in err.value.message


def test_redis_down_at_start_stops_the_worker_with_one_line(tmp_path):
    env = {**os.environ, "BRIEFBOT_DATA_DIR": str(tmp_path), "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "hello"], env=env, capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 2
    assert "REDIS_URL" in proc.stderr and "Traceback" not in proc.stderr


def test_two_http_workers_sharing_redis_answer_a_retried_event_once(tmp_path, chroma_server, redis_url):
    api = FakeSlackAPI().start()
    settings = server_settings(chroma_server, tmp_path)
    build_bot(settings).close()  # index once, so the two workers don't both start by indexing
    env = {**os.environ, "BRIEFBOT_DATA_DIR": str(tmp_path), "BRIEFBOT_COLLECTION": settings.collection,
           **chroma_server.env(), "REDIS_URL": redis_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m")}
    ports = [free_port(), free_port()]
    workers = [Worker(env, tmp_path / f"worker{i}.log", p) for i, p in enumerate(ports)]
    try:
        for w in workers:
            w.start(90, ready=(200,))
        payload = mention("Hoeveel gedeporteerde kinderen wil de conferentie opsporen?")
        first = post(f"http://127.0.0.1:{ports[0]}/slack/events", *signed_request(payload))
        retry = post(f"http://127.0.0.1:{ports[1]}/slack/events", *signed_request(
            payload, extra_headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}))
        assert first.status == 200 and retry.status == 200
        placeholder = api.wait_calls("chat.postMessage", 1)[0].response["ts"]

        def answered():
            return [c for c in api.calls("chat.update") if c.body.get("ts") == placeholder
                    and any(b.get("type") in ("actions", "context_actions") for b in c.body.get("blocks") or [])]

        final = wait_for(answered, 30, what="the answer")[0]
        assert "16.200" in final.body["text"]
        api.quiet(1.0)
        assert len(api.calls("chat.postMessage")) == 1 and len(answered()) == 1  # one answer across two workers
        with urllib.request.urlopen(f"http://127.0.0.1:{ports[1]}/metrics", timeout=5) as r:
            metrics = r.read().decode()
        assert 'briefbot_dedup_hits_total{platform="slack"} 1.0' in metrics
    finally:
        for w in workers:
            w.stop(timeout=15)
        api.stop()
