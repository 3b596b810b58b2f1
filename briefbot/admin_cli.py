"""The CLI side of the admin page: `usage`, `reindex` and `admin` (the page itself, on 127.0.0.1), and the filters
`feedback` and `usage` share. Every action on the page has its command here or in kb_cli.py."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot.common.config import Settings
from bot.common.errors import ConfigError
from bot.state.reports import FEEDBACK_SCAN, Filter

DEFAULT_DAYS = 30
ADMIN_PORT = 8765


def iso_day(value: str) -> str:
    """argparse type: a day as YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a day; use e.g. 2024-05-01") from None


def port_number(value: str) -> int:
    """argparse type: a TCP port."""
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError("must be a port number between 1 and 65535")
    return int(value)


def add_filters(p: argparse.ArgumentParser) -> None:
    """--platform, --channel, --since, --until (the filters of the Feedback and Usage pages)."""
    p.add_argument("--platform", help="only this platform: slack, discord, console, ask, admin")
    p.add_argument("--channel", help="only this channel (a Slack or Discord channel id)")
    p.add_argument("--since", type=iso_day, metavar="DAY", help="from this UTC day on (YYYY-MM-DD)")
    p.add_argument("--until", type=iso_day, metavar="DAY", help="up to and including this UTC day")


def days_filter(args: argparse.Namespace, *, vote: str | None = None) -> Filter:
    """The Filter the arguments ask for."""
    return Filter(args.platform or "", args.channel or "", args.since or "", args.until or "", vote or "")


def cmd_usage(args: argparse.Namespace, settings: Settings) -> int:
    # start-up: ~0.3 s of imports that --help, --version and usage errors skip
    from bot.state.reports import last_days, usage_report
    from bot.wiring import build_store, build_usage

    first, last = last_days(args.days)
    first, last = args.since or first, args.until or last
    if first > last:
        print(f"usage: --since {first} is after --until {last}", file=sys.stderr)
        return 2
    store = build_store(settings)
    usage = build_usage(settings, store)
    try:
        report = usage_report(usage.counts(first, last), store.feedback(limit=FEEDBACK_SCAN), first, last,
                              days_filter(args))
    finally:
        usage.close()
        store.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    t = report.total
    print(f"{first} … {last} (UTC): {t.questions} question(s), {t.refusal_rate:.0%} refused, {t.down} 👎 "
          f"({t.down_rate:.0%}), {t.up} 👍, answer time p50 {_ms(t.p50_ms)}, p95 {_ms(t.p95_ms)}")
    for day, f in report.by_day.items():
        if f.questions or f.up or f.down:
            print(f"  {day}  {f.questions:>6} asked  {f.refused:>5} refused  {f.down:>4} 👎  p95 {_ms(f.p95_ms)}")
    for (platform, channel), f in report.by_channel.items():
        print(f"  {platform}{':' + channel if channel else ''}  {f.questions} asked, {f.refusal_rate:.0%} refused, "
              f"{f.down_rate:.0%} 👎, p50 {_ms(f.p50_ms)}, p95 {_ms(f.p95_ms)}")
    return 0


def _ms(value: int | None) -> str:
    return "—" if value is None else f"≤{value} ms"


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    # start-up: bot.wiring and the knowledge base take ~0.3 s to import; --help, --version and usage errors don't
    from bot.wiring import open_collections
    from knowledge.reindex import reindex

    cols, lock = open_collections(settings, index_builtin=False)
    try:
        report, unknown = reindex(cols, args.ids, max_bytes=settings.max_article_bytes)
    finally:
        if lock is not None:
            lock.release()
    for failure in report.failed:
        print(failure.line(), file=sys.stderr)
    for aid in unknown:
        print(f"reindex: no article with the id '{aid}' is indexed (see `briefbot articles`)", file=sys.stderr)
    print(report.summary())
    return 1 if unknown or report.failed else 0


def cmd_admin(args: argparse.Namespace, settings: Settings) -> int:
    if settings.admin_token is None:
        raise ConfigError("BRIEFBOT_ADMIN_TOKEN is not set: the admin page needs a token to log in with (e.g. "
                          "export BRIEFBOT_ADMIN_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe())')).")
    try:
        from adapters.admin.server import run_admin  # optional: the admin extra (Starlette, Jinja2, uvicorn)
    except ImportError:
        raise ConfigError("briefbot admin needs the admin extra: pip install 'briefbot[admin]'.") from None
    return run_admin(settings, args.port)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The admin-page subcommands, for briefbot.cli.parser()."""
    r = sub.add_parser("reindex", help="read articles again from their files or web pages, by id")
    r.add_argument("ids", nargs="+", metavar="ID")
    r.set_defaults(func=cmd_reindex)
    u = sub.add_parser("usage", help="questions per day, platform and channel; refusals, 👎, answer times")
    u.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"the last N days (default {DEFAULT_DAYS})")
    add_filters(u)
    u.add_argument("--json", action="store_true", help="one JSON object: totals, per day, per channel")
    u.set_defaults(func=cmd_usage)
    a = sub.add_parser("admin", help="the admin web page on 127.0.0.1 (needs BRIEFBOT_ADMIN_TOKEN)")
    a.add_argument("--port", type=port_number, default=ADMIN_PORT,
                   help=f"the port on 127.0.0.1 (default {ADMIN_PORT})")
    a.set_defaults(func=cmd_admin)
