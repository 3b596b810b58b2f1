"""What the admin page and the CLI show of the recorded state: usage figures and filtered feedback (pure functions,
the same for both, so no figure exists in only one of them)."""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.common.models import Feedback

from .usage import BUCKETS, LATENCY_BOUNDS_MS, UsageCount, channel_of, day_of, days_between

Key = tuple[str, str]  # (platform, channel)
FEEDBACK_SCAN = 10_000  # votes read before filtering (Redis keeps the newest 10,000)


@dataclass(frozen=True)
class Filter:
    """Which records to show: a platform, a channel, a range of UTC days (YYYY-MM-DD, both included), a vote."""

    platform: str = ""
    channel: str = ""
    first_day: str = ""
    last_day: str = ""
    vote: str = ""  # "up" | "down" | "" (feedback only)

    def admits(self, platform: str, channel: str, day: str = "", vote: str = "") -> bool:
        return ((not self.platform or platform == self.platform) and (not self.channel or channel == self.channel)
                and (not self.first_day or not day or day >= self.first_day)
                and (not self.last_day or not day or day <= self.last_day)
                and (not self.vote or not vote or vote == self.vote))


@dataclass(frozen=True)
class Figures:
    """The usage of a set of days and channels: counts, rates, answer times."""

    questions: int = 0
    refused: int = 0
    up: int = 0
    down: int = 0
    latency: tuple[int, ...] = (0,) * BUCKETS

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.questions if self.questions else 0.0

    @property
    def down_rate(self) -> float:
        """👎 per answered question."""
        return self.down / self.questions if self.questions else 0.0

    @property
    def p50_ms(self) -> int | None:
        return percentile_ms(self.latency, 0.50)

    @property
    def p95_ms(self) -> int | None:
        return percentile_ms(self.latency, 0.95)

    def plus(self, other: Figures) -> Figures:
        return Figures(self.questions + other.questions, self.refused + other.refused, self.up + other.up,
                       self.down + other.down, tuple(a + b for a, b in zip(self.latency, other.latency)))

    def to_dict(self) -> dict[str, Any]:
        return {"questions": self.questions, "refused": self.refused, "up": self.up, "down": self.down,
                "refusal_rate": round(self.refusal_rate, 4), "down_rate": round(self.down_rate, 4),
                "p50_ms": self.p50_ms, "p95_ms": self.p95_ms}


@dataclass(frozen=True)
class UsageReport:
    """Figures per day and per (platform, channel), and in total, for the days asked."""

    days: tuple[str, ...]
    total: Figures
    by_day: dict[str, Figures] = field(default_factory=dict)
    by_channel: dict[Key, Figures] = field(default_factory=dict)
    series: dict[Key, tuple[int, ...]] = field(default_factory=dict)  # questions per day, one number per day

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": list(self.days), "total": self.total.to_dict(),
            "by_day": {d: f.to_dict() for d, f in self.by_day.items()},
            "by_channel": [{"platform": p, "channel": c, **f.to_dict()} for (p, c), f in self.by_channel.items()],
        }


def percentile_ms(latency: Sequence[int], q: float) -> int | None:
    """The upper bound (ms) of the bucket the q-th answer time falls in; None without answers (or past the last
    bound: slower than a minute counts as the last bound)."""
    total = sum(latency)
    if not total:
        return None
    rank, seen = q * total, 0
    for index, n in enumerate(latency):
        seen += n
        if seen >= rank and n:
            return LATENCY_BOUNDS_MS[min(index, len(LATENCY_BOUNDS_MS) - 1)]
    return LATENCY_BOUNDS_MS[-1]


def usage_report(counts: Iterable[UsageCount], feedback: Iterable[Feedback], first_day: str, last_day: str,
                 where: Filter = Filter()) -> UsageReport:
    """Fold the day counters and the votes of the days asked into figures (votes count on the day they were given)."""
    days = tuple(days_between(first_day, last_day))
    index = {d: i for i, d in enumerate(days)}
    by_day: dict[str, Figures] = {d: Figures() for d in days}
    by_channel: dict[Key, Figures] = {}
    series: dict[Key, list[int]] = {}
    for c in counts:
        if c.day not in index or not where.admits(c.platform, c.channel):
            continue
        figures = Figures(c.questions, c.refused, latency=c.latency)
        by_day[c.day] = by_day[c.day].plus(figures)
        key = (c.platform, c.channel)
        by_channel[key] = by_channel.get(key, Figures()).plus(figures)
        series.setdefault(key, [0] * len(days))[index[c.day]] += c.questions
    for fb in feedback:
        day = day_of(fb.at)
        platform, channel = channel_of(fb.conversation_id)
        if day not in index or not where.admits(platform, channel):
            continue
        vote = Figures(up=int(fb.vote == "up"), down=int(fb.vote == "down"))
        by_day[day] = by_day[day].plus(vote)
        by_channel[(platform, channel)] = by_channel.get((platform, channel), Figures()).plus(vote)
    total = Figures()
    for f in by_day.values():
        total = total.plus(f)
    ordered = dict(sorted(by_channel.items(), key=lambda kv: (-kv[1].questions, kv[0])))
    return UsageReport(days, total, by_day, ordered, {k: tuple(v) for k, v in series.items()})


def filter_feedback(items: Iterable[Feedback], where: Filter) -> list[Feedback]:
    """The votes a filter admits, newest first."""
    out = []
    for fb in items:
        platform, channel = channel_of(fb.conversation_id)
        if where.admits(platform, channel, day_of(fb.at), fb.vote):
            out.append(fb)
    return sorted(out, key=lambda fb: -fb.at)


def last_days(n: int, now: float | None = None) -> tuple[str, str]:
    """(first, last) UTC day of the n days up to today."""
    today = now if now is not None else time.time()
    return day_of(today - (n - 1) * 86400), day_of(today)
