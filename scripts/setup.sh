#!/usr/bin/env bash
# Installs what the build needs on a fresh Debian/Ubuntu machine (idempotent, quiet when done):
# libhdf5 headers for the .cool/.mcool reader, pkg-config, and cargo-nextest for the tests.
set -euo pipefail

need_apt=()
pkg-config --exists hdf5 2>/dev/null || [ -e /usr/include/hdf5/serial/hdf5.h ] || need_apt+=(libhdf5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt)" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v cargo-nextest >/dev/null; then
  echo "setup: installing cargo-nextest (crates.io)" >&2
  cargo install --locked cargo-nextest >/dev/null
fi
