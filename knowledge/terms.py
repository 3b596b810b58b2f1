"""The knowledge base's vocabulary, each word embedded once, for matching a question's words across languages.

A word's vector ("passage: inwoners") lets the engine see that "inhabitants" in an English question is
"inwoners" in a Dutch article without a dictionary. Words are shared by all articles (the id is the folded word),
so a word costs one embedding however often it occurs; words of removed articles stay (they are only vectors).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import numpy as np

_WORD = re.compile(r"[^\W\d_][\w'’]*(?:[-‑][\w'’]+)*")
_MAX_WORD = 40


def fold(word: str) -> str:
    """Lower case without accents or apostrophes (the same folding as the engine's)."""
    nfkd = unicodedata.normalize("NFKD", word.lower())
    out = "".join(c for c in nfkd if not unicodedata.combining(c)).replace("’", "'")
    return out[:-2] if out.endswith("'s") else out.strip("'")


def vocabulary(texts: Iterable[str]) -> dict[str, str]:
    """Folded word -> the form first written, for every word of three letters or more in the texts."""
    out: dict[str, str] = {}
    for text in texts:
        for m in _WORD.finditer(text):
            w = m.group(0).rstrip("'’")
            f = fold(w)
            if 3 <= len(f) <= _MAX_WORD and f not in out:
                out[f] = w.removesuffix("'s").removesuffix("’s")
    return out


def add_terms(col: Any, embedder: Any, texts: Iterable[str], batch: int = 512) -> int:
    """Embed and store the words of these texts that the collection does not hold yet; returns how many."""
    vocab = vocabulary(texts)
    if not vocab:
        return 0
    ids = sorted(vocab)
    have: set[str] = set()
    for start in range(0, len(ids), 5000):
        have.update(col.get(ids=ids[start : start + 5000], include=[])["ids"])
    new = [i for i in ids if i not in have]
    for start in range(0, len(new), batch):
        part = new[start : start + batch]
        vecs = embedder.passages([vocab[i] for i in part])
        col.upsert(ids=part, embeddings=np.asarray(vecs, dtype=np.float32), documents=[vocab[i] for i in part])
    return len(new)
