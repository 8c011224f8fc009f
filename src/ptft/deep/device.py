"""Which torch device a job runs on."""

import torch


def pick(device_cfg: str = "auto") -> torch.device:
    """`auto` = the first CUDA device if one is visible, else the CPU; anything else is passed to torch.device."""
    if device_cfg == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device_cfg)
