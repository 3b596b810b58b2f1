"""Prometheus metrics for questions, latency, refusals, errors, dedup hits and rate limiting.

With several worker processes set PROMETHEUS_MULTIPROC_DIR (the Procfile does) so /metrics adds them up.
"""
from __future__ import annotations

import os
from typing import Any

try:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
except ImportError:  # a plain install (no `server` extra): the same calls, counting nothing
    CollectorRegistry = generate_latest = None  # type: ignore[assignment,misc]
    CONTENT_TYPE_LATEST = "text/plain; charset=utf-8"

    class _NoMetric:
        """Stands in for a Counter/Histogram when prometheus_client is not installed."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def labels(self, *values: str) -> _NoMetric:
            return self

        def inc(self, amount: float = 1) -> None:
            pass

        def observe(self, value: float) -> None:
            pass

    Counter = Histogram = _NoMetric  # type: ignore[assignment,misc]

ENABLED = generate_latest is not None

QUESTIONS = Counter("briefbot_questions_total", "Questions received", ["platform"])
ANSWER_SECONDS = Histogram(
    "briefbot_answer_seconds", "Time from question to final answer", ["platform", "engine"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
REFUSALS = Counter(
    "briefbot_refusals_total", "Answers saying the knowledge base does not hold the answer", ["platform"]
)
ERRORS = Counter("briefbot_errors_total", "Questions that ended in an error", ["platform", "kind"])
DEDUP_HITS = Counter("briefbot_dedup_hits_total", "Deliveries dropped as duplicates", ["platform"])
UNRECORDED = Counter("briefbot_unrecorded_total", "Questions the state store could not record (answered without a "
                     "record, or refused so the platform retries)", ["platform"])
RESUMED = Counter("briefbot_resumed_total", "Unfinished questions taken up again (a retry, or a worker that stopped)",
                  ["platform"])
RATE_LIMITED = Counter("briefbot_rate_limited_total", "Questions refused by the per-user limit", ["platform"])


def exposition() -> tuple[bytes, str]:
    """The metrics page: this process's, or every worker's when running multiprocess."""
    if not ENABLED:
        return b"# prometheus-client is not installed: pip install 'briefbot[server]'\n", CONTENT_TYPE_LATEST
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # optional: prometheus_client (the server extra), see ENABLED

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY  # optional: prometheus_client (the server extra), see ENABLED

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
