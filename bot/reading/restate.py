"""The reader's span in the asker's words: numbers and dates in their format, a country in their language."""
from __future__ import annotations

from bot.language.dates import dates_in, format_when
from bot.language.numbers import format_number, numbers_in

from .items import place_name

_EDGES = " \t\n,;:"


def restate(span: str, source_language: str, language: str) -> str:
    """16.200 → 16,200 and "2,2 miljoen" → 2.2 million for an English asker of a Dutch article (and back);
    "13 maart 2023" → 13 March 2023; Zuid-Korea → South Korea. A span in the asker's language stays as written."""
    span = span.strip(_EDGES)
    if not source_language or source_language == language:
        return span
    place = place_name(span, language)
    if place != span:
        return place
    edits: list[tuple[int, int, str]] = []
    for when in dates_in(span):
        if when.month is not None:
            edits.append((when.start, when.end, format_when(when, language)))
    for n in numbers_in(span, source_language):
        if n.spelled or n.year or any(a < n.end and n.start < b for a, b, _ in edits):
            continue
        edits.append((n.start, n.end, format_number(n.value, n.decimals, language)))
    for a, b, text in sorted(edits, reverse=True):
        span = span[:a] + text + span[b:]
    return span
