"""Articles as values: a Document (metadata + sectioned paragraphs) and its Chunks, loaded from files of any format."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from .formats import MissingExtra, Parsed
from .formats.pdf import parse_pdf
from .language import detect
from .tags import tag_list
from .text import Undecodable, decode, split_sentences

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
TEXT_SUFFIXES = (".md", ".markdown", ".txt")
SUFFIXES = (*TEXT_SUFFIXES, ".html", ".htm", ".pdf")
MAX_BYTES = 1_000_000  # of text per article: an article is tens of kilobytes; more is almost surely not one
RAW_FACTOR = 20  # a PDF or HTML file may be this much bigger than its text before it is refused unread
LANGUAGES = ("nl", "en", "de", "fr")

__all__ = ["ARTICLES_DIR", "SUFFIXES", "Chunk", "Document", "InputProblem", "content_hash", "find_files", "parse",
           "split_sentences", "slugify", "from_parsed"]


class InputProblem(ValueError):
    """One input cannot be ingested; the message says why, in words a user can act on."""


@dataclass(frozen=True)
class Chunk:
    """One paragraph of an article: the unit stored, retrieved and cited."""

    id: str
    article: str
    title: str
    date: str
    language: str
    paragraph: int
    text: str
    sentences: tuple[str, ...]
    section: str = ""
    url: str = ""

    @property
    def hash(self) -> str:
        return content_hash(self.text)


@dataclass(frozen=True)
class Document:
    """An article parsed: metadata, its paragraphs and the section each one is in, and where it came from."""

    id: str
    title: str
    date: str
    language: str
    source: str  # an absolute file path or a URL
    paragraphs: tuple[str, ...]
    sections: tuple[str, ...] = ()
    format: str = ""
    tags: tuple[str, ...] = ()  # front matter `tags:` and `briefbot ingest --tag`: channels answer from tags

    @property
    def url(self) -> str:
        return self.source if self.source.startswith(("http://", "https://")) else ""

    @property
    def path(self) -> Path | None:
        return None if self.url else Path(self.source)

    @property
    def hash(self) -> str:
        meta = f"{self.title}\x00{self.date}\x00{self.language}\x00"
        body = "\n\n".join(self.paragraphs)
        if any(self.sections):  # only then: the hashes of articles without sections stay what they were
            body += "\x00" + "\x00".join(self.sections)
        return content_hash(meta + body)

    def section_of(self, i: int) -> str:
        return self.sections[i] if i < len(self.sections) else ""

    def chunks(self) -> list[Chunk]:
        return [
            Chunk(f"{self.id}:{i}", self.id, self.title, self.date, self.language, i, p,
                  tuple(split_sentences(p, self.language)), self.section_of(i - 1), self.url)
            for i, p in enumerate(self.paragraphs, start=1)
        ]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def slugify(text: str, limit: int = 60) -> str:
    """A readable id from a title or a URL path: ascii, lower case, words joined by '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def _language_from_name(name: str) -> str:
    for part in name.split(".")[1:-1]:
        if part in LANGUAGES:
            return part
    return ""


def _detect(text: str) -> str:
    return detect(text[:2000])


def from_parsed(parsed: Parsed, *, source: str, default_id: str, name_language: str = "", fmt: str = "") -> Document:
    """A Document from what a parser found; a title that admits it is made up when none was given."""
    blocks = [(s, p) for s, p in parsed.blocks if p]
    if not blocks:
        what = "front matter but no text" if parsed.meta else "no text"
        raise InputProblem(f"it has {what}")
    meta = parsed.meta
    paragraphs = tuple(p for _, p in blocks)
    first_words = " ".join(paragraphs[0].split()[:8]) + "…"
    language = (meta.get("language") or meta.get("lang") or name_language or "").lower()[:2]
    return Document(
        tags=tag_list(meta.get("tags") or meta.get("tag") or ""),
        id=str(meta.get("id") or default_id),
        title=meta.get("title") or parsed.heading or f"{first_words} (opening words; no title given)",
        date=meta.get("date", ""),
        language=language or _detect(" ".join(paragraphs[:5])),
        source=source,
        paragraphs=paragraphs,
        sections=tuple(s for s, _ in blocks),
        format=fmt,
    )


def _check_size(n: int, limit: int, what: str = "") -> None:
    if n > limit:
        raise InputProblem(
            f"it holds {n / 1e6:.1f} MB of {what or 'text'}, over the {limit / 1e6:g} MB limit for one article "
            "(BRIEFBOT_MAX_ARTICLE_MB)"
        )


