"""Every input format from files the tests write, and the bad inputs that are skipped with a reason."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.wiring import open_collections
from knowledge.chroma import Collections
from knowledge.documents import InputProblem, parse
from knowledge.ingest import ingest
from knowledge.text import decode
from tests.clirun import run_cli
from tests.docmaker import make_pdf

MD = """---
id: tulips
title: "Tulips: a record spring"
date: 2024-04-02
language: en
tags: [flowers, auctions]
---
# Tulips in Lisse

The tulip auction in Lisse opened on Monday with **record** prices for [red tulips](https://example.org).

## Prices

<div class="box"><p>Red tulips sold for 4 euros a stem.</p>
<p>Yellow ones were scarce.</p></div>

- Growers blamed the cold spring.
- Buyers came from Japan.
"""

HTML = """<!doctype html><html lang="nl"><head><title>Molens | De Krant</title>
<meta property="article:published_time" content="2024-05-06"></head>
<body><nav><a href="/">Home</a> <a href="/sport">Sport</a> Menu Inloggen Abonneren</nav>
<article><h1>Molens draaien weer in Kinderdijk</h1>
<p>De negentien molens van Kinderdijk draaien sinds maandag weer, na een restauratie van twee jaar.</p>
<h2>Bezoekers</h2>
<p>Het bezoekerscentrum verwacht deze zomer meer dan een half miljoen toeristen uit de hele wereld.</p>
<p>Vrijwilligers gaven de wieken een nieuwe laag verf in de traditionele kleuren rood en groen.</p>
</article><footer>© De Krant — Privacy — Cookies — Contact</footer></body></html>"""


@pytest.fixture
def cols(tmp_path: Path) -> Iterator[Collections]:
    c, lock = open_collections(Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path / "data")}), index_builtin=False)
    yield c
    lock.release()  # type: ignore[union-attr]


def test_markdown_front_matter_headings_and_html(tmp_path: Path) -> None:
    """YAML front matter (a colon in the title), the H1 is not a paragraph, H2 names a section, HTML becomes text."""
    path = tmp_path / "tulips.md"
    path.write_text(MD, encoding="utf-8")
    doc = parse(path)
    assert (doc.id, doc.title, doc.date, doc.language) == ("tulips", "Tulips: a record spring", "2024-04-02", "en")
    assert doc.paragraphs == (
        "The tulip auction in Lisse opened on Monday with record prices for red tulips.",
        "Red tulips sold for 4 euros a stem.",
        "Yellow ones were scarce.",
        "Growers blamed the cold spring.",
        "Buyers came from Japan.",
    )
    assert doc.sections == ("", "Prices", "Prices", "Prices", "Prices")
    assert not any("<" in p or "**" in p for p in doc.paragraphs)


def test_markdown_heading_is_the_title_when_none_given(tmp_path: Path) -> None:
    """A '# Heading' becomes the title (not '(opening words; no title given)'); lines without blank lines split."""
    path = tmp_path / "wind.en.md"
    path.write_text("# Wind power record\nTurbines in the North Sea set a record.\nEngineers cheered.\n",
                    encoding="utf-8")
    doc = parse(path)
    assert doc.title == "Wind power record" and doc.id == "wind" and doc.language == "en"
    assert doc.paragraphs == ("Turbines in the North Sea set a record.", "Engineers cheered.")


def test_txt_without_blank_lines_splits_at_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "strike.txt"
    path.write_text("Dockworkers in Rotterdam stopped work on Tuesday.\nShips waited offshore.\nTalks resume Friday.\n",
                    encoding="utf-8")
    assert len(parse(path).paragraphs) == 3


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    """trafilatura keeps the article and drops navigation and footer; title, date and language come from the page."""
    path = tmp_path / "molens.html"
    path.write_text(HTML, encoding="utf-8")
    doc = parse(path)
    assert doc.title == "Molens draaien weer in Kinderdijk"
    assert doc.date == "2024-05-06" and doc.language == "nl" and doc.format == "html"
    assert doc.paragraphs[0].startswith("De negentien molens van Kinderdijk")
    assert len(doc.paragraphs) == 3 and doc.sections[1:] == ("Bezoekers", "Bezoekers")
    text = " ".join(doc.paragraphs)
    assert "Inloggen" not in text and "Cookies" not in text


def test_pdf_pages_paragraphs_and_info(tmp_path: Path) -> None:
    """A PDF the test writes: paragraphs from the text of both pages; title and date from its document info."""
    path = tmp_path / "harbour.pdf"
    path.write_bytes(make_pdf(
        [["Dockworkers in Rotterdam stopped work on Tuesday over pay", "and conditions in the port.", "",
          "Ships waited offshore for two days."], ["The union said talks resume on Friday."]],
        title="Harbour strike",
    ))
    doc = parse(path)
    assert doc.title == "Harbour strike" and doc.date == "2024-03-15" and doc.language == "en"
    assert doc.paragraphs == (
        "Dockworkers in Rotterdam stopped work on Tuesday over pay and conditions in the port.",
        "Ships waited offshore for two days.",
        "The union said talks resume on Friday.",
    )


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("latin1.txt", "Café in París: de eigenaar zei dat het goed gaat.".encode("latin-1")),
        ("bom.txt", "\ufeffCafé in París: de eigenaar zei dat het goed gaat.".encode("utf-8")),
        ("wide.txt", "Café in París: de eigenaar zei dat het goed gaat.".encode("utf-16")),
        ("cp1252.md", "Café in París: de eigenaar zei “dat het goed gaat”.".encode("cp1252")),
    ],
)
def test_encodings(tmp_path: Path, name: str, raw: bytes) -> None:
    """UTF-8, UTF-8 with a BOM, UTF-16 with a BOM, and Latin-1/cp1252 (detected) all read as the same words."""
    path = tmp_path / name
    path.write_bytes(raw)
    doc = parse(path)
    assert doc.paragraphs[0].startswith("Café in París: de eigenaar zei")


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("empty.md", b"", "it is empty"),
        ("blank.txt", b" \n\n \n", "it is empty"),
        ("front.md", b"---\ntitle: Only metadata\n---\n", "front matter but no text"),
        ("badyaml.md", b"---\ntitle: [unclosed\n---\nText.\n", "front matter is not valid YAML"),
        ("binary.txt", bytes(range(256)) * 4, "cannot be read as text"),
        ("nul.md", b"Valid UTF-8\x00with a NUL", "cannot be read as text"),  # found by the ingest fuzzer
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "not a readable PDF"),
        ("notes.docx", b"PK\x03\x04", "does not read .docx files"),
    ],
)
def test_bad_inputs_say_why(tmp_path: Path, name: str, raw: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(InputProblem, match=reason):
        parse(path)


def test_over_the_size_limit(tmp_path: Path) -> None:
    """Over the limit (1 MB by default, BRIEFBOT_MAX_ARTICLE_MB) is refused before it is read or embedded."""
    path = tmp_path / "huge.txt"
    path.write_text(("A sentence about the harbour. " * 40 + "\n\n") * 30, encoding="utf-8")
    with pytest.raises(InputProblem, match=r"over the 0.01 MB limit .*BRIEFBOT_MAX_ARTICLE_MB"):
        parse(path, max_bytes=10_000)
    assert parse(path).paragraphs


@pytest.mark.slow
def test_a_folder_of_every_format_with_bad_files(cols: Collections, tmp_path: Path) -> None:
    """Good files of every format are ingested; each bad one is skipped with its reason; the rest carry on."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "tulips.md").write_text(MD, encoding="utf-8")
    (folder / "molens.html").write_text(HTML, encoding="utf-8")
    (folder / "harbour.pdf").write_bytes(make_pdf([["Ships waited offshore for two days."]], title="Harbour"))
    (folder / "strike.txt").write_bytes("Dockworkers in Rotterdam stopped work.\n".encode("utf-16"))
    (folder / "a-empty.md").write_bytes(b"")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    report = ingest(cols, [folder], progress=False)
    assert sorted(report.added) == ["harbour", "molens", "strike", "tulips"]
    assert [(Path(f.input).name, f.reason) for f in report.failed] == [("a-empty.md", "it is empty")]
    assert [Path(p).name for p in report.ignored] == ["photo.jpg"]
    rec = cols.articles.get(ids=["tulips"], include=["metadatas"])["metadatas"][0]
    assert rec["source"] == str((folder / "tulips.md").resolve()) and rec["format"] == "md"
    assert rec["paragraphs"] == 5 and "url" not in rec and rec["indexed_at"] > 0
    chunks = cols.chunks.get(where={"article": "tulips"}, include=["metadatas"])["metadatas"]
    assert sorted((m["paragraph"], m.get("section", "")) for m in chunks)[:2] == [(1, ""), (2, "Prices")]
    assert not any("url" in m for m in chunks)


WESTERN_TEXTS = ["crème brûlée", "De chef serveerde crème brûlée en een café au lait in Genève.",
                 "Müller sagte: Größe und Übermaß. Señor Muñoz, Björk, naïve façade."]


@pytest.mark.parametrize(("text", "encoding"), [
    *((t, "latin-1") for t in WESTERN_TEXTS), *((t, "cp1252") for t in WESTERN_TEXTS),
    ("Één week na de première van Hélène – “geciteerd” voor €5.", "cp1252"),
])
def test_western_european_text_is_read_right_in_latin1_and_cp1252(text: str, encoding: str) -> None:
    """Issue 23: charset-normalizer's tie-break picked cp1250 ("crčme brűlée") or cp1006 for short texts."""
    assert decode(text.encode(encoding)) == text


@pytest.mark.parametrize(("text", "encoding"), [
    ("Привет, как дела? Это русский текст, довольно длинный для проверки.", "cp1251"),
    ("Příliš žluťoučký kůň úpěl ďábelské ódy. Česká republika je země ve střední Evropě.", "cp1250"),
    ("Zażółć gęślą jaźń. Polska jest krajem w Europie Środkowej.", "cp1250"),
    ("Ελληνικά κείμενα είναι εδώ για δοκιμή.", "cp1253"),
])
def test_other_encodings_are_still_detected(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == text


def test_a_latin1_article_is_indexed_and_quoted_right(tmp_path: Path) -> None:
    article = tmp_path / "dessert.en.txt"
    article.write_bytes(("The chef in Lyon served crème brûlée to 4,500 guests at the festival on Saturday.\n\n"
                         "The festival ran for three days.\n").encode("latin-1"))
    data = tmp_path / "data"
    env = {"BRIEFBOT_SAMPLE_ARTICLE": "false"}
    assert run_cli(["ingest", str(article)], data, env=env).returncode == 0
    done = run_cli(["ask", "--json", "How many guests were served crème brûlée?"], data, env=env)
    record = json.loads(done.stdout)
    assert "crème brûlée" in record["sources"][0]["text"] and "crčme" not in done.stdout
