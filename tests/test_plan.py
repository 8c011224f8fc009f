"""`ptft plan`: the cost model predicts the measured job time of the tiny and default configs within 2× (recorded
numbers in bench/unit_costs.yaml, not a timed assertion), and says why paper-scale GD goes to GPUs."""

from pathlib import Path

import pytest

from ptft import arms, config, plan
from ptft.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"default": [], "tiny": ["tests/configs/tiny.yaml"]}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_predicted_job_time_is_within_2x_of_measured(name):
    costs = plan.load_costs(ROOT / plan.COSTS)
    cfg = arms.validate(config.load(ROOT / "config/config.yaml", *(ROOT / f for f in CONFIGS[name])), ROOT)
    table = plan.plan(cfg, costs, arms.PLAN_ROWS)
    # Job time as recorded (inside the jobs: provenance wall_s), i.e. without the Python start-up per job.
    inside = (table["cpu_h"] + table["gpu_h"]) * 3600 - table["jobs"] * costs["job_overhead_s"]
    predicted = inside.groupby(table["arm"]).sum()
    for arm, measured in costs["recorded"][name].items():
        assert 0.5 <= predicted[arm] / measured <= 2.0, (name, arm, predicted[arm], measured)


def test_paper_plan_routes_gd_to_gpus_and_says_why(capsys):
    assert main(["plan", "--configfile", str(ROOT / "config/paper.yaml")]) == 0
    out = capsys.readouterr().out
    assert "GPU-hours" in out and "| dln      | dln_gd" in out and "on CPUs:" in out and "days at the bound" in out
    cfg = arms.validate(config.load(ROOT / "config/config.yaml", ROOT / "config/paper.yaml"), ROOT)
    table = plan.plan(cfg, plan.load_costs(ROOT / plan.COSTS), arms.PLAN_ROWS)
    gd = table.set_index("rule").loc["dln_gd"]
    assert gd["gpu_h"] > 0 and gd["cpu_h"] == 0 and gd["gpu_h_bound"] >= gd["gpu_h"]
    assert set(table["arm"]) == {"dln", "vision", "modarith"} and (table["jobs"] > 0).all()
    training = table[table["rule"].str.contains("gd|pretrain|finetune|minimiser")]
    assert (training["peak_mem_gb"] > 0).all(), training[["rule", "peak_mem_gb"]]  # every arm's peak memory
    modarith = table.set_index("rule").loc["modarith_pretrain", "peak_mem_gb"]
    assert modarith * 1000 <= cfg["modarith"]["resources"]["mem_mb"]  # the estimate fits what its jobs request
    assert "Wall time, a lower bound" in out  # not the run's duration


def test_gpu_check_outputs_become_measured_cuda_units(tmp_path, monkeypatch):
    """bench/gpu_check.sh's outputs (here made up in its formats) turn into CUDA unit costs that replace the estimates."""
    import yaml

    import importlib.util

    spec = importlib.util.spec_from_file_location("plan_units", ROOT / "bench/plan_units.py")
    plan_units = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plan_units)

    (tmp_path / "gpu.txt").write_text("NVIDIA H200, 143771 MiB\n")
    (tmp_path / "dln_gd_cuda.txt").write_text("D=5000 N=2500 runs=20 steps=200 device=cuda\n"
                                              "batched: 0.010 s (50.0 µs/step); CPU floor: 9.9 s\n")
    (tmp_path / "gpu_check.jsonl").write_text('{"label": "fp32", "pipeline_img_s": 20000.0}\n')
    (tmp_path / "modarith_cuda.txt").write_text("batched   :   400.0 member-steps/s\n")
    units = plan_units.measured(tmp_path, plan.load_costs(ROOT / plan.COSTS, measured_gpu=False))
    assert units["dln"]["gd_s_per_ndr_step"]["cuda"] == pytest.approx(50e-6 / (2500 * 5000 * 20))
    assert units["vision"]["s_per_image_epoch"]["cuda"][32] == pytest.approx(1 / 20000)
    written = tmp_path / "unit_costs.cuda.yaml"
    written.write_text(yaml.safe_dump(units))
    costs_file = tmp_path / "unit_costs.yaml"  # GPU_COSTS lies beside the unit costs
    costs_file.write_text((ROOT / plan.COSTS).read_text())
    (costs_file.parent / plan.GPU_COSTS).parent.mkdir(parents=True, exist_ok=True)
    written.replace(costs_file.parent / plan.GPU_COSTS)
    costs = plan.load_costs(costs_file)
    assert costs["vision"]["s_per_image_epoch"]["cuda"][32] == pytest.approx(1 / 20000)
    assert costs["vision"]["s_per_image_epoch"]["cpu"][28] == plan.load_costs(ROOT / plan.COSTS, measured_gpu=False)["vision"][
        "s_per_image_epoch"]["cpu"][28] and "measured by bench/gpu_check.sh" in costs["version"]
    assert "measured once on NVIDIA H200" in costs["uncertainty_gpu"]  # the plan no longer calls them estimates
    assert "estimates" in plan.load_costs(ROOT / plan.COSTS, measured_gpu=False)["uncertainty_gpu"]