def parse_bytes(raw: bytes, *, suffix: str, source: str, default_id: str, name_language: str = "",
                max_bytes: int = MAX_BYTES, url: str | None = None) -> Document:
    """Any supported format from its bytes: the one place that picks a parser by suffix."""
    if not raw.strip():
        raise InputProblem("it is empty")
    suffix = suffix.lower()
    try:
        if suffix == ".pdf":
            _check_size(len(raw), max_bytes * RAW_FACTOR, "PDF")
            parsed = parse_pdf(raw)
        else:
            _check_size(len(raw), max_bytes * (RAW_FACTOR if suffix in (".html", ".htm") else 1))
            text = decode(raw).replace("\r\n", "\n").replace("\ufeff", "")
            # start-up: the text formats take ~30 ms to import (PyYAML, markdown-it); a bot that only answers never
            # parses, so its start does not pay them
            from .formats.html import parse_html
            from .formats.markdown import parse_markdown, parse_text

            if suffix in (".html", ".htm"):
                parsed = parse_html(text, url)
            elif suffix in (".md", ".markdown"):
                parsed = parse_markdown(text)
            else:
                parsed = parse_text(text)
    except Undecodable as exc:
        raise InputProblem(f"it cannot be read as text: {exc}") from None
    except MissingExtra as exc:
        raise InputProblem(str(exc)) from None
    except ValueError as exc:  # front matter, PDF: their messages already say what is wrong
        raise InputProblem(str(exc)) from None
    doc = from_parsed(parsed, source=source, default_id=default_id, name_language=name_language, fmt=suffix[1:])
    _check_size(sum(len(p.encode("utf-8")) for p in doc.paragraphs), max_bytes)
    return doc


def _sidecar(path: Path) -> dict[str, str]:
    sidecar = path.with_suffix(".json")
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InputProblem(f"its metadata file {sidecar.name} is not valid JSON") from None
    if not isinstance(data, dict):
        return {}
    return {str(k).lower(): ", ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in data.items()}


def parse(path: Path, *, max_bytes: int = MAX_BYTES) -> Document:
    """A document from a file; metadata from front matter, a sidecar .json, or the file name."""
    if path.suffix.lower() not in SUFFIXES:
        kinds = ", ".join(SUFFIXES)
        raise InputProblem(f"briefbot does not read {path.suffix or 'extension-less'} files (it reads {kinds})")
    try:
        size = path.stat().st_size
        _check_size(size, max_bytes * (RAW_FACTOR if path.suffix.lower() not in TEXT_SUFFIXES else 1))
        raw = path.read_bytes()
    except OSError as exc:
        raise InputProblem(f"it cannot be read ({exc.strerror or type(exc).__name__})") from None
    doc = parse_bytes(raw, suffix=path.suffix, source=str(path.resolve()), default_id=path.name.split(".")[0],
                      name_language=_language_from_name(path.name), max_bytes=max_bytes)
    extra = _sidecar(path) if path.suffix.lower() in TEXT_SUFFIXES else {}
    if extra and not _has_front_matter(raw):
        doc = replace(
            doc, id=extra.get("id") or doc.id, title=extra.get("title") or doc.title,
            date=extra.get("date") or doc.date, language=extra.get("language") or doc.language,
            tags=tag_list(extra.get("tags") or "") or doc.tags,
        )
    return doc


def _has_front_matter(raw: bytes) -> bool:
    return raw.lstrip(b"\xef\xbb\xbf").startswith(b"---")


def is_article_file(path: Path) -> bool:
    """A supported file that is not hidden, a backup or an editor's temporary file."""
    name = path.name
    return (path.suffix.lower() in SUFFIXES and not name.startswith((".", "~", "#")) and not name.endswith("~"))


def find_files(paths: list[Path]) -> list[Path]:
    """The supported files named, and those inside folders named (recursively), sorted."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(f for f in p.rglob("*") if f.is_file() and is_article_file(f))
        elif p.is_file():
            found.append(p)
        elif not p.exists():
            raise FileNotFoundError(str(p))
    return sorted(set(found))


def other_files(paths: list[Path]) -> list[Path]:
    """Files inside the folders named that are not articles (to mention, not to fail on)."""
    return sorted(f for p in paths if p.is_dir() for f in p.rglob("*")
                  if f.is_file() and not is_article_file(f) and not f.name.startswith(".")
                  and f.suffix.lower() != ".json")
