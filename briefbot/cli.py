"""The briefbot command line (the composition root): console, ask, ingest, articles, remove, gaps, eval, feedback,
discord sync."""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from bot.common.config import Settings
from bot.common.errors import BriefbotError, InputError
from bot.common.logs import TextFormatter, redact
from bot.common.text import clip_line
from bot.state.reports import FEEDBACK_SCAN, filter_feedback
from briefbot.admin_cli import add_commands as add_admin_commands
from briefbot.admin_cli import add_filters, days_filter
from briefbot.kb_cli import add_commands


def _bot(settings: Settings):
    from bot.wiring import build_bot  # start-up: ~0.3 s of imports that --help, --version and usage errors skip

    return build_bot(settings)


def _questions(args: argparse.Namespace, bad: list[int]) -> Iterator[str | None]:
    """The questions to answer: the arguments, or stdin's lines (None for a line that is not UTF-8)."""
    if args.question:
        yield " ".join(args.question)
        return
    for n, raw in enumerate(sys.stdin.buffer, 1):
        try:
            yield raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            bad.append(n)
            yield None


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if not args.question and not args.json:
        print("briefbot ask: give a question, or --json to read questions from stdin", file=sys.stderr)
        return 2
    bot = _bot(settings)
    bad: list[int] = []
    try:
        run = uuid.uuid4().hex[:8]
        for i, q in enumerate(_questions(args, bad)):
            t0 = time.perf_counter()
            try:
                if q is None:
                    raise InputError(f"line {i + 1} is not valid UTF-8 text; it was skipped")
                answer = bot.answer(q, args.conversation or f"ask:{run}:{i}")
                record = answer.to_dict(explain=args.explain)
            except BriefbotError as exc:
                if not args.json:
                    raise
                record = {"answer": exc.message, "grounded": False, "language": exc.language, "sources": [],
                          "error": type(exc).__name__}
            record["latency_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            if args.json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                # start-up: rich and prompt_toolkit, ~50 ms
                from adapters.console import explain_text, render_answer

                print(render_answer(answer, color=sys.stdout.isatty() and "NO_COLOR" not in os.environ))
                if args.explain and answer.trace is not None:
                    print(explain_text(answer))
    finally:
        bot.close()
    if bad:
        lines = ", ".join(map(str, bad[:10])) + (" …" if len(bad) > 10 else "")
        print(f"briefbot ask: input line(s) {lines} not valid UTF-8; answered the others", file=sys.stderr)
        return 1
    return 0


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console import run_console  # start-up: rich and prompt_toolkit, ~50 ms

    return run_console(settings, as_platform=args.as_platform)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from briefbot.evaluate import load_items, run_eval  # start-up: it imports the core (~0.3 s)

    items = load_items(Path(args.file))  # a BriefbotError naming the file and line when it is malformed
    bot = _bot(settings)
    try:
        return run_eval(items, bot, show=args.show)
    finally:
        bot.close()


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from bot.wiring import build_store  # start-up: ~0.3 s of imports that --help, --version and usage errors skip

    where = days_filter(args, vote=args.vote)
    store = build_store(settings)
    try:
        items = filter_feedback(store.feedback(limit=FEEDBACK_SCAN), where)[: args.limit]
    finally:
        store.close()
    if args.json:
        for fb in items:
            print(json.dumps(fb.to_dict(), ensure_ascii=False))
        return 0
    if not items:
        print("No feedback yet.")
    for fb in items:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(fb.at))
        mark = "👍" if fb.vote == "up" else "👎"
        cites = ", ".join(f"[{s.label}]" for s in fb.sources[:4])
        print(f"{mark} {when} {fb.platform} {fb.user}: {fb.question}\n    → {clip_line(fb.answer, 160)}  {cites}")
    return 0


