"""Markdown from a model, parsed once (markdown-it-py) and written out in a chat platform's own markup.

Each platform is a `Dialect`: how it spells bold, italics, code and quotes, how literal text is escaped, and how a
link is shown. Links always show their target (OWASP LLM05: model output may not hide where a link goes).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.common.logs import redact
from bot.common.models import Answer, Source
from bot.common.text import ELLIPSIS, cap, clip_words

_PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
_WEB_URL = re.compile(r"https?://[^\s<>\"'`|\\\x00-\x1f\x7f]{1,2000}", re.I)
_CITATION = re.compile(r"\[([^\[\]\n]{1,200})\]")
__all__ = ["ELLIPSIS", "Dialect", "cap", "cited_labels", "clip_words", "confidence", "listed_sources", "render",
           "web_url"]
# A grounded answer whose best cited passage scores below this is "weak". Measured on the shared corpus questions
# and dev set (88, offline engine): 5 of 65 grounded answers fall below 0.85 (4 right, 1 of the 2 wrong ones);
# retrieval similarity is a weak signal of a wrong answer, so the line says "check the source", not "wrong".
WEAK_SCORE = 0.85


def web_url(url: str) -> str | None:
    """The url when it is a plain http(s) address without characters that could break out of markup; else None."""
    url = url.strip()
    return url if _WEB_URL.fullmatch(url) else None


@dataclass(frozen=True)
class Dialect:
    """One platform's markup."""

    text: Callable[[str], str]  # escape literal text
    link: Callable[[str | None, str], str]  # (rendered label, or None for a bare url; url) -> target visible
    bold: tuple[str, str] = ("*", "*")
    italic: tuple[str, str] = ("_", "_")
    strike: tuple[str, str] = ("~", "~")
    code: Callable[[str], str] = field(default=lambda s: f"`{s}`")
    fence: Callable[[str], str] = field(default=lambda s: f"```\n{s}\n```")
    bullet: str = "• "
    rule: str = "───"


@dataclass
class _Writer:
    """Block-level state while walking the token stream: list nesting, quote depth, the pending list marker."""

    dialect: Dialect
    lines: list[str] = field(default_factory=list)
    lists: list[list[int]] = field(default_factory=list)  # [ordered (0/1), counter]
    quote: int = 0
    marker: str | None = None
    spaced: bool = False
    last_quote: int = 0

    def add(self, text: str) -> None:
        if self.spaced and self.lines:
            self.lines.append(">" * min(self.quote, self.last_quote))
        self.spaced = False
        self.last_quote = self.quote
        indent = "   " * max(0, len(self.lists) - 1)
        for i, line in enumerate(text.split("\n")):
            if i == 0 and self.marker is not None:
                lead, self.marker = indent + self.marker, None
            else:
                lead = indent + ("   " if self.lists else "")
            self.lines.append("> " * self.quote + lead + line)

    def gap(self) -> None:
        """A blank line before the next block (none between the items of a list)."""
        self.spaced = not self.lists


def _inline(children: Sequence[Token], d: Dialect) -> str:
    parts: list[str] = []
    links: list[tuple[str, int, bool]] = []
    for tok in children:
        kind = tok.type
        if kind in ("text", "html_inline"):
            parts.append(d.text(tok.content))
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind in ("strong_open", "strong_close"):
            parts.append(d.bold[kind.endswith("close")])
        elif kind in ("em_open", "em_close"):
            parts.append(d.italic[kind.endswith("close")])
        elif kind in ("s_open", "s_close"):
            parts.append(d.strike[kind.endswith("close")])
        elif kind == "code_inline":
            parts.append(d.code(tok.content))
        elif kind == "link_open":
            links.append((str(tok.attrGet("href") or ""), len(parts), tok.markup == "autolink"))
        elif kind == "link_close" and links:
            url, start, bare = links.pop()
            parts[start:] = [d.link(None if bare else "".join(parts[start:]), url)]
        elif kind == "image":
            parts.append(d.link(d.text(tok.content or "image"), str(tok.attrGet("src") or "")))
    return "".join(parts)


def render(markdown: str, d: Dialect) -> str:
    """`markdown` in the dialect's markup: emphasis, code, lists, quotes and headings kept; links made visible;
    tokens and configured secrets masked (a model may echo one: the engine masks too, this holds for any text)."""
    w = _Writer(d)
    heading = False
    for tok in _PARSER.parse(redact(markdown)):
        kind = tok.type
        if kind == "inline":
            text = _inline(tok.children or [], d)
            w.add(f"{d.bold[0]}{text}{d.bold[1]}" if heading and text else text)
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
            w.gap()
        elif kind == "paragraph_close" and not tok.hidden:
            w.gap()
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrGet("start") or 1) if kind == "ordered_list_open" else 1
            w.lists.append([kind == "ordered_list_open", start - 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            w.lists.pop()
            w.gap()
        elif kind == "list_item_open" and w.lists:
            top = w.lists[-1]
            top[1] += 1
            w.marker = f"{top[1]}. " if top[0] else d.bullet
        elif kind == "blockquote_open":
            w.quote += 1
        elif kind == "blockquote_close":
            w.quote -= 1
            w.gap()
        elif kind in ("fence", "code_block"):
            w.add(d.fence(tok.content.rstrip("\n")))
            w.gap()
        elif kind == "hr":
            w.add(d.rule)
            w.gap()
        elif kind == "html_block":
            w.add(d.text(tok.content.rstrip("\n")))
            w.gap()
    return "\n".join(w.lines).strip()


def cited_labels(text: str) -> set[str]:
    """The labels cited in `text` as `[label]` (or `[label, label]`)."""
    return {part.strip() for m in _CITATION.finditer(text) for part in re.split(r"[,;]", m.group(1))}


def listed_sources(answer: Answer) -> tuple[Source, ...]:
    """The sources to list under an answer: the ones its text cites when it cites any, otherwise all of them."""
    cited = cited_labels(answer.text)
    chosen = tuple(s for s in answer.sources if s.label in cited)
    return chosen or answer.sources


def confidence(answer: Answer) -> str:
    """How sure an answer is, for the platforms to show: "ungrounded" (the articles do not support it), "weak" (it
    rests on a passage only loosely related to the question), or "sure"."""
    if not answer.grounded:
        return "ungrounded"
    cited = cited_labels(answer.text)
    scores = [s.score for s in answer.sources if s.label in cited] or [s.score for s in answer.sources]
    return "weak" if scores and max(scores) < WEAK_SCORE else "sure"
