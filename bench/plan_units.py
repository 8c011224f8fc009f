"""CUDA unit costs for `ptft plan` from the outputs of bench/gpu_check.sh: `python bench/plan_units.py bench/out`
(from the repository root).

Prints YAML that mirrors the `cuda` entries of bench/unit_costs.yaml; ptft.plan.load_costs overlays it when
bench/out/unit_costs.cuda.yaml exists, so a plan made after a GPU check uses measured GPU numbers, not estimates.
"""

import json
import re
import sys
from pathlib import Path

import yaml

from ptft import config


def dln_gd(text: str) -> dict:
    """Seconds per N·D·R of one batched GD step on the GPU (its launches folded in: an upper bound)."""
    d, n, r = (int(re.search(rf"{k}=(\d+)", text).group(1)) for k in ("D", "N", "runs"))
    per_step = float(re.search(r"\(([\d.]+) µs/step\)", text).group(1)) * 1e-6
    return {"gd_s_per_ndr_step": {"cuda": per_step / (n * d * r)}, "gd_s_per_step": {"cuda": 0.0}}


def vision(lines) -> dict:
    """Seconds per image-epoch, fp32 at 32 px (the plan's default precision); 28 px at the same rate, since on a large
    GPU the step is bound by launches, not pixels (bench/README.md, "First run on a GPU")."""
    rows = [json.loads(line) for line in lines if line.strip()]
    fp32 = next(r for r in rows if r.get("label") == "fp32" and not r.get("failed"))
    s32 = 1.0 / fp32["pipeline_img_s"]
    return {"s_per_image_epoch": {"cuda": {32: s32, 28: s32}}}


ROOT = Path(__file__).resolve().parents[1]  # the checkout this benchmark lives in


def modarith(text: str, reference_width: int) -> dict:
    """Seconds per member-step-example of the vmapped ensemble (measured at the paper config's model), rescaled to
    the plan's reference width."""
    cfg = config.load(ROOT / "config/config.yaml", ROOT / "config/paper.yaml")
    m = cfg["modarith"]
    width = m["model"]["d_model"] * (m["model"]["d_model"] + m["model"]["d_mlp"]) * m["model"]["n_layers"]
    examples = m["pt_train_frac"] * m["p"] ** 2
    rate = float(re.search(r"batched\s*:\s*([\d.]+) member-steps/s", text).group(1))
    return {"s_per_member_step_example": {"cuda": reference_width / width / (rate * examples)}}


def measured(out: Path, costs: dict) -> dict:
    """Whatever the GPU check measured, as a partial unit-cost document (missing or failed parts are left out)."""
    gpu = (out / "gpu.txt").read_text().strip().splitlines()[-1]  # nvidia-smi's row: name, memory, driver
    units = {"version": f"CUDA units measured by bench/gpu_check.sh on {gpu}",
             "uncertainty_gpu": f"GPU units measured once on {gpu} (bench/out/gpu_check.md; launches folded in; "
                                "vision: fp32 at batch 128), each job alone on its GPU (several ResNet jobs share "
                                "one well: bench/README.md); other GPUs scale with their speed."}
    parts = [("dln", lambda: dln_gd((out / "dln_gd_cuda.txt").read_text())),
             ("vision", lambda: vision((out / "gpu_check.jsonl").read_text().splitlines())),
             ("modarith", lambda: modarith((out / "modarith_cuda.txt").read_text(),
                                           costs["modarith"]["reference_width"]))]
    for arm, read in parts:
        try:
            units[arm] = read()
        except (FileNotFoundError, AttributeError, StopIteration, KeyError, ValueError) as err:
            print(f"# {arm}: not measured ({err.__class__.__name__}: {err})", file=sys.stderr)
    return units


if __name__ == "__main__":
    from ptft.plan import COSTS, load_costs

    print(yaml.safe_dump(measured(Path(sys.argv[1]), load_costs(ROOT / COSTS, measured_gpu=False)), sort_keys=False),
          end="")
