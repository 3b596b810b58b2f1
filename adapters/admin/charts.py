"""Charts as server-rendered SVG (pure functions: data in, markup out): no script, nothing from a CDN, readable by a
screen reader (role="img", a title and a description) and with every bar's figure in its tooltip."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

# Okabe–Ito: told apart by people with the common colour-vision deficiencies; dark enough on white for a graphic.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#7F7F7F")
WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28
MAX_SERIES = len(PALETTE) - 1  # more series than this: the smallest are summed as "other"


def _nice_max(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten, at least the largest value."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for m in (1, 2, 5, 10):
        if m * step >= value:
            return m * step
    return 10 * step


def _day_labels(days: Sequence[str], every: int) -> list[tuple[int, str]]:
    last = len(days) - 1
    return [(i, d[5:]) for i, d in enumerate(days)
            if (i % every == 0 and (i == last or last - i >= every / 2)) or i == last]


def top_series(series: Mapping[str, Sequence[int]], keep: int = MAX_SERIES) -> dict[str, tuple[int, ...]]:
    """The `keep` biggest series by total, the rest summed as "other"."""
    ranked = sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    out = {name: tuple(values) for name, values in ranked[:keep]}
    rest = [values for _, values in ranked[keep:]]
    if rest:
        out["other"] = tuple(sum(col) for col in zip(*rest))
    return out


def stacked_bars(days: Sequence[str], series: Mapping[str, Sequence[int]], title: str, unit: str = "questions"
                 ) -> str:
    """One bar per day, stacked by series (e.g. platform:channel), with a legend."""
    series = top_series(series)
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(days))
    bar_w = max(1.0, slot * 0.7)
    summary = f"{sum(totals)} {unit} over {len(days)} day(s); the biggest day had {max(totals, default=0)}."
    parts = [_open(title, summary)]
    parts += _axis(top, plot_w, plot_h)
    for i, day in enumerate(days):
        y = float(TOP + plot_h)
        for n, (name, values) in enumerate(series.items()):
            count = values[i]
            if not count:
                continue
            h = plot_h * count / top
            y -= h
            x = LEFT + i * slot + (slot - bar_w) / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[n % len(PALETTE)]}" data-day="{day}" data-series="{escape(name)}" '
                f'data-count="{count}">'
                f"<title>{day} {escape(name)}: {count} {unit}</title></rect>"
            )
    parts += _x_labels(days, slot)
    parts.append("</svg>")
    legend = "".join(
        f'<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" '
        f'fill="{PALETTE[n % len(PALETTE)]}"/></svg>{escape(name)} '
        f"({sum(values)})</li>" for n, (name, values) in enumerate(series.items()))
    return "".join(parts) + (f'<ul class="legend">{legend}</ul>' if legend else "")


def rate_line(days: Sequence[str], rates: Sequence[float | None], title: str, color: str = PALETTE[1]) -> str:
    """A rate (0–1) per day as a line with a dot per day that has one (days without questions have none)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(days))
    known = [r for r in rates if r is not None]
    mean = sum(known) / len(known) if known else 0.0
    parts = [_open(title, f"{len(known)} day(s) with questions; on average {mean:.0%}.")]
    parts += _axis(1.0, plot_w, plot_h, percent=True)
    points = []
    for i, (day, rate) in enumerate(zip(days, rates)):
        if rate is None:
            continue
        x, y = LEFT + (i + 0.5) * slot, TOP + plot_h * (1 - rate)
        points.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}" data-day="{day}" '
                     f'data-rate="{rate:.4f}"><title>{day}: {rate:.0%}</title></circle>')
    if len(points) > 1:
        parts.insert(len(parts) - len(points), f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                     f'points="{" ".join(points)}"/>')
    parts += _x_labels(days, slot)
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, description: str) -> str:
    key = "".join(ch if ch.isalnum() else "-" for ch in title.lower())[:40]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" '
            f'aria-labelledby="t-{key} d-{key}"><title id="t-{key}">{escape(title)}</title>'
            f'<desc id="d-{key}">{escape(description)}</desc>')


def _axis(top: float, plot_w: float, plot_h: float, *, percent: bool = False) -> list[str]:
    out = []
    for frac in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - frac)
        value = top * frac
        label = f"{value:.0%}" if percent else (f"{value:g}" if value == int(value) else f"{value:.1f}")
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{label}</text>')
    return out


def _x_labels(days: Sequence[str], slot: float) -> list[str]:
    every = max(1, round(len(days) / 8))
    return [f'<text x="{LEFT + (i + 0.5) * slot:.1f}" y="{HEIGHT - 8}" text-anchor="middle" class="tick">{label}</text>'
            for i, label in _day_labels(days, every)]
