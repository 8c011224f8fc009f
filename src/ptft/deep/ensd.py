"""Feature reuse: the effective number of shared dimensions (ENSD) per layer, from N×N matrices only.

REFERENCE §5. For activations X (N samples × D features) of one layer, C = XᵀX / tr(XᵀX) (uncentred),
PR = tr(C)² / tr(C²) = 1 / tr(C²), and ENSD = PR_pre · PR_post · tr(C_pre C_post).
Everything is computed from N×N products: tr(XᵀX) = tr(XXᵀ), tr((XᵀX)²) = ‖XXᵀ‖_F², and
tr(X₁ᵀX₁ X₂ᵀX₂) = ‖X₁X₂ᵀ‖_F², so a layer of D = 10⁵ features costs no more than one of 10.
ENSD = PR when the two representations are identical; it lies in [0, min(PR_pre, PR_post)].
"""

import torch


def ensd_terms(x_pre: torch.Tensor, x_post: torch.Tensor) -> dict:
    """PR of each representation and their ENSD. x_pre, x_post: (N, ...) activations of the same N inputs
    and the same layer (flattened to N × D; float64 accumulation)."""
    a = x_pre.reshape(len(x_pre), -1).double()
    b = x_post.reshape(len(x_post), -1).double()
    if a.shape != b.shape:
        raise ValueError(f"pre and post activations differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
    k_pre, k_post, k_cross = a @ a.T, b @ b.T, a @ b.T  # each N × N
    tr_pre, tr_post = torch.trace(k_pre), torch.trace(k_post)
    pr_pre = tr_pre**2 / (k_pre**2).sum()
    pr_post = tr_post**2 / (k_post**2).sum()
    overlap = (k_cross**2).sum() / (tr_pre * tr_post)  # tr(C_pre C_post)
    return {"pr_pre": float(pr_pre), "pr_post": float(pr_post), "ensd": float(pr_pre * pr_post * overlap)}


def ensd(x_pre: torch.Tensor, x_post: torch.Tensor) -> float:
    return ensd_terms(x_pre, x_post)["ensd"]


@torch.no_grad()
def activations(model: torch.nn.Module, x: torch.Tensor, layers, batch_size: int = 256) -> dict:
    """Outputs of the named submodules `layers` on inputs x (N, ...), as {name: (N, D) float32 on the CPU}.

    The model is evaluated in eval mode (BN running statistics), in batches, with forward hooks.
    """
    was_training = model.training
    model.eval()
    out = {name: [] for name in layers}
    hooks = [model.get_submodule(name).register_forward_hook(
        lambda _m, _i, y, name=name: out[name].append(y.detach().flatten(1).float().cpu())) for name in layers]
    try:
        for i in range(0, len(x), batch_size):
            model(x[i:i + batch_size])
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return {name: torch.cat(chunks) for name, chunks in out.items()}


def ensd_per_layer(model_pre, model_post, x: torch.Tensor, layers, batch_size: int = 256) -> list[dict]:
    """One {layer, pr_pre, pr_post, ensd} record per named layer, between two models on the same inputs."""
    pre = activations(model_pre, x, layers, batch_size)
    post = activations(model_post, x, layers, batch_size)
    return [{"layer": name, **ensd_terms(pre[name], post[name])} for name in layers]
