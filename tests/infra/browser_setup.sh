#!/usr/bin/env bash
# Install Debian's chromium for the report test in tests/infra/test_report.py, if it is missing.
# Exit 0: installed (or already there). Exit 3: cannot install here (the test then skips and says why).
set -euo pipefail
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then exit 0; fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "chromium: not installed, and no root apt-get to install it" >&2
    exit 3
fi
export DEBIAN_FRONTEND=noninteractive
if ! timeout 300 apt-get update -qq || ! timeout 900 apt-get install -y -qq --no-install-recommends chromium; then
    echo "chromium: apt-get install chromium failed (no package index reachable?)" >&2
    exit 3
fi
