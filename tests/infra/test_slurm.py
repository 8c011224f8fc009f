"""The tiny pipeline on a real single-node Slurm cluster through the SLURM profile.

Starts munged, slurmctld and slurmd (Debian's slurm-wlm, installed by tests/infra/slurm/setup.sh when missing) in
a temporary folder with a node that declares fake GPUs, runs the tiny config with `--executor slurm
--workflow-profile profiles/slurm`, checks the outputs and that GPU rules were submitted with a GPU
request, and stops the daemons it started by PID. Skips, saying why, where Slurm cannot be installed or started.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ptft import config
from ptft.dln import experiments

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

SETUP = Path(__file__).parent / "slurm" / "setup.sh"
BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo")
RUN_TIMEOUT_S = 900  # the whole Slurm run; sacct-style hangs must fail the test, not stall CI
# A GPU rule of the DLN arm for this test only: DLN jobs have no GPU request of their own.
GPU_RULE = "dln_gd"
CPU_ONLY = ("rule_dln_", "rule_replica_", "group_")
# One GD job (the GPU rule: a seed's tasks) and the single-task runs with their aggregation: every kind of job (single,
# grouped, local) in about a minute; the other GD jobs (the same rule), the replica curves and the figures are
# left to the local end-to-end test.
ROOT = Path(__file__).resolve().parents[2]
DLN = config.load(ROOT / "config/config.yaml", ROOT / "tests/configs/tiny.yaml")["dln"]
TARGETS = (f"results/dln/gd/{experiments.gd_jobs(experiments.gd_run_table(DLN), DLN['compute']['job']).iloc[0]}.csv",
           "results/dln/single_task.csv")
# Job slots of the node, more than the machine's cores: the jobs mostly wait on Python start-up, and each wave of
# jobs costs the executor's growing status-check interval.
SLOTS = 8
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


def slurm_missing_reason() -> str | None:
    """None when Slurm is (or could be made) available, else why not."""
    if all(shutil.which(b) for b in BINARIES):
        return None
    if os.geteuid() != 0:
        return "Slurm is not installed and installing it (apt-get install slurm-wlm munge) needs root"
    try:
        out = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, timeout=960)
    except subprocess.TimeoutExpired:
        return "installing Slurm timed out"
    if out.returncode != 0 or not all(shutil.which(b) for b in BINARIES):
        return f"Slurm could not be installed: {(out.stdout + out.stderr).strip()[-400:]}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlurmCluster:
    """munged + slurmctld + slurmd of one node (SLOTS CPUs and as many fake GPUs), all files under `base`."""

    def __init__(self, base: Path):
        self.base, self.node = base, "ptftnode"
        self.conf = base / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.pid_files = [base / "munge/munged.pid", base / "slurmctld.pid", base / "slurmd.pid"]

    def start(self) -> None:
        self.base.chmod(0o755)
        self.start_munge()
        self.write_config()
        subprocess.run(["slurmctld", "-f", str(self.conf), "-i"], env=self.env, check=True, timeout=30)
        subprocess.run(["slurmd", "-f", str(self.conf), "-N", self.node], env=self.env, check=True, timeout=30)
        self.wait_idle()

    def start_munge(self) -> None:
        munge = self.base / "munge"
        munge.mkdir(mode=0o700)
        (munge / "munge.key").write_bytes(os.urandom(1024))
        (munge / "munge.key").chmod(0o400)
        subprocess.run(["munged", "--force", f"--socket={munge}/munge.socket.2", f"--key-file={munge}/munge.key",
                        f"--pid-file={munge}/munged.pid", f"--log-file={munge}/munged.log",
                        f"--seed-file={munge}/seed"], check=True, timeout=30)

    def write_config(self) -> None:
        b = self.base
        for d in ("state", "spool"):
            (b / d).mkdir()
        # A fake GPU: Slurm checks that the gres File is a character device, so a plain file is not enough.
        for i in range(SLOTS):
            subprocess.run(["mknod", str(b / f"nvidia{i}"), "c", "195", str(i)], check=True, timeout=10)
        mem_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20 - 1024
        self.conf.write_text(f"""ClusterName=ptfttest
