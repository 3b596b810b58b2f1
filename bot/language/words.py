"""Words of a text with their positions, folded for comparison, and the general word lists the engine reads."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WORDLISTS = Path(__file__).resolve().parent / "wordlists"
_WORD = re.compile(r"\w[\w'’]*(?:[-‑]\w[\w'’]*)*|[%€$£]")


@dataclass(frozen=True)
class Token:
    """One word as written, its folded form, and where it stands in the text."""

    text: str
    fold: str
    start: int
    end: int

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case without accents or apostrophes: Oekraïne -> oekraine, Afghan's -> afghan."""
    nfkd = unicodedata.normalize("NFKD", word.lower())
    out = "".join(c for c in nfkd if not unicodedata.combining(c))
    out = out.replace("’", "'")
    return out[:-2] if out.endswith("'s") else out.strip("'")


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[Token, ...]:
    """The words of a text (hyphenated words stay one word) with their character offsets."""
    return tuple(Token(m.group(0), fold(m.group(0)), m.start(), m.end()) for m in _WORD.finditer(text))


@lru_cache(maxsize=4096)
def word_set(text: str) -> frozenset[str]:
    """A text's folded words; kept, since each question reads the same stored paragraphs and sentences several
    times (retrieval's scoring, its country rescue, the in-memory index's places and the windows)."""
    return frozenset(t.fold for t in tokens(text))


def load_list(name: str) -> list[str]:
    """The lines of a word list in bot/wordlists, comments and blank lines left out."""
    lines = (WORDLISTS / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def load_words(name: str) -> frozenset[str]:
    """Every word of a word list, folded."""
    return frozenset(fold(w) for line in load_list(name) for w in line.split())


def load_pairs(name: str) -> dict[str, float]:
    """A list of `word value word value …` lines as a mapping."""
    out: dict[str, float] = {}
    for line in load_list(name):
        parts = line.split()
        for word, value in zip(parts[::2], parts[1::2]):
            out[fold(word)] = float(value)
    return out


FUNCTION_WORDS = load_words("function_words.txt")
QUESTION_WORDS = load_words("question_words.txt")
STOP = FUNCTION_WORDS | QUESTION_WORDS
NAME_PARTICLES = load_words("name_particles.txt")


def is_content(folded: str) -> bool:
    """A word that can carry meaning in a question: not a function word, not a single letter."""
    return len(folded) > 2 and folded not in STOP or folded.isdigit()


def content_terms(text: str) -> tuple[str, ...]:
    """The folded content words of a text, in order, each once."""
    return tuple(dict.fromkeys(t.fold for t in tokens(text) if is_content(t.fold)))


def sentence_starts(text: str) -> frozenset[int]:
    """Offsets of the words that open a sentence (or a quotation), where a capital says nothing about names."""
    starts = {0}
    for m in re.finditer(r"(?:[.!?:;]|^)[\"“”„'‘’«»()\[\]\s]*(?=\w)", text):
        starts.add(m.end())
    for m in re.finditer(r"[\"“„«‘]\s*(?=\w)", text):
        starts.add(m.end())
    return frozenset(starts)
