"""The fuzzing layer's settings (Hypothesis): a small seeded budget in `make test`, a search for minutes in `make fuzz`.

Profiles: `ci` (the default): derandomized (the same examples every run), a few dozen examples a target, no example
database. `fuzz` (`make fuzz`, HYPOTHESIS_PROFILE=fuzz): random seeds, failures kept in `.hypothesis/`, and each
target repeated for BRIEFBOT_FUZZ_SECONDS (BRIEFBOT_FUZZ_CLI_SECONDS for the command-line targets), one Hypothesis
run after another, each with a fresh seed, so a target's time, not its example count, is what is set. A failure
found is added to its test as an explicit `@example`. The examples each target tried are written to
BRIEFBOT_FUZZ_REPORT (one JSON line a target) when that is set.
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("fuzz", derandomize=False, deadline=None, print_blob=True, suppress_health_check=_SLOW_OK)
settings.load_profile(PROFILE)

TRIED: Counter[str] = Counter()  # examples run per target (what `make fuzz` reports)


def budget(ci: int, fuzz: int = 2_000) -> settings:
    """Examples per Hypothesis run: `ci` in the suite, `fuzz` per round of `make fuzz`."""
    return settings(max_examples=fuzz if PROFILE == "fuzz" else ci)


def fuzz_seconds(target: str) -> float:
    """How long `make fuzz` keeps a target going (0 in the suite: one run of the small budget): the CLI targets
    BRIEFBOT_FUZZ_CLI_SECONDS (each example starts the program), the others BRIEFBOT_FUZZ_SECONDS."""
    if PROFILE != "fuzz":
        return 0.0
    name = "BRIEFBOT_FUZZ_CLI_SECONDS" if target.startswith("cli") else "BRIEFBOT_FUZZ_SECONDS"
    return float(os.environ.get(name) or os.environ.get("BRIEFBOT_FUZZ_SECONDS") or 0)


def run_for(target: str, test: Callable[[], None]) -> None:
    """Run a @given test once, or again and again (fresh seeds) until the fuzz time is spent; report the count."""
    started = time.monotonic()
    rounds = 0
    while True:
        test()
        rounds += 1
        if time.monotonic() - started >= fuzz_seconds(target):
            break
    report = os.environ.get("BRIEFBOT_FUZZ_REPORT")
    if report:
        line = {"target": target, "examples": TRIED[target], "rounds": rounds,
                "seconds": round(time.monotonic() - started, 1)}
        with open(report, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
