"""PDF files: text per page (pypdf), hard-wrapped lines joined back into paragraphs, document info as metadata."""
from __future__ import annotations

import io
import re

from ..text import normalise
from . import Parsed

_END = re.compile(r"[.!?:”\"’)»]$")


class BadPdf(ValueError):
    """pypdf could not read the file."""


def _paragraphs(page_text: str) -> list[str]:
    """Blank lines (vertical gaps, kept by pypdf's layout mode) end paragraphs; without any, a line that ends a
    sentence and is clearly shorter than the page's usual line ends one (as a typeset paragraph's last line)."""
    lines = [line.strip() for line in page_text.replace("\r", "\n").split("\n")]
    if any(not line for line in lines[1:-1]):
        blocks = re.split(r"\n\s*\n", "\n".join(lines))
    else:
        full = sorted(len(line) for line in lines if line)
        width = full[int(0.8 * (len(full) - 1))] if full else 0
        blocks, cur = [], []
        for line in (x for x in lines if x):
            cur.append(line)
            if _END.search(line) and len(line) < 0.85 * width:
                blocks.append(" ".join(cur))
                cur = []
        blocks.append(" ".join(cur))
    return [p for p in (normalise(_dehyphen(b.replace("\n", " "))) for b in blocks) if p]


def _dehyphen(text: str) -> str:
    return re.sub(r"(\w)- (\w)", r"\1\2", text)


def _page_text(page) -> str:
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode is newer and stricter; the plain mode reads more files
        return page.extract_text() or ""


def parse_pdf(raw: bytes) -> Parsed:
    """Paragraphs from every page's text; the title and creation date from the document info, when present."""
    # start-up: pypdf takes ~40 ms to import; only PDFs need it
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise BadPdf("it is an encrypted PDF")
        pages = [_page_text(page) for page in reader.pages]
        info = reader.metadata
    except BadPdf:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise BadPdf(f"it is not a readable PDF ({type(exc).__name__})") from None
    meta: dict[str, str] = {}
    if info is not None:
        if info.title and info.title.strip():
            meta["title"] = info.title.strip()
        created = getattr(info, "creation_date", None)
        if created is not None:
            meta["date"] = created.date().isoformat()
    blocks = tuple(("", p) for text in pages for p in _paragraphs(text))
    return Parsed(meta, blocks)
