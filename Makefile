# Two commands do all the set-up: `make run` and `make test` (each creates .venv first if needed).
VENV      ?= .venv
PYTHON    ?= python3
CORES     ?= 2
PY        := $(VENV)/bin/python
SNAKEMAKE := $(VENV)/bin/snakemake
# One BLAS/OpenMP thread per process: on 2 cores, 2 threads run small matrix products ~13x slower.
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
# Bytecode is written by Python on a module's first import (a shell's PYTHONDONTWRITEBYTECODE is dropped for this
# project's commands; the environment is its own): the ~3,000 modules the jobs import compile once, ≈ 20 CPU-s,
# instead of byte-compiling all ~12,500 files of the environment up front (compileall, ≈ 50 CPU-s, 30 s on 2
# cores), and not once per process either, as they would be with the variable set and no bytecode on disk.
unexport PYTHONDONTWRITEBYTECODE
# Every config is checked before Snakemake starts (a YAML mistake named with file:line:column, then every key):
# Snakemake's own message for a broken --configfile names neither file nor line.
CHECK_CONFIG = $(PY) -m ptft check-config $(CONFIG)

.PHONY: venv run test test-fast lint report plan dryrun-paper clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# `make run` (default config) or `make run CONFIG=config/paper.yaml` (merged over it, as `--configfile` is).
run: venv
	$(CHECK_CONFIG)
	$(SNAKEMAKE) --cores $(CORES) --workflow-profile profiles/default $(if $(CONFIG),--configfile $(CONFIG))

# Two pytest workers (pytest-xdist), each taking whole test files in the order tests/conftest.py gives them: the
# pipeline runs, the Slurm run and the unit tests overlap on 2 cores; the tiny pipeline runs once for both.
PYTEST = $(PY) -m pytest -n $(CORES) --dist loadfile --no-loadscope-reorder

test: venv
	$(PYTEST)
	$(MAKE) lint

# The unit tier only: in-process tests (no pipeline run, no Snakemake, make or ptft process, no Slurm, no browser).
test-fast: venv
	$(PYTEST) -m "not slow and not workflow"

lint: venv
	$(SNAKEMAKE) --lint
	$(VENV)/bin/snakefmt --check Snakefile workflow

# `make report CONFIG=tests/configs/tiny.yaml`: the report of a run made with that config (merged over the default).
# Refused when the results' provenance names another config: the captions would describe another run.
report: venv
	$(CHECK_CONFIG) --results-of results/scorecard.md
	$(SNAKEMAKE) --cores $(CORES) --workflow-profile profiles/default $(if $(CONFIG),--configfile config/config.yaml $(CONFIG)) --report results/report.html

# `make plan` (default config) or `make plan CONFIG=config/paper.yaml`: jobs, CPU/GPU-hours, memory, disk, longest job.
plan: venv
	$(PY) -m ptft plan $(if $(CONFIG),--configfile $(CONFIG)) --cores $(CORES)

# The paper config's jobs per rule, planned in its own folder runs/paper (where its results would go).
dryrun-paper: venv
	$(PY) -m ptft check-config config/paper.yaml
	$(SNAKEMAKE) -n --quiet rules --directory runs/paper --configfile config/paper.yaml --workflow-profile profiles/default

clean:
	rm -rf results logs .snakemake
