"""Where and how a deep arm's training job computes: its device and threads, from the arm's `compute` block.

Both arms' training scripts (and the DLN GD script, through `pick`) read `compute` from the config rather than from
rule params: it changes no result beyond rounding, so editing it must rerun no training, table or figure.
"""

import torch

from ptft import threads


def pick(device_cfg: str = "auto") -> torch.device:
    """`auto` = the first CUDA device if one is visible, else the CPU; anything else is passed to torch.device."""
    if device_cfg == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device_cfg)


def setup(compute: dict, n_threads: int) -> torch.device:
    """Pin this process to `n_threads` (torch and BLAS pools; the rule's `threads:`, from compute.threads) and return
    the device of `compute["device"]`."""
    threads.pin(n_threads)
    return pick(compute["device"])
