#!/usr/bin/env bash
# GPU check, <= 8 minutes on one GPU, every GPU path: the gpu-marked tests (DLN GD cuda vs cpu, vision, the vmapped
# Transformer ensemble), the gpu_slot allocator tests, DLN GD at D = 5000, the Transformer ensemble's member-steps/s,
# and ResNet-18 throughput (fp32 vs bf16, channels_last, GPU-resident data, with and without torch.compile).
#   bash bench/gpu_check.sh     # from a bare checkout: creates .venv if needed; safe to rerun (bench/out is rewritten)
# Writes bench/out/gpu_check.{jsonl,md} and bench/out/unit_costs.cuda.yaml, the measured CUDA unit costs that
# `ptft plan` uses in place of the estimates of bench/unit_costs.yaml. Run on an H200 on 2026-12-04 (bench/README.md).
# Outside a checkout's .venv (e.g. an image with its own torch): PY=$(command -v python3) bash bench/gpu_check.sh, with
# this package and its pure-Python dependencies (snakemake, jsonschema) importable.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${1:-bench/out}  # where the outputs go (argument 1; a variable named OUT in the environment is ignored)
[[ -x "$PY" ]] || make venv >/dev/null
mkdir -p "$OUT"
: > "$OUT/gpu_check.jsonl"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt" || true
timeout 120 "$PY" -m pytest -m gpu -q tests 2>&1 | tail -25 | tee "$OUT/gpu_tests.txt" || true  # a failure is reported, not fatal
timeout 60 "$PY" -m pytest -q tests/infra/test_gpu_slots.py 2>&1 | tail -2 | tee -a "$OUT/gpu_tests.txt" || true
# The vmapped Transformer ensemble (modular arithmetic), paper-scale model, on the GPU.
timeout 120 "$PY" bench/modarith_step.py --config config/config.yaml config/paper.yaml --device cuda --members 50 \
  --steps 100 2>&1 | tail -4 | tee "$OUT/modarith_cuda.txt" || echo "modarith on cuda failed" | tee "$OUT/modarith_cuda.txt"
# DLN GD in float64 at the paper's D = 5000, α = 0.5 (N = 2500), 20 runs: µs per step on the GPU.
timeout 120 "$PY" bench/dln_gd.py --dim 5000 --alpha 0.5 --steps 2000 --device cuda --no-loop 2>&1 | tail -3 \
  | tee "$OUT/dln_gd_cuda.txt" || echo "dln_gd on cuda failed" | tee "$OUT/dln_gd_cuda.txt"
run() {  # label, extra flags; torch.compile needs about a minute to compile ResNet-18 the first time
  local label=$1; shift
  local limit=45; [[ " $* " == *" --compile "* ]] && limit=150
  timeout "$limit" "$PY" bench/vision_step.py --device cuda --image-size 32 --batch 128 --steps 40 --repeats 3 \
    --threads 4 --label "$label" "$@" | tail -1 >> "$OUT/gpu_check.jsonl" || echo "{\"label\": \"$label\", \"failed\": true}" >> "$OUT/gpu_check.jsonl"
}
run fp32
run bf16 --bf16
run "bf16 + channels_last" --bf16 --channels-last
run "fp32 + compile" --compile
run "bf16 + channels_last + compile" --bf16 --channels-last --compile
run "cifar stem, bf16 + channels_last" --stem cifar --bf16 --channels-last
"$PY" - "$OUT" <<'PY'
import json, sys
import pandas as pd
out = sys.argv[1]
df = pd.DataFrame([json.loads(line) for line in open(f"{out}/gpu_check.jsonl")])
table = df.to_markdown(index=False)
extra = "".join(f"\n## {name}\n```\n{open(f'{out}/{name}').read()}```\n"
                for name in ("gpu.txt", "gpu_tests.txt", "dln_gd_cuda.txt", "modarith_cuda.txt"))
open(f"{out}/gpu_check.md", "w").write("# GPU check\n\n" + table + "\n" + extra)
print(table)
PY
"$PY" bench/plan_units.py "$OUT" | tee "$OUT/unit_costs.cuda.yaml"
