"""The knowledge-base commands of the CLI: ingest (files, folders, URLs, feeds, --watch), articles, remove, gaps."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bot.common.config import Settings
from bot.common.errors import StoreError


def _out(line: str) -> None:
    print(line, flush=True)


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _printer(kind: str, name: str, detail: str) -> None:
    """One line per article that changed or input that failed, as it happens."""
    if kind == "failed":
        _err(f"skipped {name}: {detail}")
    else:
        _out(f"{kind} {name} ({detail})")


@contextmanager
def _sigterm_as_interrupt():
    """`kill` stops an ingest the way Ctrl-C does: finished articles kept, the summary printed."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    # start-up: bot.wiring and the knowledge base take ~0.3 s to import; --help, --version and usage errors don't
    from bot.wiring import open_collections
    from knowledge.ingest import Interrupted, ensure_sample, ingest
    from knowledge.sources import is_url, parse_since

    missing = [p for p in args.paths if not is_url(p) and not Path(p).exists()]
    if missing:
        _err(f"ingest: no such file or folder: {missing[0]}")
        return 2
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        _err(f"ingest: {exc}")
        return 2
    if args.watch and (len(args.paths) != 1 or not Path(args.paths[0]).is_dir()):
        _err("ingest: --watch takes one folder, e.g. briefbot ingest --watch articles/")
        return 2
    max_bytes = int(args.max_mb * 1_000_000) if args.max_mb else settings.max_article_bytes
    try:  # --rebuild: re-embed the stored texts with the configured model first (knowledge/reembed.py)
        cols, lock = open_collections(settings, index_builtin=False, rebuild=True if args.rebuild else None)
    except StoreError as exc:
        hint = (" To keep a folder indexed while the bot runs on the embedded store, start the bot with "
                "BRIEFBOT_WATCH=FOLDER instead." if args.watch and not settings.chroma_host else "")
        _err(f"briefbot: {exc.message}{hint}")
        return 2
    try:
        t0 = time.perf_counter()
        with _sigterm_as_interrupt():
            if args.watch:
                return _watch(cols, Path(args.paths[0]), max_bytes)
            if not args.paths:
                return _sample(cols, settings, ensure_sample)
            report = ingest(cols, args.paths, progress=True if args.progress else None, sync=args.sync,
                            since=since, max_bytes=max_bytes, on_event=_printer)
    except Interrupted as stop:
        r = stop.report
        _err(f"interrupted: {len(r.added) + len(r.updated)} article(s) finished and kept; run the same command "
             "again to continue")
        return 130
    finally:
        if lock is not None:
            lock.release()
    _out(f"{report.summary()} in {time.perf_counter() - t0:.1f} s → {cols.target.description}")
    if report.older:
        _out(f"{report.older} feed item(s) older than --since {args.since} left out")
    if report.ignored:
        _err(f"ignored {len(report.ignored)} file(s) of other types, e.g. {report.ignored[0]}")
    return 1 if report.failed else 0


def _sample(cols, settings: Settings, ensure_sample) -> int:
    """`briefbot ingest` with nothing named: the bundled sample, under the first-start rules."""
    report = ensure_sample(cols, enabled=settings.sample_article)
    if report is not None and report.changed:
        _out(f"{report.summary()} (the bundled sample article) → {cols.target.description}")
        return 0
    n = cols.articles.count()
    why = ("BRIEFBOT_SAMPLE_ARTICLE is off" if not settings.sample_article and n == 0
           else "it is added only to an empty store, once")
    _out(f"the knowledge base holds {n} article(s); the sample article was not added ({why}). "
         "Name files, folders or URLs to ingest: briefbot ingest PATH|URL …")
    return 0


def _watch(cols, folder: Path, max_bytes: int) -> int:
    from knowledge.watch import FolderWatcher  # start-up: as cmd_ingest's imports

    watcher = FolderWatcher(cols, folder, max_bytes=max_bytes, on_event=_printer)
    _out(f"watching {folder.resolve()} → {cols.target.description} (Ctrl-C to stop)")
    try:
        watcher.run()
    except KeyboardInterrupt:
        pass
    _out("stopped watching")
    return 0


