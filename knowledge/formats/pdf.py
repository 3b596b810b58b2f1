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
    """Blank lines end paragraphs; without any, a line ending a sentence that is clearly shorter than the
    page's usual line width ends one (the way a typeset paragraph's last line looks)."""
    lines = [line.rstrip() for line in page_text.replace("\r", "\n").split("\n")]
    if any(not line.strip() for line in lines[1:-1]):
        blocks, cur = [], []
        for line in lines:
            if line.strip():
                cur.append(line)
            elif cur:
                blocks.append(" ".join(cur))
                cur = []
        if cur:
            blocks.append(" ".join(cur))
        return [p for p in (normalise(_dehyphen(b)) for b in blocks) if p]
    width = sorted(len(line) for line in lines if line.strip())[int(0.8 * max(0, len([x for x in lines if x.strip()]) - 1))] \
        if any(x.strip() for x in lines) else 0
    out, cur = [], []
    for line in lines:
        if not line.strip():
            continue
        cur.append(line.strip())
        if _END.search(line) and len(line) < 0.85 * width:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return [p for p in (normalise(_dehyphen(b)) for b in out) if p]


def _dehyphen(text: str) -> str:
    return re.sub(r"(\w)- (\w)", r"\1\2", text)


def parse_pdf(raw: bytes) -> Parsed:
    """Paragraphs from every page's text; the title and creation date from the document info, when present."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise BadPdf("it is an encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
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
