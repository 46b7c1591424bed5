# The two commands a newcomer needs:  make demo   and   make test
# Builds go to a persistent target directory outside the clone, so repeated runs are incremental.
CARGO_TARGET_DIR ?= $(HOME)/.cache/hiclstm/target
export CARGO_TARGET_DIR
# PyTorch 2.11.0 (libtorch for the model crate) lives in this venv; tch finds it through the
# venv's python, first on PATH.
HICLSTM_VENV ?= $(CURDIR)/.venv
export HICLSTM_VENV
# Linters of the workflow and container files (reftrace, hadolint, spython), for `make test`.
HICLSTM_LINT_VENV ?= $(CURDIR)/.lint-venv
export HICLSTM_LINT_VENV
export LIBTORCH_USE_PYTORCH := 1
export PATH := $(HICLSTM_VENV)/bin:$(PATH)
SHARED ?= $(abspath ../shared)
export HICLSTM_SHARED := $(SHARED)
BIN := $(CARGO_TARGET_DIR)/release
DEMO_OUT ?= demo-out

.PHONY: setup setup-test build demo test bench clean-demo

setup:
	@scripts/setup.sh --torch

setup-test:
	@scripts/setup.sh --torch --lint

build: setup
	cargo build --release --workspace --bins

## The main job on the embedded default: the whole pipeline (simulate -> import -> train ->
## predict -> evaluate -> baselines -> classify -> attribute -> perturb) on a simulated genome.
demo: build
	$(BIN)/hiclstm-pipeline --outdir $(DEMO_OUT) --force
	@echo "demo: results in $(DEMO_OUT)/ (layout: README, 'Pipeline'); plots: $(DEMO_OUT)/*/*.png"

## Runs the format and lint checks, then every test; tests that need ../shared/data run when it
## exists and are reported skipped otherwise.
test: setup-test
	cargo fmt --all -- --check
	cargo clippy --release --workspace --all-targets -- -D warnings
	@# nextest runs two test processes at once on two cores: libtorch's OpenMP threads spin while
	@# they wait, and two spinning processes slowed a training 5x-40x (README, "Several jobs on
	@# one machine"); passive waiting costs a lone process time but not a shared machine.
	@export OMP_WAIT_POLICY=PASSIVE; if [ -d "$(SHARED)/data" ]; then \
	  echo "test: $(SHARED)/data found: shared-data tests included"; \
	  cargo nextest run --release --workspace --no-fail-fast --run-ignored all; \
	else \
	  echo "test: $(SHARED)/data absent: shared-data tests are skipped"; \
	  cargo nextest run --release --workspace --no-fail-fast; \
	fi

bench: build
	bench/import.sh

clean-demo:
	rm -rf $(DEMO_OUT)