def cmd_discord(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.discord import guild_from_env, sync_commands  # optional: the discord extra

    guild = int(args.guild) if args.guild is not None else guild_from_env(settings)
    names = sync_commands(settings, guild)  # Discord unreachable: a BriefbotError, one line
    where = f"guild {guild}" if guild else "all guilds (global; may take up to an hour to appear)"
    print(f"synced {len(names)} commands to {where}: {', '.join('/' + n for n in names)}")
    return 0


def guild_id(value: str) -> str:
    """argparse type for --guild: Discord ids are numbers."""
    if not value.isdigit():
        raise argparse.ArgumentTypeError("must be a numeric guild (server) id, e.g. 123456789012345678")
    return value


EVAL_FORMAT = """The question file is JSON Lines: one JSON object a line (blank lines are skipped), e.g.
  {"id": "d03", "q": "Who is Borrell?", "lang": "en", "expect": [["Borrell"], ["EU", "foreign"]], "source": "Borrell"}
  {"id": "u01", "q": "What did Macron say?", "lang": "en", "unanswerable": true}
Keys: q (the question), lang (en or nl: the language the answer must be in), and either expect (a list of groups
of regular expressions; every group needs one match in the answer) with source (text one cited passage must
contain), or unanswerable: true (the bot must decline). id is optional. Exit status: 0 when every question
passes, 1 when any fails, 2 when the file cannot be read."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: what is wrong and where to look, then exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="briefbot", description="Ask a knowledge base of news articles; get cited answers.")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug detail (and tracebacks) to stderr")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command")
    c = sub.add_parser("console", help="an interactive console (the default)")
    c.add_argument("--as", dest="as_platform", choices=["slack", "discord"], help="show what that adapter would post")
    c.set_defaults(func=cmd_console)
    a = sub.add_parser("ask", help="answer one question, or --json questions from stdin")
    a.add_argument("question", nargs="*")
    a.add_argument("--json", action="store_true", help="one JSON object per line (questions from stdin if none given)")
    a.add_argument("--conversation", help="conversation id (default: each question on its own)")
    a.add_argument("--explain", action="store_true", help="show why: passages, spans read, the deciding step")
    a.set_defaults(func=cmd_ask)
    add_commands(sub)  # ingest, articles, remove, gaps
    add_admin_commands(sub)  # reindex, usage, admin
    e = sub.add_parser("eval", help="score the bot against a question set (JSONL)", epilog=EVAL_FORMAT,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("file", help="a .jsonl question file (format below)")
    e.add_argument("--show", action="store_true")
    e.set_defaults(func=cmd_eval)
    f = sub.add_parser("feedback", help="list recorded 👍/👎 feedback")
    f.add_argument("--limit", type=int, default=50)
    f.add_argument("--json", action="store_true")
    add_filters(f)
    f.add_argument("--vote", choices=["up", "down"], help="only 👍 (up) or only 👎 (down)")
    f.set_defaults(func=cmd_feedback)
    d = sub.add_parser("discord", help="Discord operations")
    dsub = d.add_subparsers(dest="discord_command", required=True)
    s = dsub.add_parser("sync", help="register the slash commands (rate-limited by Discord: not at every start)")
    s.add_argument("--guild", type=guild_id,
                   help="sync to one guild instantly (default: DISCORD_GUILD_ID, else global)")
    s.set_defaults(func=cmd_discord)
    return p


def _version() -> str:
    try:
        return importlib.metadata.version("briefbot")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _configure_logging(verbose: bool) -> None:
    """stderr logging through the masking formatter; without -v only errors, and no tracebacks."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.ERROR)
    # libraries that log a bad input at ERROR although it is reported (trafilatura: "lxml parsing failed") or retried
    for noisy in ("chromadb", "httpx", "urllib3", "httpcore", "discord", "asyncio", "trafilatura", "htmldate",
                  "courlan", "pypdf"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.CRITICAL)
    for notices in ("briefbot.store", "briefbot.embedder"):  # one line each that explains a wait (re-embedding)
        logging.getLogger(notices).setLevel(logging.DEBUG if verbose else logging.WARNING)


def _one_line(exc: BaseException) -> str:
    """An error as one masked line: its message, and what caused it when that adds something."""
    text = exc.message if isinstance(exc, BriefbotError) else f"unexpected {type(exc).__name__}: {exc}"
    cause = exc.__cause__
    if isinstance(exc, BriefbotError) and cause is not None and not isinstance(cause, BriefbotError):
        from bot.llm.engine import describe_error  # start-up: ~70 ms, paid on this error path only

        text += f" ({describe_error(cause)})"
    return redact(" ".join(str(text).split()))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    _configure_logging(args.verbose)
    if not getattr(args, "func", None):
        args = parser().parse_args(["console", *argv])
    try:
        return int(args.func(args, Settings.from_env()))
    except BriefbotError as exc:
        print(f"briefbot: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # `briefbot ask … | head`: the reader left; not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug or an unforeseen failure: one masked line; the traceback with -v
        logging.getLogger("briefbot").debug("unexpected error", exc_info=True)
        hint = "" if args.verbose else " (run with -v for details)"
        print(f"briefbot: {_one_line(exc)}{hint}", file=sys.stderr)
        return 1

