"""The local console: a prompt_toolkit REPL over the same Bot the chat adapters use, answers rendered with rich.

prompt_toolkit gives history that a coloured prompt cannot garble, a multi-line paste as one question, Ctrl-C to
clear the line and Ctrl-D to leave; rich wraps answers at word boundaries to the terminal's width.
"""
from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.live import Live
from rich.padding import Padding
from rich.style import Style
from rich.text import Text

from adapters.chat_markdown import listed_sources, web_url
from bot.common.config import Settings
from bot.common.errors import BriefbotError, ConfigError
from bot.common.logs import redact
from bot.common.models import Answer
from bot.common.text import clip_line, one_line
from bot.language.phrases import detect, phrase

log = logging.getLogger("briefbot.console")

HELP = """Ask a question about the articles, in English or Dutch. Commands:
  /sources   the full passages behind the last answer
  /reset     forget this conversation (follow-ups start afresh)
  /help      this help
  /quit      leave (Ctrl-D works too; Ctrl-C clears the line)"""

QUOTE_CHARS = 140
HISTORY_FILE = "console-history.txt"


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 article', '2 articles'."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def make_console(out: IO[str], *, color: bool, width: int | None = None) -> Console:
    """A rich console on `out`: wrapped to the terminal (or `width`); a pipe gets unwrapped, uncoloured lines."""
    terminal = color or out.isatty()
    return Console(
        file=out, force_terminal=color, no_color=not color, color_system="standard" if color else None,
        width=width or (None if terminal else 10_000), soft_wrap=not terminal and width is None, highlight=False,
        emoji=False, markup=False,
    )


def _sources(console: Console, answer: Answer, *, full: bool = False) -> None:
    shown = answer.sources if full else listed_sources(answer)
    if not shown:
        return  # a refusal without a closest passage, the list of articles: no heading over nothing
    console.print(Text(f"{phrase('sources', answer.language)}:", style="dim"))
    for s in shown:
        head = Text()
        head.append(f"[{s.label}] ", style="cyan")
        url = web_url(s.url)
        head.append(s.title, style=Style(color="cyan", link=url) if url else "cyan")
        head.append((f" ({s.date})" if s.date else "") + f"  score {s.score:.2f}", style="cyan")
        console.print(Padding(head, (0, 0, 0, 2), expand=False))
        body = one_line(s.text) if full else clip_line(s.text, QUOTE_CHARS)
        console.print(Padding(Text(body, style="dim"), (0, 0, 0, 6), expand=False))


def _answer(console: Console, answer: Answer, *, with_text: bool = True) -> None:
    if with_text:
        text = Text()
        if not answer.grounded:
            text.append("(not in the knowledge base) ", style="yellow")
        text.append(redact(answer.text))
        console.print(text)
    _sources(console, answer)


def render_answer(answer: Answer, *, color: bool = False, width: int | None = None) -> str:
    """An answer for a terminal: the text, a note when it is not grounded, then the sources it cites."""
    buf = io.StringIO()
    _answer(make_console(buf, color=color, width=width), answer)
    return buf.getvalue().rstrip("\n")


def render_sources(answer: Answer, color: bool = False, *, full: bool = False) -> str:
    buf = io.StringIO()
    _sources(make_console(buf, color=color), answer, full=full)
    return buf.getvalue().rstrip("\n")


def _platform_renderer(as_platform: str | None) -> Callable[[Answer], str] | None:
    try:
        if as_platform == "slack":
            from adapters.slack_format import render_for_console as slack  # optional: the slack extra

            return slack
        if as_platform == "discord":
            from adapters.discord_format import render_for_console as discord  # optional: the discord extra

            return discord
    except ImportError:
        raise ConfigError(
            f"console --as {as_platform} needs the '{as_platform}' extra: pip install 'briefbot[{as_platform}]'."
        ) from None
    return None


class _Lines:
    """Questions from a pipe or file, one a line (no prompt)."""

    def __init__(self, stdin: IO[str]) -> None:
        self.stdin = stdin

    def read(self) -> str:
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line


class _Prompt:
    """Questions typed at a terminal, through prompt_toolkit (persistent history, paste, Ctrl-C/Ctrl-D)."""

    def __init__(self, history: Path | None, color: bool, pt_input: Any = None, pt_output: Any = None) -> None:
        # start-up: prompt_toolkit takes ~50 ms to import; piped input is read a line at a time without it
        from prompt_toolkit import PromptSession
        from prompt_toolkit.formatted_text import FormattedText
        from prompt_toolkit.history import FileHistory, InMemoryHistory

        store: Any = InMemoryHistory()
        if history is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                store = FileHistory(str(history))
            except OSError:  # a read-only data dir: history for this session only
                pass
        self.message = FormattedText([("ansigreen bold" if color else "", "you> ")])
        self.session: Any = PromptSession(history=store, input=pt_input, output=pt_output)

    def read(self) -> str:
        return str(self.session.prompt(self.message))


