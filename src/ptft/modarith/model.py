"""A small Transformer in the style of Nanda et al. (2023), plain PyTorch: no LayerNorm, ReLU MLP, readout at "=".

Parameter groups by name prefix (the knobs act on these): `embed`, `pos_embed` (the early layers),
`blocks.<i>.attn`, `blocks.<i>.mlp`, and `unembed` (the readout re-initialised at fine-tuning).
"""

import math

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import skip_init


def _normal(shape, std: float, generator: torch.Generator) -> nn.Parameter:
    return nn.Parameter(torch.randn(*shape, generator=generator) * std)


class Attention(nn.Module):
    """Multi-head causal self-attention without biases (Nanda et al.); weights N(0, 1/fan_in)."""

    def __init__(self, d_model: int, n_heads: int, generator: torch.Generator):
        super().__init__()
        d_head, std = d_model // n_heads, 1 / math.sqrt(d_model)
        self.n_heads = n_heads
        self.W_Q = _normal((d_model, d_model), std, generator)
        self.W_K = _normal((d_model, d_model), std, generator)
        self.W_V = _normal((d_model, d_model), std, generator)
        self.W_O = _normal((d_model, d_model), std, generator)

    def forward(self, x: torch.Tensor, last_only: bool, table=None) -> torch.Tensor:
        """x (n, ctx, d) -> (n, q, d) with q = 1 if `last_only` (only the "=" position is read out) else ctx.

        table: the first block's `Table` (Transformer.features), whose rows x is made of: the query-key products and
        the values are then looked up in it rather than computed per sequence (the same values up to rounding).
        """
        n, ctx, d = x.shape
        h = self.n_heads
        q_at = slice(ctx - 1, ctx) if last_only else slice(None)
        if table is None:
            q = (x[:, q_at] @ self.W_Q).view(n, -1, 1, h, d // h)  # (n, q, 1, h, d_head)
            k = (x @ self.W_K).view(n, 1, ctx, h, d // h)
            # Sequences of 4 tokens: broadcast products beat ~10⁴ matrix products of 1 × 16 per batch.
            scores = (q * k).sum(-1)  # (n, q, ctx, h)
            v = x @ self.W_V
        else:
            scores = table.scores(self.W_Q, self.W_K, q_at, h)
            v = table.project(self.W_V, slice(None))
        scores = scores / math.sqrt(d // h)
        v = v.view(n, 1, ctx, h, d // h)
        # Causal mask aligned on the last position: query i may see keys 0..(ctx − q + i).
        mask = torch.ones(scores.shape[1], ctx, dtype=torch.bool, device=x.device).tril(ctx - scores.shape[1])
        att = scores.masked_fill(~mask[:, :, None], float("-inf")).softmax(2)
        return (att[..., None] * v).sum(2).reshape(n, scores.shape[1], d) @ self.W_O


class Table:
    """The first block's input as a lookup table: x[i, j] = rows[at[i, j]], one of R = vocab · n_ctx vectors (token
    embedding + position embedding), so every map of x is computed on the R rows once and looked up per sequence."""

    def __init__(self, rows: torch.Tensor, at: torch.Tensor):
        self.rows, self.at = rows, at  # (R, d), (n, ctx) row index of each token of each sequence

    def project(self, W: torch.Tensor, positions) -> torch.Tensor:
        """x[:, positions] @ W, (n, len(positions), d)."""
        return F.embedding(self.at[:, positions], self.rows @ W)

    def scores(self, W_Q: torch.Tensor, W_K: torch.Tensor, positions, n_heads: int) -> torch.Tensor:
        """Per head, query (at `positions`) · key (at every position), (n, q, ctx, h): the product of every pair of
        rows once, (R, R, h), looked up per (query, key) pair of each sequence."""
        R, d = self.rows.shape
        q = (self.rows @ W_Q).view(R, n_heads, d // n_heads)
        k = (self.rows @ W_K).view(R, n_heads, d // n_heads)
        pairs = torch.einsum("ahd,bhd->abh", q, k).flatten(0, 1)
        return F.embedding(self.at[:, positions, None] * R + self.at[:, None, :], pairs)


class MLP(nn.Module):
    """ReLU MLP with biases; weights N(0, 1/fan_in), biases zero."""

    def __init__(self, d_model: int, d_mlp: int, generator: torch.Generator):
        super().__init__()
        self.W_in = _normal((d_model, d_mlp), 1 / math.sqrt(d_model), generator)
        self.b_in = nn.Parameter(torch.zeros(d_mlp))
        self.W_out = _normal((d_mlp, d_model), 1 / math.sqrt(d_mlp), generator)
        self.b_out = nn.Parameter(torch.zeros(d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x @ self.W_in + self.b_in) @ self.W_out + self.b_out


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_mlp: int, generator: torch.Generator):
        super().__init__()
        self.attn = Attention(d_model, n_heads, generator)
        self.mlp = MLP(d_model, d_mlp, generator)

    def forward(self, x: torch.Tensor, last_only: bool, table=None) -> torch.Tensor:
        x = (x[:, -1:] if last_only else x) + self.attn(x, last_only, table)
        return x + self.mlp(x)


class Transformer(nn.Module):
    """tokens (n, n_ctx) int64 -> logits (n, n_out) at the last position.

    The last block computes only the last position: with causal attention nothing else reaches the readout,
    so this is exact and saves most of the compute of a 4-token sequence. The first block's input is
    embed[token] + pos_embed[position], one of vocab × n_ctx vectors (`Table`): its value map and the query-key
    products of every pair of rows are applied to that table and looked up per sequence (the same values up to
    rounding; at p = 23 with ~1000 sequences a step then costs ~half the multiply-adds, and the scores' lookup
    ~10% less time than their per-sequence products, bench/README.md).
    """

    def __init__(self, *, vocab: int, n_out: int, n_ctx: int, d_model: int, n_heads: int, d_mlp: int,
                 n_layers: int, seed: int):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model = {d_model} is not divisible by n_heads = {n_heads}")
        g = torch.Generator().manual_seed(seed)
        std = 1 / math.sqrt(d_model)  # embeddings as Nanda et al.: N(0, 1/d_model)
        # skip_init: the layers' own initialisers would draw from the global RNG; every draw here uses `g`.
        self.embed = skip_init(nn.Embedding, vocab, d_model)
        self.embed.weight = _normal((vocab, d_model), std, g)
        self.pos_embed = _normal((n_ctx, d_model), std, g)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_mlp, g) for _ in range(n_layers))
        # The readout keeps nn.Linear's default law U(±1/√d_model), drawn from `g`: the fresh FT head
        # (knobs.reset_head, nn.Linear.reset_parameters) then has the PT head's initial law when γ_ft = 1 (γ_ft = c_pt
        # under policy pt_init, whose PT initialisation c_pt scales).
        self.unembed = skip_init(nn.Linear, d_model, n_out, bias=False)
        self.unembed.weight = nn.Parameter((torch.rand(n_out, d_model, generator=g) * 2 - 1) * std)

    def features(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (n, n_ctx) -> the residual stream at "=" (n, d_model): what the readout (and a probe) reads."""
        # Every first-block input, (vocab·n_ctx, d), and the row of each token of each sequence.
        rows = (self.embed.weight[:, None] + self.pos_embed).flatten(0, 1)
        table = Table(rows, tokens * tokens.shape[1] + torch.arange(tokens.shape[1], device=tokens.device))
        x = F.embedding(table.at, rows)
        for i, block in enumerate(self.blocks):
            x = block(x, last_only=i == len(self.blocks) - 1, table=table if i == 0 else None)
        return x[:, -1]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.unembed(self.features(tokens))
