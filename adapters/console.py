"""The local test console: a REPL over the same Bot the chat adapters use, and the `ask` renderer."""
from __future__ import annotations

import logging
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.errors import BriefbotError
from bot.language import detect, phrase
from bot.models import Answer

log = logging.getLogger("briefbot.console")

HELP = """Ask a question about the articles, in English or Dutch. Commands:
  /sources   the full passages behind the last answer
  /reset     forget this conversation (follow-ups start afresh)
  /help      this help
  /quit      leave (Ctrl-D works too)"""

_STYLES = {"bold": "1", "dim": "2", "green": "32", "yellow": "33", "cyan": "36", "red": "31"}


def style(text: str, name: str, color: bool) -> str:
    return f"\033[{_STYLES[name]}m{text}\033[0m" if color else text


def short_quote(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def render_sources(answer: Answer, color: bool, *, full: bool = False) -> str:
    label = phrase("sources", answer.language)
    lines = [style(f"{label}:", "dim", color)]
    for s in answer.sources:
        head = f"  [{s.paragraph}] {s.title}" + (f" ({s.date})" if s.date else "") + f"  score {s.score:.2f}"
        lines.append(style(head, "cyan", color))
        body = s.text if full else short_quote(s.text)
        lines.extend(style(line, "dim", color) for line in textwrap.wrap(body, 96, initial_indent="      ",
                                                                          subsequent_indent="      "))
    return "\n".join(lines)


def render_answer(answer: Answer, *, color: bool = False) -> str:
    """An answer for a terminal: the text, a note when it is not grounded, then its sources."""
    mark = "" if answer.grounded else style("(not in the knowledge base) ", "yellow", color)
    return f"{mark}{answer.text}\n{render_sources(answer, color)}"


def _platform_renderer(as_platform: str | None) -> Callable[[Answer], str] | None:
    if as_platform == "slack":
        from adapters.slack_format import render_for_console

        return render_for_console
    if as_platform == "discord":
        from adapters.discord_format import render_for_console

        return render_for_console
    return None


def _history(settings: Settings) -> None:
    try:
        import readline
    except ImportError:  # not on every platform; the console works without history
        return
    path = Path(settings.data_dir) / "console_history"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            readline.read_history_file(path)
        readline.set_history_length(500)
        import atexit

        atexit.register(readline.write_history_file, path)
    except OSError:
        pass


def run_console(settings: Settings, *, as_platform: str | None = None, stdin=None, stdout=None) -> int:
    """The REPL; stdin/stdout are parameters so tests can drive it."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    color = out.isatty() and os.environ.get("NO_COLOR") is None
    interactive = stdin.isatty()
    render = _platform_renderer(as_platform)
    print(style("briefbot", "bold", color) + " — loading the knowledge base…", file=out, flush=True)
    from bot.core import build_bot

    bot = build_bot(settings)
    engine = f"LLM {settings.llm}" if settings.llm else "offline extractive engine"
    arts = bot.articles()
    print(f"{len(arts)} article(s), {engine}. Ask in English or Dutch; /help for commands.", file=out, flush=True)
    if interactive:
        _history(settings)
    conversation = "console"
    last: Answer | None = None
    try:
        while True:
            try:
                if interactive:
                    line = input(style("you> ", "green", color))
                else:
                    line = stdin.readline()
                    if not line:
                        break
            except EOFError:
                break
            except KeyboardInterrupt:
                print(file=out)
                break
            line = line.strip()
            if not line:
                continue
            if line.startswith("/"):
                cmd = line.split()[0].lower()
                if cmd in ("/quit", "/exit", "/q"):
                    break
                if cmd == "/help":
                    print(HELP, file=out)
                elif cmd == "/reset":
                    bot.reset(conversation)
                    last = None
                    print(phrase("reset", detect(line)), file=out)
                elif cmd == "/sources":
                    print(render_sources(last, color, full=True) if last else phrase("no_last_answer", "en"), file=out)
                else:
                    print(f"Unknown command {cmd}. Try /help.", file=out)
                continue
            last = _ask(bot, line, conversation, out, color, render) or last
    finally:
        bot.close()
    return 0


def _ask(bot, question: str, conversation: str, out, color: bool, render) -> Answer | None:
    language = detect(question)
    streamed = False
    try:
        for item in bot.stream(question, conversation):
            if isinstance(item, Answer):
                if render is not None:
                    print(("\n" if streamed else "") + render(item), file=out, flush=True)
                elif streamed:
                    print("\n" + render_sources(item, color), file=out, flush=True)
                else:
                    print(render_answer(item, color=color), file=out, flush=True)
                return item
            if render is None:  # LLM streaming: show text as it comes
                print(item, end="", file=out, flush=True)
                streamed = True
    except BriefbotError as exc:
        print(("\n" if streamed else "") + style(exc.message, "yellow", color), file=out, flush=True)
    except BrokenPipeError:
        raise
    except Exception:
        log.exception("answering failed")
        print(("\n" if streamed else "") + style(phrase("apology", language), "red", color), file=out, flush=True)
    return None
