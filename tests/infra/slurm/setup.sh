#!/usr/bin/env bash
# Install a single-node Slurm (Debian's slurm-wlm + munge) for tests/infra/test_slurm.py, if it is missing.
# Needs root and apt-get; does nothing when slurmctld, slurmd and munged are already installed.
# Exit 0: installed (or already there). Exit 3: cannot install here (the Slurm test then skips and says why).
set -euo pipefail

have_all() { command -v slurmctld && command -v slurmd && command -v munged && command -v sbatch; } >/dev/null
if have_all; then
    echo "slurm: already installed ($(slurmctld -V))"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "slurm: not installed and not root, cannot apt-get install slurm-wlm munge" >&2
    exit 3
fi
if ! command -v apt-get >/dev/null; then
    echo "slurm: not installed and no apt-get (not Debian/Ubuntu)" >&2
    exit 3
fi
export DEBIAN_FRONTEND=noninteractive
# Bounded: without network the update fails fast or times out rather than hanging the test suite.
if ! timeout 300 apt-get update -qq || ! timeout 600 apt-get install -y -qq --no-install-recommends slurm-wlm munge; then
    echo "slurm: apt-get install slurm-wlm munge failed (no package index reachable?)" >&2
    exit 3
fi
have_all || { echo "slurm: installed packages lack slurmctld/slurmd/munged/sbatch" >&2; exit 3; }
echo "slurm: installed $(slurmctld -V)"
