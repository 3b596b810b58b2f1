"""Web pages and RSS/Atom feeds from a local HTTP server: main text, metadata, the URL kept, each item once."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.retrieval.retriever import ChromaRetriever
from bot.wiring import open_collections
from knowledge.chroma import Collections
from knowledge.ingest import ingest
from knowledge.sources import parse_since
from tests.clirun import run_cli
from tests.webserver import Site

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base

PAGE = """<!doctype html><html lang="en"><head><title>Ferry | Harbour News</title>
<meta property="article:published_time" content="{date}"></head><body>
<nav>Home News Sport Weather Subscribe Log in</nav>
<article><h1>{title}</h1><p>{p1}</p><p>{p2}</p></article>
<footer>Harbour News · Privacy · Cookies</footer></body></html>"""

ITEMS = [
    ("/news/ferry", "Ferry to Texel runs again", "2024-05-02",
     "The ferry between Den Helder and Texel runs again after a two-week repair of its engines.",
     "The operator said the first crossing on Thursday carried four hundred passengers."),
    ("/news/dunes", "Dunes closed for nesting birds", "2024-05-20",
     "Parts of the dunes near Schoorl are closed until August to protect nesting birds.",
     "Rangers counted more than sixty nests of the rare tawny pipit this spring."),
    ("/news/old", "Old harbour story", "2023-01-10",
     "An old story about the harbour master who retired after forty years of service.",
     "He said he would miss the sound of the foghorn most of all."),
]

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title><link>{base}/</link>
<description>News</description>{items}</channel></rss>"""
RSS_ITEM = "<item><title>{title}</title><link>{base}{path}</link><pubDate>{pub}</pubDate></item>"
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour</title>
<id>urn:x</id><updated>2024-05-20T00:00:00Z</updated>{entries}</feed>"""
ATOM_ENTRY = ('<entry><title>{title}</title><id>{base}{path}</id><link href="{base}{path}"/>'
              "<updated>{date}T08:00:00Z</updated></entry>")

PUB = {"2024-05-02": "Thu, 02 May 2024 08:00:00 GMT", "2024-05-20": "Mon, 20 May 2024 08:00:00 GMT",
       "2023-01-10": "Tue, 10 Jan 2023 08:00:00 GMT"}


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site().start()
    for path, title, date, p1, p2 in ITEMS:
        s.pages[path] = ("text/html; charset=utf-8", PAGE.format(title=title, date=date, p1=p1, p2=p2).encode())
    items = "".join(RSS_ITEM.format(title=t, base=s.base, path=p, pub=PUB[d]) for p, t, d, _, _ in ITEMS)
    s.pages["/feed.rss"] = ("application/rss+xml", RSS.format(base=s.base, items=items).encode())
    entries = "".join(ATOM_ENTRY.format(title=t, base=s.base, path=p, date=d) for p, t, d, _, _ in ITEMS[:2])
    s.pages["/feed.atom"] = ("application/atom+xml", ATOM.format(entries=entries).encode())
    s.pages["/empty"] = ("text/html", b"<html><body><nav>Menu</nav></body></html>")
    yield s
    s.stop()


@pytest.fixture
def cols(tmp_path: Path) -> Iterator[Collections]:
    c, lock = open_collections(Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path / "data")}), index_builtin=False)
    yield c
    lock.release()  # type: ignore[union-attr]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_web_page_with_its_metadata_and_url(cols: Collections, site: Site) -> None:
    """Main text without navigation; title, date and language from the page; the URL on the article and every
    paragraph (the retriever turns `url` into Source.url)."""
    url = site.url("/news/ferry")
    report = ingest(cols, [url], progress=False)
    assert report.added == ["2024-05-ferry-to-texel-runs-again"] and not report.failed
    aid = report.added[0]
    rec = cols.articles.get(ids=[aid], include=["metadatas"])["metadatas"][0]
    assert (rec["title"], rec["date"], rec["language"]) == ("Ferry to Texel runs again", "2024-05-02", "en")
    assert rec["source"] == url and rec["url"] == url
    got = cols.chunks.get(where={"article": aid}, include=["documents", "metadatas"])
    assert len(got["ids"]) == 2 and all(m["url"] == url for m in got["metadatas"])
    assert not any("Subscribe" in d or "Cookies" in d for d in got["documents"])
    top = ChromaRetriever(cols).retrieve("How many passengers were on the first ferry crossing?", 1)[0]
    assert top.article == aid and "four hundred" in top.text


def test_a_feed_ingests_each_item_once_and_since_filters(cols: Collections, site: Site) -> None:
    """An RSS feed: every item's page; --since leaves older ones out; a second run fetches only the feed."""
    report = ingest(cols, [site.url("/feed.rss")], progress=False, since=parse_since("2024-01-01"))
    assert sorted(report.added) == ["2024-05-dunes-closed-for-nesting-birds", "2024-05-ferry-to-texel-runs-again"]
    assert report.older == 1 and not report.failed
    assert "/news/old" not in site.requests
    site.requests.clear()
    again = ingest(cols, [site.url("/feed.rss")], progress=False, since=parse_since("2024-01-01"))
    assert again.added == [] and len(again.unchanged) == 2
    assert site.requests == ["/feed.rss"]  # the items' pages were not fetched again
    atom = ingest(cols, [site.url("/feed.atom")], progress=False)
    assert atom.added == [] and len(atom.unchanged) == 2  # the same pages through another feed: still once


def test_unreachable_and_empty_urls_are_skipped_the_rest_ingested(cols: Collections, site: Site) -> None:
    bad = f"http://127.0.0.1:{_closed_port()}/story"
    report = ingest(cols, [bad, site.url("/missing"), site.url("/empty"), site.url("/news/dunes")], progress=False)
    assert report.added == ["2024-05-dunes-closed-for-nesting-birds"]
    reasons = {f.input: f.reason for f in report.failed}
    assert reasons[bad].startswith("it cannot be reached")
    assert reasons[site.url("/missing")] == "the server answered HTTP 404 Not Found"
    assert reasons[site.url("/empty")] == "no article text was found on the page (1 words)"


def test_cli_url_failure_is_one_line_and_exit_1(tmp_path: Path, site: Site) -> None:
    bad = f"http://127.0.0.1:{_closed_port()}/story"
    result = run_cli(["ingest", bad, site.url("/news/ferry")], tmp_path / "data")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"skipped {bad}: it cannot be reached"), lines
    assert "1 added" in result.stdout
    listed = run_cli(["articles", "--json"], tmp_path / "data")
    assert site.url("/news/ferry") in listed.stdout
