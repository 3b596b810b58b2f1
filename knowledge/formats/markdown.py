"""Markdown and plain text: YAML front matter, headings as section titles, HTML blocks reduced to text."""
from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..text import normalise, split_paragraphs
from . import Parsed

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section",
               "article", "table", "tr", "figure", "figcaption", "header", "footer", "pre", "hr"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg"}


class FrontMatterError(ValueError):
    """The front matter is not valid YAML."""


def _scalar(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_scalar(v) for v in value)
    return "" if value is None else str(value).strip()


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML front matter between '---' lines (PyYAML), with lower-case keys and string values; and the body."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        data = yaml.safe_load(m.group(1) or "") or {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        raise FrontMatterError(f"its front matter is not valid YAML{line}") from None
    if not isinstance(data, dict):
        raise FrontMatterError("its front matter is not a set of 'key: value' lines")
    return {str(k).strip().lower(): _scalar(v) for k, v in data.items()}, text[m.end():]


class _TextOfHtml(HTMLParser):
    """Visible text of an HTML fragment, with a blank line at block boundaries."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(fragment: str) -> list[str]:
    """The paragraphs of an HTML fragment (a block inside Markdown), tags dropped."""
    parser = _TextOfHtml()
    parser.feed(fragment)
    parser.close()
    return [p for p in (normalise(x) for x in _BLANK_LINE.split("".join(parser.parts))) if p]


def _inline_text(token: Token) -> str:
    """Plain text of an inline token: emphasis, links and inline HTML tags dropped, line breaks as spaces."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "html_inline":
            continue
        elif child.type == "image":
            out.append(child.content)
    return "".join(out)


_MD = MarkdownIt("commonmark")


def parse_markdown(text: str) -> Parsed:
    """Headings become section titles (the first H1 a title candidate); paragraphs, list items and quotes text."""
    meta, body = front_matter(text)
    lines_are_paragraphs = not _BLANK_LINE.search(body.strip())
    tokens = _MD.parse(body)
    blocks: list[tuple[str, str]] = []
    heading = ""
    section = ""
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            title = normalise(_inline_text(tokens[i + 1]))
            if tok.tag == "h1" and not heading and not blocks:
                heading = title
            else:
                section = title
            i += 3
            continue
        if tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
            raw = _inline_text(tok)
            pieces = raw.split("\n") if lines_are_paragraphs else [raw]
            blocks.extend((section, p) for p in (normalise(x) for x in pieces) if p)
        elif tok.type == "html_block":
            blocks.extend((section, p) for p in html_text(tok.content))
        i += 1
    return Parsed(meta, tuple(blocks), heading)


def parse_text(text: str) -> Parsed:
    """Plain text: optional front matter, paragraphs at blank lines (or at line breaks when there are none)."""
    meta, body = front_matter(text)
    return Parsed(meta, tuple(("", p) for p in split_paragraphs(body)))