SlurmctldHost={socket.gethostname().split(".")[0]}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={b}/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation={b}/state
SlurmdSpoolDir={b}/spool
SlurmctldPidFile={b}/slurmctld.pid
SlurmdPidFile={b}/slurmd.pid
SlurmctldLogFile={b}/slurmctld.log
SlurmdLogFile={b}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
SlurmdParameters=config_overrides
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={SLOTS} RealMemory={mem_mb} Gres=gpu:{SLOTS} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
        (b / "gres.conf").write_text(f"AutoDetect=off\nNodeName={self.node} Name=gpu File={b}/nvidia[0-{SLOTS - 1}]\n")

    def wait_idle(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            out = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True, text=True, timeout=10)
            if out.stdout.strip() == "idle":
                return
            time.sleep(0.5)
        raise RuntimeError(f"node not idle after {timeout_s} s: {out.stdout} {out.stderr}")

    def job_tres(self, jobid: str) -> str:
        out = subprocess.run(["scontrol", "show", "job", jobid], env=self.env, capture_output=True, text=True,
                             timeout=10).stdout
        return " ".join(re.findall(r"(?:TresPerJob|TresPerNode|TRES)=(\S+)", out))

    def stop(self) -> None:
        """Cancel what is left and stop the three daemons by the PIDs they wrote."""
        if shutil.which("scancel") and self.conf.exists():
            try:
                subprocess.run(["scancel", "--user", str(os.getuid())], env=self.env, capture_output=True, timeout=10)
            except subprocess.TimeoutExpired:
                pass  # no controller to answer: nothing is running on this cluster then
        for pid_file in reversed(self.pid_files):
            if pid_file.exists():
                stop_pid(int(pid_file.read_text().split()[0]))


def stop_pid(pid: int, grace_s: float = 10) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    reason = slurm_missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    try:
        cluster.start()
    except (subprocess.SubprocessError, OSError, RuntimeError) as err:
        cluster.stop()
        pytest.skip(f"Slurm is installed but a single-node cluster could not be started here: {err}")
    yield cluster
    cluster.stop()


def submitted_jobs(log: str) -> dict:
    """Slurm job id -> `rule_<name>` or `group_<name>`, from the plugin's submission messages."""
    return {jobid: next(part for part in Path(path).parts if part.startswith(("rule_", "group_")))
            for jobid, path in SUBMITTED.findall(log)}


def test_tiny_pipeline_on_slurm(slurm_cluster, tmp_path, pipeline_cmd, repo_root):
    cmd = pipeline_cmd(tmp_path, "--executor", "slurm", "--workflow-profile", str(repo_root / "profiles/slurm"),
                        "--jobs", str(SLOTS), "--slurm-no-account", "--slurm-init-seconds-before-status-checks", "1",
                        "--seconds-between-status-checks", "2",
                        "--slurm-keep-successful-logs", "--latency-wait", "10", "--set-resources", f"{GPU_RULE}:gpu=1", "--", *TARGETS)
    env = {**slurm_cluster.env, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"the Slurm run took over {RUN_TIMEOUT_S} s: {str(err.stdout)[-3000:]} {str(err.stderr)[-3000:]}")
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-6000:]

    for target in TARGETS:
        assert (tmp_path / target).exists(), target
    audit = subprocess.run([sys.executable, "-m", "ptft", "audit", *TARGETS], cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout + audit.stderr

    submitted = submitted_jobs(log)
    assert submitted, "no job was submitted to Slurm:\n" + log[-3000:]
    gpu_jobs = {j for j, where in submitted.items() if where == f"rule_{GPU_RULE}"}
    assert gpu_jobs, f"no {GPU_RULE} job among the submissions {submitted}"
    # DLN and replica jobs other than the GPU rule must not ask for one (deep-arm rules set their own).
    cpu_jobs = {j for j, where in submitted.items() if j not in gpu_jobs and where.startswith(CPU_ONLY)}
    assert cpu_jobs, f"no CPU-only DLN job among the submissions {submitted}"
    for jobid in gpu_jobs | cpu_jobs:
        tres = slurm_cluster.job_tres(jobid)
        assert ("gpu" in tres) == (jobid in gpu_jobs), f"job {jobid} ({submitted[jobid]}): {tres}"
