# The two commands a newcomer needs:  make demo   and   make test
# Builds go to a persistent target directory outside the clone, so repeated runs are incremental.
CARGO_TARGET_DIR ?= $(HOME)/.cache/hiclstm/target
export CARGO_TARGET_DIR
SHARED ?= $(abspath ../shared)
export HICLSTM_SHARED := $(SHARED)
BIN := $(CARGO_TARGET_DIR)/release
DEMO_OUT ?= demo-out

.PHONY: setup build demo test bench clean-demo

setup:
	@scripts/setup.sh

build: setup
	cargo build --release --bins

## Runs the main job on the embedded default: simulate a toy genome, import it back, check it.
demo: build
	@BIN=$(BIN) OUT=$(DEMO_OUT) scripts/demo.sh

## Runs every test; tests that need ../shared/data run when it exists and are reported skipped otherwise.
test: setup
	@if [ -d "$(SHARED)/data" ]; then \
	  echo "test: $(SHARED)/data found: shared-data conformance tests included"; \
	  cargo nextest run --release --no-fail-fast --run-ignored all; \
	else \
	  echo "test: $(SHARED)/data absent: shared-data tests are skipped"; \
	  cargo nextest run --release --no-fail-fast; \
	fi

bench: build
	bench/import.sh

clean-demo:
	rm -rf $(DEMO_OUT)
