"""Re-index articles by id: read each one again from where it came from (its file or its web page)."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .catalog import sources
from .chroma import Collections
from .documents import MAX_BYTES
from .ingest import Event, Failure, IngestReport, ingest
from .sources import Fetcher, fetch, is_url


def reindex(cols: Collections, ids: Iterable[str], *, max_bytes: int = MAX_BYTES, fetcher: Fetcher = fetch,
            on_event: Event | None = None) -> tuple[IngestReport, list[str]]:
    """(what the ingest did, the ids that are not indexed). An article whose file is gone is reported as failed;
    an unchanged one stays as it is (its text, and so its vectors, are the same)."""
    known = sources(cols)
    wanted = list(dict.fromkeys(ids))
    unknown = [i for i in wanted if i not in known]
    inputs: list[Path | str] = []
    sourceless = []
    for aid in wanted:
        source = known.get(aid, "")
        if source:
            inputs.append(source if is_url(source) else Path(source))
        elif aid in known:
            sourceless.append(Failure(aid, "no source is recorded for it; ingest its file or page again"))
    report = IngestReport()
    if inputs:
        report = ingest(cols, inputs, progress=False, max_bytes=max_bytes, fetcher=fetcher, on_event=on_event)
    report.failed.extend(sourceless)
    return report, unknown
