"""Web sources: a page URL becomes one article (trafilatura), a feed URL (feedparser) many, each item once."""
from __future__ import annotations

import email.utils
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .documents import MAX_BYTES, RAW_FACTOR, Document, InputProblem, parse_bytes, slugify

TIMEOUT_S = 20.0
USER_AGENT = "briefbot-ingest/1 (+https://github.com/briefbot)"
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")


@dataclass(frozen=True)
class Fetched:
    """A response body with what is needed to parse it."""

    url: str  # after redirects
    body: bytes
    content_type: str


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: the page it links to, and when it was published (epoch seconds, 0 when unknown)."""

    link: str
    title: str
    published: float


Fetcher = Callable[[str], Fetched]


def is_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def fetch(url: str, *, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES * RAW_FACTOR) -> Fetched:
    """GET a URL (redirects followed); an InputProblem that names the cause when it cannot be had."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise InputProblem(f"the response is over {max_bytes / 1e6:g} MB, too big for one article")
            ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            return Fetched(resp.geturl(), body, ctype)
    except urllib.error.HTTPError as exc:
        raise InputProblem(f"the server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise InputProblem(f"it cannot be reached ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise InputProblem(f"it cannot be reached ({type(exc).__name__})") from None


def looks_like_feed(fetched: Fetched) -> bool:
    if fetched.content_type in _FEED_TYPES:
        return True
    head = fetched.body[:4096].lstrip().lower()
    roots = (b"<rss", b"<feed", b"<rdf:rdf")
    if fetched.content_type in ("application/xml", "text/xml", "") or head.startswith(b"<?xml"):
        return any(r in head for r in roots)
    return False


def _when(entry: dict) -> float:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            year, month, day, hour, minute, second = t[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()
    return 0.0


def feed_items(fetched: Fetched) -> list[FeedItem]:
    """The entries of an RSS or Atom feed that link to a page, oldest first."""
    try:
        import feedparser  # optional: the web extra
    except ImportError:
        raise InputProblem("feeds need the 'feedparser' package: pip install -e '.[web]'") from None
    parsed = feedparser.parse(fetched.body, response_headers={"content-location": fetched.url})
    if parsed.get("bozo") and not parsed.entries:
        raise InputProblem(f"it is not a readable RSS or Atom feed ({type(parsed.get('bozo_exception')).__name__})")
    items = [FeedItem(e.get("link", ""), e.get("title", ""), _when(e)) for e in parsed.entries if e.get("link")]
    return sorted(items, key=lambda it: it.published)


def url_id(url: str, title: str, date: str) -> str:
    """An article id for a web page: its date and title as words, else the last part of its path."""
    path = urlsplit(url).path.rstrip("/")
    last = path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if path else urlsplit(url).netloc
    words = slugify(title, 50) if title else slugify(last, 50)
    if not words:
        words = slugify(urlsplit(url).netloc) or "page"
    prefix = date[:7] if date[:4].isdigit() and not words.startswith(date[:4]) else ""
    return f"{prefix}-{words}" if prefix else words


def page_document(fetched: Fetched, *, max_bytes: int = MAX_BYTES) -> Document:
    """A web page (or a PDF or text file served over HTTP) as an article with its URL as the source."""
    by_type = {"application/pdf": ".pdf", "text/plain": ".txt", "text/markdown": ".md"}
    suffix = by_type.get(fetched.content_type, ".html")
    doc = parse_bytes(fetched.body, suffix=suffix, source=fetched.url, default_id="", max_bytes=max_bytes,
                      url=fetched.url)
    if not doc.id:
        title = "" if doc.title.endswith("(opening words; no title given)") else doc.title
        doc = replace(doc, id=url_id(fetched.url, title, doc.date))
    return doc


def parse_since(text: str) -> float:
    """A --since value: an ISO date (2024-05-01), a date and time, or an RFC 2822 date, as epoch seconds (UTC)."""
    text = text.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            raise ValueError(f"--since {text!r} is not a date; use e.g. 2024-05-01") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