def cmd_articles(args: argparse.Namespace, settings: Settings) -> int:
    # start-up: bot.wiring and the knowledge base take ~0.3 s to import; --help, --version and usage errors don't
    from bot.wiring import open_collections
    from knowledge.catalog import list_articles

    cols, lock = open_collections(settings, index_builtin=False)
    try:
        items = list_articles(cols)
    finally:
        if lock is not None:
            lock.release()
    if args.json:
        for a in items:
            _out(json.dumps(a.to_dict(), ensure_ascii=False))
        return 0
    if not items:
        _out("No articles indexed. Add some: briefbot ingest PATH|URL …")
        return 0
    for a in items:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(a.indexed_at)) if a.indexed_at else "?"
        _out(f"{a.id}\n    {a.title}\n    {a.date or 'no date'} · {a.language} · {a.paragraphs} paragraphs · "
             f"indexed {when} · {a.source or '?'}")
    _out(f"{len(items)} article(s)")
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    # start-up: bot.wiring and the knowledge base take ~0.3 s to import; --help, --version and usage errors don't
    from bot.wiring import open_collections
    from knowledge.ingest import remove

    cols, lock = open_collections(settings, index_builtin=False)
    try:
        removed, unknown = remove(cols, args.ids)
    finally:
        if lock is not None:
            lock.release()
    for aid in removed:
        _out(f"removed {aid}")
    for aid in unknown:
        _err(f"remove: no article with the id '{aid}' is indexed (see `briefbot articles`)")
    return 1 if unknown else 0


def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    # start-up: bot.wiring and the knowledge base take ~0.3 s to import; --help, --version and usage errors don't
    from bot.state.gaps import group_gaps
    from bot.wiring import build_gaps, build_store
    from knowledge.embeddings import shared_embedder
    from knowledge.sources import parse_since

    try:
        since = parse_since(args.since) if args.since else 0.0
    except ValueError as exc:
        _err(f"gaps: {exc}")
        return 2
    store = build_store(settings)
    log = build_gaps(settings, store)
    try:
        gaps = log.gaps(since=since)
    finally:
        log.close()
        store.close()
    groups = []
    if gaps:  # the model is opened only when there is something to group
        embedder = shared_embedder(settings.embedder, settings.threads, settings.cache_dir)
        groups = group_gaps(gaps, embedder.query, args.distance)
    groups = groups[: args.limit]
    if args.json:
        for g in groups:
            _out(json.dumps(g.to_dict(), ensure_ascii=False))
        return 0
    if not groups:
        _out("No refused or 👎 questions" + (f" since {args.since}." if args.since else " yet."))
        return 0
    for g in groups:
        kinds = ", ".join(x for x in (f"{g.refused} refused" if g.refused else "", f"{g.down} 👎" if g.down else "")
                          if x)
        _out(f"{g.count:>4}×  {g.example}\n       {kinds} · {'/'.join(g.languages)} · {'/'.join(g.platforms)} · "
             f"closest article: {g.closest_article or '(none)'}")
        for r in g.reasons[:3]:
            _out(f"       reason: {r}")
    _out(f"{len(gaps)} question(s) in {len(groups)} group(s)")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The knowledge-base subcommands, for briefbot.cli.parser()."""
    from bot.state.gaps import GROUP_DISTANCE  # start-up: ~0.1 s (numpy), for --help and every command

    i = sub.add_parser("ingest", help="index files, folders, web pages and feeds (default: the sample article)")
    i.add_argument("paths", nargs="*", metavar="PATH|URL",
                   help=".md, .txt, .html, .pdf files, folders of them, web page or RSS/Atom feed URLs")
    i.add_argument("--sync", action="store_true",
                   help="also remove indexed articles whose files in these folders are gone")
    i.add_argument("--since", metavar="DATE", help="feeds: only items published on or after DATE (e.g. 2024-05-01)")
    i.add_argument("--watch", action="store_true",
                   help="keep one folder indexed until Ctrl-C (on a Chroma server, or when no bot runs; "
                        "else BRIEFBOT_WATCH)")
    i.add_argument("--rebuild", action="store_true",
                   help="re-embed the stored texts with the configured model first (e.g. after a model change)")
    i.add_argument("--progress", action="store_true", help="always show the progress bar")
    i.add_argument("--max-mb", type=float,
                   help="skip articles with more text than this (default BRIEFBOT_MAX_ARTICLE_MB, 1)")
    i.set_defaults(func=cmd_ingest)
    a = sub.add_parser("articles", help="list the indexed articles")
    a.add_argument("--json", action="store_true", help="one JSON object per article")
    a.set_defaults(func=cmd_articles)
    r = sub.add_parser("remove", help="remove articles from the knowledge base by id")
    r.add_argument("ids", nargs="+", metavar="ID")
    r.set_defaults(func=cmd_remove)
    g = sub.add_parser("gaps", help="what people asked that the articles could not answer, grouped")
    g.add_argument("--json", action="store_true", help="one JSON object per group")
    g.add_argument("--since", metavar="DATE", help="only questions asked on or after DATE")
    g.add_argument("--limit", type=int, default=30, help="groups to show (default 30)")
    g.add_argument("--distance", type=float, default=GROUP_DISTANCE,
                   help=f"how far apart (cosine) questions in one group may be (default {GROUP_DISTANCE})")
    g.set_defaults(func=cmd_gaps)
