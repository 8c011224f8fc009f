"""The Transformer and the three knobs on its named parameter groups. Tolerances: exact where a knob scales
parameters (float32 multiplication, rel 1e-6), atol 1e-5 for forward-pass comparisons."""

import pytest
import torch

from ptft.modarith import tasks, train

P = 7
ARCH = {"d_model": 16, "n_heads": 2, "d_mlp": 32, "n_layers": 2}
EARLY = ["embed", "pos_embed"]


def tokens():
    x, _ = tasks.dataset(P, "add", torch.arange(P * P).numpy())
    return torch.from_numpy(x)


def norms(model):
    return {n: p.detach().norm().item() for n, p in model.named_parameters()}


def test_last_position_shortcut_equals_the_full_forward():
    model = train.build(P, ARCH, seed=0)
    x = tokens()
    h = model.embed(x) + model.pos_embed
    for block in model.blocks:
        h = block(h, last_only=False)  # every position through every block
    assert torch.allclose(model(x), model.unembed(h[:, -1]), atol=1e-5)


def reference_logits(model, x):
    """The Transformer written out plainly (every position through every block, attention by matrix products):
    the model's table lookup, last-position shortcut and broadcast attention must compute the same function."""
    h = model.embed(x) + model.pos_embed
    for block in model.blocks:
        a, n, ctx, d = block.attn, *h.shape
        split = [(h @ W).view(n, ctx, a.n_heads, -1).transpose(1, 2) for W in (a.W_Q, a.W_K, a.W_V)]
        scores = split[0] @ split[1].transpose(-1, -2) / (d // a.n_heads) ** 0.5
        causal = torch.ones(ctx, ctx, dtype=torch.bool).tril()
        mixed = scores.masked_fill(~causal, float("-inf")).softmax(-1) @ split[2]
        h = h + mixed.transpose(1, 2).reshape(n, ctx, d) @ a.W_O
        h = h + block.mlp(h)
    return model.unembed(h[:, -1])


@pytest.mark.parametrize("n_layers", [1, 2])
def test_model_equals_the_plain_transformer_in_value_and_gradient(n_layers):
    model = train.build(P, {**ARCH, "n_layers": n_layers}, seed=0).double()
    x = tokens()
    fast, plain = model(x), reference_logits(model, x)
    assert torch.allclose(fast, plain, rtol=1e-12, atol=1e-12)
    grads = [torch.autograd.grad(out.square().sum(), list(model.parameters())) for out in (fast, plain)]
    for name, g_fast, g_plain in zip(dict(model.named_parameters()), *grads):
        assert torch.allclose(g_fast, g_plain, rtol=1e-10, atol=1e-12), name


def test_causal_mask_hides_later_tokens():
    model = train.build(P, ARCH, seed=0)
    x = tokens()[:1]
    h = model.embed(x) + model.pos_embed
    changed = x.clone()
    changed[0, 3] = 0  # a later token must not move the earlier positions
    h2 = model.embed(changed) + model.pos_embed
    block = model.blocks[0]
    assert torch.allclose(block(h, False)[:, :3], block(h2, False)[:, :3], atol=1e-6)


@pytest.mark.parametrize("alpha_rel", [0.5, 4.0])
def test_alpha_rel_divides_the_embeddings_only(alpha_rel):
    plain = norms(train.pt_member(P, ARCH, seed=1, alpha_rel=1.0, c_pt=1.0, early_prefixes=EARLY))
    knob = norms(train.pt_member(P, ARCH, seed=1, alpha_rel=alpha_rel, c_pt=1.0, early_prefixes=EARLY))
    for name, value in plain.items():
        factor = 1 / alpha_rel if name.split(".")[0] in EARLY else 1.0
        assert knob[name] == pytest.approx(value * factor, rel=1e-6), name


def test_c_pt_scales_every_parameter_and_the_logits_polynomially():
    a = train.pt_member(P, ARCH, seed=2, alpha_rel=2.0, c_pt=1.0, early_prefixes=EARLY)
    b = train.pt_member(P, ARCH, seed=2, alpha_rel=2.0, c_pt=3.0, early_prefixes=EARLY)
    for name, value in norms(a).items():
        assert norms(b)[name] == pytest.approx(3 * value, rel=1e-6), name
    # Without LayerNorm the network is not homogeneous (softmax), but the logits must grow with c_pt.
    assert model_scale(b) > 3 * model_scale(a)


def model_scale(model):
    with torch.no_grad():
        return model(tokens()).std().item()


def test_gamma_ft_resets_only_the_readout_at_scale_gamma():
    pt = train.pt_member(P, ARCH, seed=3, alpha_rel=1.0, c_pt=1.0, early_prefixes=EARLY)
    state = {k: v.clone() for k, v in pt.state_dict().items()}
    ft1 = train.ft_member(P, ARCH, state, seed=3, gamma_ft=1.0, head="unembed")
    ft10 = train.ft_member(P, ARCH, state, seed=3, gamma_ft=10.0, head="unembed")
    ft0 = train.ft_member(P, ARCH, state, seed=3, gamma_ft=0.0, head="unembed")
    for name, value in state.items():
        if name.startswith("unembed"):
            assert not torch.equal(ft1.state_dict()[name], value)  # a fresh draw, not the PT readout
            assert torch.allclose(ft10.state_dict()[name], 10 * ft1.state_dict()[name], rtol=1e-6)
        else:
            assert torch.equal(ft1.state_dict()[name], value), name  # the PT features are kept as they are
    with torch.no_grad():
        x = tokens()
        assert torch.allclose(ft10(x), 10 * ft1(x), rtol=1e-5, atol=1e-5)  # the readout is linear in γ_ft
        assert torch.count_nonzero(ft0(x)) == 0  # γ_ft = 0: the FT function starts at zero, as β_FT(0) = 0


def test_c_pt_at_ft_start_scales_the_pt_body_and_leaves_the_fresh_readout_to_gamma():
    """Policy ft_start: every loaded PT parameter × c_pt, then the fresh head × γ_ft (the head is the same draw at
    every c_pt, so c_pt acts on the body alone, as under pt_init)."""
    pt = train.pt_member(P, ARCH, seed=3, alpha_rel=1.0, c_pt=1.0, early_prefixes=EARLY)
    state = {k: v.clone() for k, v in pt.state_dict().items()}
    plain = train.ft_member(P, ARCH, state, seed=3, gamma_ft=0.5, head="unembed")
    scaled = train.ft_member(P, ARCH, state, seed=3, gamma_ft=0.5, head="unembed", c_pt=2.0)
    for name, value in state.items():
        if name.startswith("unembed"):
            assert torch.equal(scaled.state_dict()[name], plain.state_dict()[name])
        else:
            assert torch.equal(scaled.state_dict()[name], 2.0 * value), name
    assert all(torch.equal(v, state[k]) for k, v in pt.state_dict().items())  # the PT state itself is not touched


def test_fresh_readout_has_the_pt_readout_law_at_gamma_one():
    """PT head: U(±1/√d_model); reset_head uses nn.Linear's default, the same law (std 1/√(3·d_model))."""
    d = 256
    arch = {**ARCH, "d_model": d, "n_heads": 4}
    pt = train.build(P, arch, seed=0)
    ft = train.ft_member(P, arch, pt.state_dict(), seed=0, gamma_ft=1.0, head="unembed")
    want = (3 * d) ** -0.5
    for w in (pt.unembed.weight, ft.unembed.weight):  # 7 × 256 draws: std within 10%
        assert w.std().item() == pytest.approx(want, rel=0.1)
        assert w.abs().max().item() <= d**-0.5


def test_init_is_a_function_of_the_seed_and_leaves_the_global_rng_alone():
    state = torch.get_rng_state()
    a, b, c = (train.build(P, ARCH, seed=s) for s in (0, 0, 1))
    assert torch.equal(state, torch.get_rng_state())
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.unembed.weight, c.unembed.weight)
