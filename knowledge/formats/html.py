"""HTML pages and files: the article's main text and metadata, found by trafilatura (boilerplate dropped)."""
from __future__ import annotations

import re

from . import MissingExtra, Parsed
from .markdown import parse_markdown

_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)
_KEEP = ("title", "date", "author", "url", "sitename", "description")
MIN_WORDS = 12  # less main text than this is a menu or a cookie wall, not an article


class NoArticle(ValueError):
    """The page has no article text."""


def parse_html(html: str, url: str | None = None) -> Parsed:
    """Main text as Markdown (so headings become sections) with title, date and language from the page."""
    try:
        import trafilatura  # optional: the web extra
    except ImportError:
        raise MissingExtra("HTML", "web", "trafilatura") from None
    md = trafilatura.extract(
        html, url=url, output_format="markdown", with_metadata=True, include_formatting=True,
        include_comments=False, include_tables=True, favor_precision=True,
    )
    parsed = parse_markdown(md or "")
    words = sum(len(p.split()) for _, p in parsed.blocks)
    if words < MIN_WORDS:
        raise NoArticle(f"no article text was found on the page ({words} words)")
    meta = {k: v for k, v in parsed.meta.items() if k in _KEEP and v}
    m = _LANG.search(html[:20_000])
    if m:
        meta["language"] = m.group(1).lower()
    return Parsed(meta, parsed.blocks, parsed.heading)
