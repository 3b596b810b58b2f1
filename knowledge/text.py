"""Text from bytes, paragraphs from text, sentences from paragraphs: the rules every format shares."""
from __future__ import annotations

import codecs
import re
from functools import lru_cache

from charset_normalizer import CharsetMatches, from_bytes
from charset_normalizer.md import mess_ratio
from pysbd import Segmenter
from pysbd.lang.common import Standard
from pysbd.lang.dutch import Dutch

from .controls import readable

# Titles that precede a name: "dr. Jansen", "prof. De Vries", "mr. Rutte" are not sentence ends (pysbd's Dutch
# module has these as abbreviations but none as prepositive, so it splits before the name).
DUTCH_TITLES = ("dhr", "mevr", "mw", "drs", "dr", "ir", "ing", "prof", "mr", "mgr", "st", "gen", "ds", "kol", "lt")


class DutchNews(Dutch):
    """pysbd's Dutch rules with the titles that precede names."""

    class Abbreviation(Dutch.Abbreviation):
        PREPOSITIVE_ABBREVIATIONS = sorted(set(Standard.Abbreviation.PREPOSITIVE_ABBREVIATIONS) | set(DUTCH_TITLES))


class Undecodable(ValueError):
    """The bytes are not text in any encoding we can tell."""


def decode(raw: bytes) -> str:
    """Text from a file's bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, else what charset-normalizer finds."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise Undecodable("it starts with a UTF-16 byte-order mark but is not valid UTF-16") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" in text[:4096]:  # valid UTF-8, but text files hold no NUL: a binary file (found by the fuzzer)
            raise Undecodable("it looks like a binary file, not text")
        return text
    if b"\x00" in raw[:4096]:
        raise Undecodable("it looks like a binary file, not text")
    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        raise Undecodable("it is not UTF-8 and no other text encoding fits")
    return _western(raw, matches) or str(best)


# Our articles are Dutch and English (with French, German, Spanish names): when Windows-1252 (a superset of Latin-1's
# printable characters) reads the bytes as cleanly as charset-normalizer's pick, it is the right one. On short texts
# its scores tie with cp1250 or even Urdu's cp1006, and its tie-break made "crème brûlée" "crčme brűlée".
WESTERN = ("cp1252", "latin_1", "iso8859_15")
_SLACK = 0.01  # chaos (the share of odd characters) within which a Western reading counts as a tie


def _western(raw: bytes, matches: CharsetMatches) -> str | None:
    """The Western-European reading of non-UTF-8 bytes when it is as clean as the best one; else None."""
    best = matches.best()
    assert best is not None
    if best.encoding in WESTERN:
        return str(best)
    listed = [m for m in matches if m.encoding in WESTERN]
    for m in listed:
        if m.chaos <= best.chaos + _SLACK and m.coherence >= best.coherence - 0.05:
            return str(m)
    if listed:
        return None
    try:  # charset-normalizer stops early when a reading is clean enough: score cp1252 the same way
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return text if mess_ratio(text) <= best.chaos + _SLACK else None


def normalise(text: str) -> str:
    """One paragraph on one line: control characters and runs of whitespace become one space."""
    return " ".join(readable(text).split())


def split_paragraphs(body: str) -> list[str]:
    """Paragraphs at blank lines; a text without any blank line is split at its line breaks instead."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if re.search(r"\n[ \t]*\n", body.strip()):
        parts = re.split(r"\n[ \t]*\n", body)
    else:
        parts = body.split("\n")
    return [p for p in (normalise(x) for x in parts) if p]


@lru_cache(maxsize=8)
def _segmenter(language: str) -> Segmenter:
    try:
        seg = Segmenter(language=language, clean=False, char_span=True)
    except ValueError:  # a language pysbd does not know: the English rules are the safest general ones
        seg = Segmenter(language="en", clean=False, char_span=True)
    if language == "nl":
        seg.language_module = DutchNews
    return seg


def _open_quote(text: str) -> bool:
    """Whether a quotation opened in this text is still open at its end."""
    opened = text.count("„") + text.count("“") + text.count("«")
    closed = text.count("”") + text.count("»")
    if opened > closed:
        return True
    return text.count('"') % 2 == 1


_CLOSERS = "”’»\")]"


def _past_closers(text: str, end: int) -> int:
    i = end
    while i < len(text) and text[i] == " ":
        i += 1
    j = i
    while j < len(text) and text[j] in _CLOSERS:
        j += 1
    return j if j > i else end


def split_sentences(paragraph: str, language: str = "en") -> list[str]:
    """Sentences of a news paragraph (pysbd); a quotation that runs over several sentences stays one piece.

    Pieces are cut from the paragraph by offset, so joining the sentences with spaces gives the paragraph back.
    """
    paragraph = normalise(paragraph)
    if not paragraph:
        return []
    ends = [sp.end for sp in _segmenter(language).segment(paragraph)]
    # pysbd leaves a closing quote after „…” at the start of the next piece: it belongs to the one before.
    ends = [_past_closers(paragraph, e) for e in ends]
    spans = [(0, e) for e in sorted(set(ends))]
    out: list[str] = []
    start = last_start = 0
    for _, end in spans:
        piece = paragraph[start:end].strip()
        if not piece:
            continue
        if out and not any(ch.isalnum() for ch in piece):  # a stray closing quote or bracket: the last one's
            out[-1] = paragraph[last_start:end].strip()
            start = end
            continue
        if _open_quote(piece) and end < len(paragraph):
            continue  # inside an open quotation: the sentence goes on until it closes
        out.append(piece)
        last_start, start = start, end
    tail = paragraph[start:].strip()
    if tail:
        if out and not any(ch.isalnum() for ch in tail):
            out[-1] = paragraph[last_start:].strip()
        else:
            out.append(tail)
    return out


CLAUSE_MIN_WORDS = 4  # a shorter piece ("zei hij", "in 2006") says too little to stand for its sentence
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+")  # a comma, semicolon or colon before a space: "16,200" stays whole


def clause_spans(sentence: str) -> tuple[tuple[int, int], ...]:
    """Where the clauses of a long sentence stand in it, cut at its commas, semicolons and colons, each of several
    words; none when the sentence is one clause. A long sentence's vector is diluted by all it says ("on 26 February
    he escaped from the island, and on 1 March he landed in Cannes with 800 men"): its clauses get vectors too."""
    cuts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(sentence)), len(sentence) + 1]
    spans = []
    for a, b in zip(cuts, cuts[1:]):
        piece = sentence[a : b - 1]
        lead, body = len(piece) - len(piece.lstrip(" ,;:")), piece.strip(" ,;:")
        if len(body.split()) >= CLAUSE_MIN_WORDS:
            spans.append((a + lead, a + lead + len(body)))
    return tuple(spans) if len(spans) >= 2 else ()


def clauses(sentence: str) -> tuple[str, ...]:
    """The clauses' texts (`clause_spans`)."""
    return tuple(sentence[a:b] for a, b in clause_spans(sentence))
