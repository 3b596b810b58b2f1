"""The briefbot command line: console, ask, ingest, eval, feedback, discord sync."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import uuid
from pathlib import Path

from .config import Settings
from .errors import BriefbotError


def _bot(settings: Settings):
    from .core import build_bot

    return build_bot(settings)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    bot = _bot(settings)
    try:
        if args.question:
            questions = [" ".join(args.question)]
        elif args.json:
            questions = (line.rstrip("\n") for line in sys.stdin)
        else:
            print("ask: give a question, or --json to read questions from stdin", file=sys.stderr)
            return 2
        run = uuid.uuid4().hex[:8]
        for i, q in enumerate(questions):
            t0 = time.perf_counter()
            try:
                answer = bot.answer(q, args.conversation or f"ask:{run}:{i}")
                record = answer.to_dict()
            except BriefbotError as exc:
                if not args.json:
                    raise
                record = {"answer": exc.message, "grounded": False, "language": exc.language, "sources": [],
                          "error": type(exc).__name__}
            record["latency_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            if args.json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                from adapters.console import render_answer

                print(render_answer(answer, color=sys.stdout.isatty()))
        return 0
    finally:
        bot.close()


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console import run_console

    return run_console(settings, as_platform=args.as_platform)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.documents import ARTICLES_DIR, SUFFIXES
    from knowledge.ingest import ingest

    from .wiring import open_collections

    # --rebuild re-embeds the stored texts with the configured model (no source files needed), then ingests PATHs
    cols, lock = open_collections(settings, index_builtin=False, rebuild=True if args.rebuild else None)
    try:
        paths = [Path(p) for p in args.paths] or [ARTICLES_DIR]
        t0 = time.perf_counter()
        report = ingest(cols, paths, progress=None if not args.progress else True)
        print(f"{report.summary()} in {time.perf_counter() - t0:.1f} s → {cols.target.description}")
        skipped = [f for p in paths if p.is_dir() for f in p.rglob("*") if f.is_file() and f.suffix not in SUFFIXES]
        skipped += [p for p in paths if p.is_file() and p.suffix not in SUFFIXES]
        if skipped:
            print(f"skipped {len(skipped)} file(s) that are not .md or .txt, e.g. {skipped[0]}", file=sys.stderr)
        return 0
    except FileNotFoundError as exc:
        print(f"ingest: no such file or folder: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. two files with one article id
        print(f"ingest: {exc}", file=sys.stderr)
        return 2
    finally:
        if lock is not None:
            lock.release()


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluate import run_eval

    path = Path(args.file)
    if not path.is_file():
        print(f"eval: no such question file: {path}", file=sys.stderr)
        return 2
    return run_eval(path, settings, show=args.show)


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from .wiring import build_store

    store = build_store(settings)
    items = store.feedback(limit=args.limit)
    if args.json:
        for fb in items:
            print(json.dumps({"answer_id": fb.answer_id, "vote": fb.vote, "user": fb.user, "platform": fb.platform,
                              "conversation": fb.conversation_id, "question": fb.question, "answer": fb.answer,
                              "sources": [s.to_dict() for s in fb.sources], "at": fb.at}, ensure_ascii=False))
        return 0
    if not items:
        print("No feedback yet.")
    for fb in items:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(fb.at))
        mark = "👍" if fb.vote == "up" else "👎"
        cites = ", ".join(f"[{s.paragraph}]" for s in fb.sources[:4])
        print(f"{mark} {when} {fb.platform} {fb.user}: {fb.question}\n    → {fb.answer[:160]}  {cites}")
    return 0


def cmd_discord(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.discord import sync_commands

    guild = args.guild if args.guild is not None else settings.optional("DISCORD_GUILD_ID")
    names = sync_commands(settings, int(guild) if guild else None)
    where = f"guild {guild}" if guild else "all guilds (global; may take up to an hour to appear)"
    print(f"synced {len(names)} commands to {where}: {', '.join('/' + n for n in names)}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="briefbot", description="Ask a knowledge base of news articles; get cited answers.")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = p.add_subparsers(dest="command")
    c = sub.add_parser("console", help="an interactive console (the default)")
    c.add_argument("--as", dest="as_platform", choices=["slack", "discord"], help="show what that adapter would post")
    c.set_defaults(func=cmd_console)
    a = sub.add_parser("ask", help="answer one question, or --json questions from stdin")
    a.add_argument("question", nargs="*")
    a.add_argument("--json", action="store_true", help="one JSON object per line (questions from stdin if none given)")
    a.add_argument("--conversation", help="conversation id (default: each question on its own)")
    a.set_defaults(func=cmd_ask)
    i = sub.add_parser("ingest", help="index .txt/.md files and folders (default: the bundled articles)")
    i.add_argument("paths", nargs="*")
    i.add_argument("--rebuild", action="store_true",
                   help="re-embed the stored texts with the configured model first (e.g. after a model change)")
    i.add_argument("--progress", action="store_true", help="always show the progress bar")
    i.set_defaults(func=cmd_ingest)
    e = sub.add_parser("eval", help="score the bot against a question set (JSONL)")
    e.add_argument("file")
    e.add_argument("--show", action="store_true")
    e.set_defaults(func=cmd_eval)
    f = sub.add_parser("feedback", help="list recorded 👍/👎 feedback")
    f.add_argument("--limit", type=int, default=50)
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=cmd_feedback)
    d = sub.add_parser("discord", help="Discord operations")
    dsub = d.add_subparsers(dest="discord_command", required=True)
    s = dsub.add_parser("sync", help="register the slash commands (rate-limited by Discord: not at every start)")
    s.add_argument("--guild", help="sync to one guild instantly (default: DISCORD_GUILD_ID, else global)")
    s.set_defaults(func=cmd_discord)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.verbose:
        for noisy in ("chromadb", "httpx", "urllib3", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        args = parser().parse_args(["console", *(argv or [])])
    try:
        return args.func(args, Settings.from_env())
    except BriefbotError as exc:
        print(f"briefbot: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `briefbot ask … | head`: the reader left; not an error worth a traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
