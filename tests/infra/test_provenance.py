"""Provenance on the tiny pipeline run: a complete record beside every output, `ptft audit` passes on the clean
run and fails on a tampered or missing input, a lost run makes aggregation fail loudly, and the HTML report builds."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ptft import audit, collect, provenance

pytestmark = pytest.mark.slow


def outputs(workdir: Path):
    """Every result file (not records, not hidden scratch folders)."""
    return sorted(p for p in (workdir / "results").rglob("*") if p.is_file() and not p.name.endswith(provenance.SUFFIX)
                  and not any(part.startswith(".") for part in p.relative_to(workdir).parts))


def ptft_audit(workdir, *paths):
    return subprocess.run([sys.executable, "-m", "ptft", "audit", *paths], cwd=workdir, capture_output=True, text=True)


@pytest.fixture
def run_copy(tiny_workdir, tmp_path):
    """A private copy of the tiny run, safe to tamper with."""
    dst = tmp_path / "run"
    shutil.copytree(tiny_workdir, dst, symlinks=True)
    return dst


def test_every_output_has_a_complete_record(tiny_workdir):
    files = outputs(tiny_workdir)
    assert len(files) > 10
    for path in files:
        rec_path = provenance.record_path(path)
        assert rec_path.exists(), f"no record for {path}"
        rec = pd.read_json(rec_path, typ="series").to_dict()
        assert not audit.missing_fields(rec), (path, audit.missing_fields(rec))
        assert rec["sha256"] == provenance.sha256(path), path
        assert rec["data_source"] in provenance.SOURCE_ORDER, path
        assert rec["git"]["commit"] and {"torch", "snakemake", "python"} <= set(rec["packages"]), path
        assert rec["output"] == str(path.relative_to(tiny_workdir))


def test_audit_passes_on_the_clean_run(tiny_workdir):
    out = ptft_audit(tiny_workdir, "results/scorecard.md", "results/dln/figures/fig3.pdf")
    assert out.returncode == 0, out.stdout + out.stderr
    lineage = audit.audit(tiny_workdir / "results/scorecard.md")
    rules = {rec["rule"] for rec in lineage.records.values()}
    assert {"scorecard", "dln_collect", "dln_gd"} <= rules, rules


def test_audit_fails_on_a_tampered_run(run_copy):
    run = sorted((run_copy / "results/dln/gd").glob("*.csv"))[0]
    run.write_text(run.read_text().replace("0.", "0.9", 1))
    out = ptft_audit(run_copy, "results/dln/figures/fig3.pdf")
    assert out.returncode == 1 and "CHANGED" in out.stdout and run.name in out.stdout, out.stdout


def test_audit_fails_on_a_missing_input(run_copy):
    (run_copy / "results/dln/simulations.csv").unlink()
    out = ptft_audit(run_copy, "results/scorecard.md")
    assert out.returncode == 1 and "MISSING" in out.stdout and "simulations.csv" in out.stdout, out.stdout


def test_lost_run_fails_aggregation_loudly(run_copy, pipeline_cmd):
    """A run table row without a result: the collect rule stops with MissingRunsError naming the count."""
    run = sorted((run_copy / "results/dln/gd").glob("*.csv"))[0]
    df = pd.read_csv(run)
    df.iloc[1:].to_csv(run, index=False)
    cmd = pipeline_cmd(run_copy, "--cores", "1", "--allowed-rules", "dln_collect", "--forcerun", "dln_collect",
                       "--", "results/dln/simulations.csv")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    log = out.stdout + out.stderr + "".join(p.read_text() for p in (run_copy / "logs/dln").glob("collect*.log"))
    assert out.returncode != 0 and "MissingRunsError" in log and "missing" in log, log[-3000:]


def test_truncated_simulations_stop_every_reader(run_copy, pipeline_cmd):
    """simulations.csv cut to 40% of its rows: the figure, agreement and scorecard steps that read it stop with an
    error naming the file (they used to rebuild from what was left, n = 1, with exit 0)."""
    sims = run_copy / "results/dln/simulations.csv"
    lines = sims.read_text().splitlines(keepends=True)
    sims.write_text("".join(lines[: max(2, int(0.4 * len(lines)))]))
    cmd = pipeline_cmd(run_copy, "--cores", "1", "--keep-going", "--allowed-rules", "dln_fig3", "dln_agreement",
                       "scorecard", "dln_finite_size", "--forcerun", "dln_fig3", "dln_agreement", "scorecard",
                       "dln_finite_size", "--", "results/dln/figures/fig3.pdf", "results/dln/tables/agreement.md",
                       "results/scorecard.md", "results/dln/tables/finite_size.md")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr + "".join(p.read_text() for p in (run_copy / "logs").rglob("*.log"))
    assert out.returncode != 0, log[-3000:]
    assert log.count("DamagedTableError") >= 4 and "simulations.csv" in log, log[-3000:]


# Tables made by a collect step, each cut to 40% of its rows, and a step that reads it with the output asked of it.
DAMAGED = {
    "results/vision/finetune.csv": ("vision_figure", "results/vision/figures/ft_acc_relative.pdf"),
    "results/vision/ensd.csv": ("vision_ensd_figure", "results/vision/figures/ensd.pdf"),
    "results/modarith/finetune.csv": ("modarith_steps_figure", "results/modarith/figures/steps_to_generalise.pdf"),
    "results/modarith/pretrain_ops.csv": ("modarith_tables", "results/modarith/tables/finetune_summary.md"),
    "results/dln/replica.csv": ("dln_fig4", "results/dln/figures/fig4.pdf"),
    "results/dln/replica_single_task.csv": ("dln_single_task_collect", "results/dln/tables/single_task.md"),
}


def truncate(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[: max(2, int(0.4 * len(lines)))]))


def test_truncated_tables_stop_the_steps_that_read_them(run_copy, pipeline_cmd):
    """Deep-arm FT, ENSD and per-operation tables and the replica curves cut short: each step reading one (a figure,
    a table) stops with an error naming the file (they used to rebuild from what was left, with exit 0)."""
    for table in DAMAGED:
        truncate(run_copy / table)
    rules = sorted({rule for rule, _ in DAMAGED.values()})
    cmd = pipeline_cmd(run_copy, "--cores", "1", "--keep-going", "--allowed-rules", *rules, "--forcerun", *rules,
                       "--", *[target for _, target in DAMAGED.values()])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode != 0, log[-3000:]
    for table, (rule, _) in DAMAGED.items():
        assert f"Error in rule {rule}" in log, (rule, log[-3000:])
        assert f"DamagedTableError: {table}: " in log, (table, log[-3000:])


@pytest.mark.parametrize("table", ["results/dln/regime_curves.csv", "results/dln/tables/finite_size.csv"])
def test_truncated_scorecard_input_stops_the_scorecard(run_copy, pipeline_cmd, table):
    """Every table the scorecard reads is checked (the regime curves against the Figure 4 grid × α, the finite-size
    table against the points it was made from), so a truncated one stops it naming the file."""
    truncate(run_copy / table)
    cmd = pipeline_cmd(run_copy, "--cores", "1", "--allowed-rules", "scorecard", "--forcerun", "scorecard", "--",
                       "results/scorecard.md")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode != 0 and f"DamagedTableError: {table}: " in log, log[-3000:]


def test_check_complete_raises_or_reports():
    expected = pd.DataFrame({"run_id": ["a", "b", "c"]})
    found = pd.DataFrame({"run_id": ["a", "c"]})
    with pytest.raises(collect.MissingRunsError, match="1 of 3 runs missing"):
        collect.check_complete(found, expected)
    assert list(collect.check_complete(found, expected, allow_missing=True)["run_id"]) == ["b"]


def test_html_report_shows_every_figure_with_caption(tiny_report):
    html = (tiny_report / "results/report.html").read_text()
    figures = [p for p in outputs(tiny_report) if p.suffix == ".png"]
    assert figures
    for fig in figures:
        assert fig.name in html, fig.name
    assert "Scorecard" in html and "Provenance" in html and "data source" in html


def planned(workdir, pipeline_cmd, *args, configfiles) -> dict:
    """{rule: jobs} of a dry run (`-n --quiet rules`: the job counts table) in `workdir` with these configs."""
    out = subprocess.run(pipeline_cmd(workdir, "-n", "--quiet", "rules", *args, configfiles=configfiles),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    counts = (line.split() for line in out.stdout.splitlines())  # the job counts table: "<rule>  <n>"
    return {row[0]: int(row[1]) for row in counts if len(row) == 2 and row[1].isdigit() and row[0] != "total"}


def scheduled(workdir, pipeline_cmd, repo_root, edits: Path, text: str) -> set:
    """The rules a dry run of the finished tiny run schedules once the config edits `text` are merged on top."""
    edits.write_text(text)
    configs = (repo_root / "config/config.yaml", repo_root / "tests/configs/tiny.yaml", edits)
    return set(planned(workdir, pipeline_cmd, configfiles=configs))


def test_one_figure_recipe_reruns_that_figure_only(tiny_workdir, pipeline_cmd, repo_root):
    """README, "Regenerating one figure": `--force <figure>` on a finished run plans that figure's job and nothing
    else (a target written after `--forcerun RULE` would be read as a rule name and plan the whole DAG)."""
    configs = (repo_root / "config/config.yaml", repo_root / "tests/configs/tiny.yaml")
    jobs = planned(tiny_workdir, pipeline_cmd, "--force", "results/dln/figures/fig3.png", configfiles=configs)
    assert jobs == {"dln_fig3": 1}, jobs


def test_editing_compute_reruns_no_table_or_figure(tiny_workdir, pipeline_cmd, repo_root, tmp_path):
    """`compute` and `resources` say how jobs run, not what they compute: no training, collect or figure job
    reruns (the scripts read them from the config, not from params)."""
    rules = scheduled(tiny_workdir, pipeline_cmd, repo_root, tmp_path / "compute.yaml",
                      "vision: {compute: {threads: 2, eval_batch: 128}}\ndln: {compute: {threads: 2, device: auto}}\n"
                      "modarith: {compute: {threads: 2, device: cpu}, resources: {mem_mb: 8000}}\n")
    assert not rules & {"vision_pretrain", "vision_finetune", "vision_collect", "vision_figure", "vision_ensd_figure",
                        "modarith_pretrain", "modarith_finetune", "modarith_collect", "modarith_tables",
                        "modarith_figure", "modarith_steps_figure", "modarith_grokking_figure", "dln_gd", "dln_fig3",
                        "dln_collect", "scorecard"}, rules


@pytest.mark.parametrize("edit,rerun,kept", [
    ("modarith: {ft: {lr: 0.02}}", {"modarith_finetune", "modarith_collect"}, {"modarith_pretrain"}),
    ("modarith: {generalise_acc: 0.5}", {"modarith_collect", "modarith_steps_figure"},
     {"modarith_pretrain", "modarith_finetune"}),  # read from the histories by modarith_collect
    ("modarith: {pt: {lr: 0.02}}", {"modarith_pretrain", "modarith_finetune"}, set()),
    ("vision: {policies: {gamma_ft: fresh}}", {"vision_finetune", "vision_collect"}, {"vision_pretrain"}),
    ("vision: {ensd: {sweep: absolute}}", {"vision_ensd_figure"}, {"vision_pretrain", "vision_finetune"}),
])
def test_editing_a_setting_reruns_the_jobs_that_read_it(tiny_workdir, pipeline_cmd, repo_root, tmp_path, edit,
                                                         rerun, kept):
    """Run ids and params hold what each job reads: an FT setting reruns no pretraining, a figure's none."""
    rules = scheduled(tiny_workdir, pipeline_cmd, repo_root, tmp_path / "edit.yaml", edit + "\n")
    assert rerun <= rules and not rules & kept, rules


def test_a_killed_run_resumes_with_the_readmes_commands(run_copy, pipeline_cmd):
    """kill -9 in the middle of a run, then docs/running.md's recipe: `snakemake --unlock`, and the same command again.
    The profile's --rerun-incomplete redoes the half-written outputs; the rerun ends with everything built."""
    import os
    import signal
    import time

    for rel in ("results/dln/minimiser", "results/dln/minimiser.csv", "results/dln/figures", "results/scorecard.md"):
        target = run_copy / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    cmd = pipeline_cmd(run_copy, "--cores", "1")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not any((run_copy / "results/dln/minimiser").glob("*.csv")):
        time.sleep(0.5)  # killed once the first theory-point job has finished, mid-run
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # The failure the recipe answers: the killed run left its lock, so the plain command alone is refused.
    assert any((run_copy / ".snakemake/locks").iterdir())
    locked = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert locked.returncode != 0 and "cannot be locked" in locked.stdout + locked.stderr, locked.stderr[-2000:]
    subprocess.run(pipeline_cmd(run_copy, "--unlock"), capture_output=True, text=True, timeout=120, check=True)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    assert (run_copy / "results/scorecard.md").exists() and (run_copy / "results/dln/figures/fig3.pdf").exists()