def run_console(
    settings: Settings,
    *,
    as_platform: str | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    bot: Any = None,
    pt_input: Any = None,
    pt_output: Any = None,
) -> int:
    """The REPL. Tests pass `bot`, and either `stdin` (lines) or prompt_toolkit's `pt_input` (keys)."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    color = out.isatty() and os.environ.get("NO_COLOR") is None
    console = make_console(out, color=color)
    render = _platform_renderer(as_platform)
    owned = bot is None
    if bot is None:
        console.print(Text("briefbot", style="bold") + Text(" — loading the knowledge base…"))
        from bot.wiring import build_bot  # start-up: ~300 ms of imports, after the loading line is shown

        bot = build_bot(settings)
    engine = f"LLM {settings.llm}" if settings.llm else f"offline {settings.engine} engine"
    console.print(f"{plural(len(bot.articles()), 'article')}, {engine}. Ask in English or Dutch; /help for commands.")
    interactive = pt_input is not None or stdin.isatty()
    reader: _Prompt | _Lines = (
        _Prompt(Path(settings.data_dir) / HISTORY_FILE, color, pt_input, pt_output) if interactive else _Lines(stdin)
    )
    conversation = "console"
    last: Answer | None = None
    try:
        while True:
            try:
                line = " ".join(reader.read().split())  # a pasted block of lines is one question
            except KeyboardInterrupt:  # Ctrl-C: the line is cleared; keep going
                continue
            except EOFError:  # Ctrl-D or the end of piped input
                if interactive:
                    out.write("\n")
                break
            if not line:
                continue
            if line.startswith("/"):
                cmd = line.split()[0].lower()
                if cmd in ("/quit", "/exit", "/q"):
                    break
                if cmd == "/help":
                    console.print(HELP)
                elif cmd == "/reset":
                    bot.reset(conversation)
                    last = None
                    console.print(phrase("reset", detect(line)))
                elif cmd == "/sources":
                    if last is not None:
                        _sources(console, last, full=True)
                    else:
                        console.print(phrase("no_last_answer", "en"))
                else:
                    console.print(f"Unknown command {cmd}. Try /help.")
                continue
            last = _ask(bot, line, conversation, console, render) or last
    finally:
        if owned:
            bot.close()
    out.flush()
    return 0


def _ask(bot: Any, question: str, conversation: str, console: Console, render: Callable[[Answer], str] | None
         ) -> Answer | None:
    language = detect(question)
    streamed = ""
    live: Live | None = None
    try:
        for item in bot.stream(question, conversation):
            if isinstance(item, Answer):
                if live is not None:
                    live.update(Text(item.text), refresh=True)
                    live.stop()
                    live = None
                if render is not None:
                    console.print(Text(render(item)))
                else:
                    _answer(console, item, with_text=not streamed)
                return item
            if render is None:  # LLM streaming: the text so far, re-wrapped as it grows
                streamed += item
                if live is None:
                    live = Live(console=console, auto_refresh=False, vertical_overflow="visible")
                    live.start()
                live.update(Text(streamed), refresh=True)
    except BriefbotError as exc:
        console.print(Text(exc.message, style="yellow"))
    except KeyboardInterrupt:
        console.print(Text("(stopped)", style="dim"))
    except BrokenPipeError:
        raise
    except Exception:
        log.exception("answering failed")
        console.print(Text(phrase("apology", language), style="red"))
    finally:
        if live is not None:
            live.stop()
    return None


def explain_text(answer: Answer) -> str:
    """The trace of an answer as lines a maintainer can read (`ask --explain`, the admin page's Try it)."""
    t = answer.trace
    if t is None:
        return ""
    lines = [f"why: {t.rule}" + (f" — {t.detail}" if t.detail else "")]
    lines += [f"  step: {s}" for s in t.steps]
    lines += [f"  passage [{label}] {score:.3f}" for label, score in t.passages]
    lines += [f"  window [{label}] {score:.3f} {text[:100]}" for label, score, text in t.windows]
    lines += [f"  read [{label}] span {score:.2f} − no answer {null:.2f} = {score - null:+.2f}: {text[:100]!r}"
              for label, score, null, text in t.spans]
    return "\n".join(lines)
