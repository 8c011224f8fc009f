"""`ptft plan`: the cost model predicts the measured job time of the tiny and default configs within 2× (recorded
numbers in bench/unit_costs.yaml, not a timed assertion), and says why paper-scale GD goes to GPUs."""

from pathlib import Path

import pytest

from ptft import config, plan
from ptft.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"default": [], "tiny": ["tests/configs/tiny.yaml"]}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_predicted_job_time_is_within_2x_of_measured(name):
    costs = plan.load_costs()
    cfg = config.validate(config.load(ROOT / "config/config.yaml", *(ROOT / f for f in CONFIGS[name])))
    table = plan.plan(cfg, costs)
    # Job time as recorded (inside the jobs: provenance wall_s), i.e. without the Python start-up per job.
    inside = (table["cpu_h"] + table["gpu_h"]) * 3600 - table["jobs"] * costs["job_overhead_s"]
    predicted = inside.groupby(table["arm"]).sum()
    for arm, measured in costs["recorded"][name].items():
        assert 0.5 <= predicted[arm] / measured <= 2.0, (name, arm, predicted[arm], measured)


def test_paper_plan_routes_gd_to_gpus_and_says_why(capsys):
    assert main(["plan", "--configfile", str(ROOT / "config/paper.yaml")]) == 0
    out = capsys.readouterr().out
    assert "GPU-hours" in out and "| dln      | dln_gd" in out and "on CPUs:" in out and "days at the bound" in out
    table = plan.plan(config.validate(config.load(ROOT / "config/config.yaml", ROOT / "config/paper.yaml")))
    gd = table.set_index("rule").loc["dln_gd"]
    assert gd["gpu_h"] > 0 and gd["cpu_h"] == 0 and gd["gpu_h_bound"] >= gd["gpu_h"]
    assert set(table["arm"]) == {"dln", "vision", "modarith"} and (table["jobs"] > 0).all()
