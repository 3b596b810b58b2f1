"""Articles as files: front matter, paragraphs and sentences, with stable ids and content hashes."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
SUFFIXES = (".md", ".txt")

# A sentence ends at . ! ? (optionally followed by a closing quote) before a capital or an opening quote.
_BOUNDARY = re.compile(r"(?<=[.!?])([”\"’»]?)\s+(?=[„“\"«(]?[A-ZÀ-ÖØ-Þ0-9])")
_ABBREVIATIONS = re.compile(r"\b(?:dhr|mevr|mr|mrs|ms|dr|prof|bijv|o\.a|e\.g|i\.e|vs|St|nr|ca|jr|sr)\.$", re.I)


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

    @property
    def hash(self) -> str:
        return content_hash(self.text)


@dataclass(frozen=True)
class Document:
    """An article file parsed: metadata plus its paragraphs."""

    id: str
    title: str
    date: str
    language: str
    path: Path
    paragraphs: tuple[str, ...]

    @property
    def hash(self) -> str:
        meta = f"{self.title}\x00{self.date}\x00{self.language}\x00"
        return content_hash(meta + "\n\n".join(self.paragraphs))

    def chunks(self) -> list[Chunk]:
        return [
            Chunk(f"{self.id}:{i}", self.id, self.title, self.date, self.language, i, p, tuple(split_sentences(p)))
            for i, p in enumerate(self.paragraphs, start=1)
        ]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a news paragraph; a quotation that runs over several sentences stays one piece."""
    parts: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        end = m.end(1)
        piece = paragraph[start:end].strip()
        if not piece or _ABBREVIATIONS.search(paragraph[start : m.start(1)]):
            continue
        if piece.count("„") + piece.count("“") > piece.count("”") or piece.count('"') % 2:
            continue  # inside an open quotation: the sentence goes on until it closes
        parts.append(piece)
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    meta: dict[str, str] = {}
    for line in text[3:end].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[end + 4 :]


def _guess_language(path: Path, body: str) -> str:
    for part in path.name.split(".")[1:-1]:
        if part in ("nl", "en", "de", "fr"):
            return part
    from bot.language import detect

    return detect(body[:2000])


def parse(path: Path) -> Document:
    """A document from a .md/.txt file; metadata from front matter, a sidecar .json, or the file name."""
    raw = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\ufeff", "")
    meta, body = _front_matter(raw)
    sidecar = path.with_suffix(".json")
    if not meta and sidecar.exists():
        import json

        meta = {k: str(v) for k, v in json.loads(sidecar.read_text(encoding="utf-8")).items()}
    paragraphs = tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip())
    stem = path.name.split(".")[0]
    first_words = " ".join(paragraphs[0].split()[:8]) + "…" if paragraphs else stem
    return Document(
        id=meta.get("id") or stem,
        title=meta.get("title") or f"{first_words} (opening words; no title given)",
        date=meta.get("date", ""),
        language=meta.get("language") or _guess_language(path, body),
        path=path,
        paragraphs=paragraphs,
    )


def find_files(paths: list[Path]) -> list[Path]:
    """The .md/.txt files named, and those inside folders named (recursively), sorted."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(f for f in p.rglob("*") if f.is_file() and f.suffix in SUFFIXES)
        elif p.is_file() and p.suffix in SUFFIXES:
            found.append(p)
        elif not p.exists():
            raise FileNotFoundError(str(p))
    return sorted(set(found))
