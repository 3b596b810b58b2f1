"""Write a trained reader (training/out/…/reader.npz, fp32) as the file the package ships: knowledge/reader/reader.npz.

    .venv/bin/python -m training.export_reader training/out/reader/reader.npz

Each weight matrix is kept as int8 rows with one fp32 scale per row (what onnxruntime's per-channel int8 quantisation
of the graph keeps anyway), biases and LayerNorms as fp16: a quarter of the fp32 size. Prints the size and how far
the rows moved (the largest relative error of any weight).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from knowledge.reader import TRAINED


def compact(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        if value.ndim == 2 and value.size >= 4096:
            scale = np.maximum(np.abs(value).max(axis=1), 1e-8) / 127.0
            out[name + ".i8"] = np.clip(np.rint(value / scale[:, None]), -127, 127).astype(np.int8)
            out[name + ".scale"] = scale.astype(np.float32)
        else:
            out[name] = value.astype(np.float16 if value.ndim == 1 and name != "span.b" else np.float32)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trained", type=Path)
    ap.add_argument("--out", type=Path, default=TRAINED)
    args = ap.parse_args()
    with np.load(args.trained) as z:
        arrays = {k: z[k] for k in z.files}
    if "span.w" not in arrays:
        raise SystemExit(f"{args.trained} has no span head: not a reader run of training/train_reader.py")
    small = compact(arrays)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **small)
    worst = 0.0
    for name, value in arrays.items():
        if name + ".i8" in small:
            back = small[name + ".i8"].astype(np.float32) * small[name + ".scale"][:, None]
            worst = max(worst, float(np.abs(back - value).max() / np.abs(value).max()))
    print(f"wrote {args.out}: {args.out.stat().st_size / 1e6:.1f} MB ({len(arrays)} tensors, "
          f"{sum(v.size for v in arrays.values()) / 1e6:.1f} M values); largest weight error {worst:.4f} of its range")


if __name__ == "__main__":
    main()
