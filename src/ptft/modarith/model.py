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

    def forward(self, x: torch.Tensor, last_only: bool, project=None) -> torch.Tensor:
        """x (n, ctx, d) -> (n, q, d) with q = 1 if `last_only` (only the "=" position is read out) else ctx.

        project(W, positions) -> x[:, positions] @ W (n, len(positions), d): the query, key and value maps. The
        first block passes one that looks them up in the projected (token, position) table (Transformer.features).
        """
        n, ctx, d = x.shape
        h = self.n_heads
        if project is None:
            def project(W, positions):
                return x[:, positions] @ W
        q_at = slice(ctx - 1, ctx) if last_only else slice(None)
        q = project(self.W_Q, q_at).view(n, -1, 1, h, d // h)  # (n, q, 1, h, d_head)
        k = project(self.W_K, slice(None)).view(n, 1, ctx, h, d // h)
        v = project(self.W_V, slice(None)).view(n, 1, ctx, h, d // h)
        # Sequences of 4 tokens: broadcast products beat ~10⁴ matrix products of 1 × 16 per batch.
        scores = (q * k).sum(-1) / math.sqrt(d // h)  # (n, q, ctx, h)
        # Causal mask aligned on the last position: query i may see keys 0..(ctx − q + i).
        mask = torch.ones(q.shape[1], ctx, dtype=torch.bool, device=x.device).tril(ctx - q.shape[1])
        att = scores.masked_fill(~mask[:, :, None], float("-inf")).softmax(2)
        return (att[..., None] * v).sum(2).reshape(n, q.shape[1], d) @ self.W_O


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

    def forward(self, x: torch.Tensor, last_only: bool, project=None) -> torch.Tensor:
        x = (x[:, -1:] if last_only else x) + self.attn(x, last_only, project)
        return x + self.mlp(x)


class Transformer(nn.Module):
    """tokens (n, n_ctx) int64 -> logits (n, n_out) at the last position.

    The last block computes only the last position: with causal attention nothing else reaches the readout,
    so this is exact and saves most of the compute of a 4-token sequence. The first block's input is
    embed[token] + pos_embed[position], one of vocab × n_ctx vectors: its query, key and value maps are applied to
    that table and looked up per sequence (the same values up to rounding; at p = 23 with ~1000 sequences a step
    then costs ~half the multiply-adds).
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
        table = (self.embed.weight[:, None] + self.pos_embed).flatten(0, 1)
        at = tokens * tokens.shape[1] + torch.arange(tokens.shape[1], device=tokens.device)

        def lookup(W, positions):  # x[:, positions] @ W of the first block, from the table projected once
            return F.embedding(at[:, positions], table @ W)

        x = F.embedding(at, table)
        for i, block in enumerate(self.blocks):
            x = block(x, last_only=i == len(self.blocks) - 1, project=lookup if i == 0 else None)
        return x[:, -1]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.unembed(self.features(tokens))
