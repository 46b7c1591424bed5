#!/usr/bin/env bash
# Streaming training at real density on ONE GPU: a simulated chr2 at 10 kb with GM12878's
# density (hiclstm-simulate --chromosomes chr2:243199373 -r 10000 --depth 900, about 64 M pixels),
# trained on CUDA with the defaults for EPOCHS_BIG epochs; reports seconds per epoch, frames/s and
# the peak RSS of the training process. Run from the repository root on the lent GPU machine after
# bench/gpu_epochs.sh (same carried gpu/bin binaries); appends to $OUT/density.log.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
OUT="${OUT:-/tmp/gpu_density_out}"; WORK="${WORK:-/tmp/gpu_density_work}"
CHROM="${CHROM:-chr2:243199373}"; EPOCHS_BIG="${EPOCHS_BIG:-2}"; LIMIT="${LIMIT:-240}"; DEVICE="${DEVICE:-cuda}"
mkdir -p "$OUT" "$WORK"
exec >>"$OUT/density.log" 2>&1
TORCH_LIB=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "== $(date -u) $(nproc) cores; $(free -g | awk '/Mem/ {print $2}') GB; $(nvidia-smi -L 2>/dev/null | head -1)"
# Peak RSS of a child process, from the kernel's own accounting (no /usr/bin/time needed).
peak() { python3 -c 'import resource, subprocess, sys, time
t = time.time(); r = subprocess.run(sys.argv[1:])
print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} wall_s {time.time() - t:.1f} rc {r.returncode}", flush=True)
sys.exit(r.returncode)' "$@"; }
peak timeout "$LIMIT" gpu/bin/hiclstm-simulate --chromosomes "$CHROM" -r 10000 --depth 900 -o "$WORK/big" || exit 1
printf 'train:\n  epochs: %s\n' "$EPOCHS_BIG" >"$WORK/e.yaml"
peak timeout "$LIMIT" gpu/bin/hiclstm-train "$WORK/big.contacts.parquet" --config "$WORK/e.yaml" --device "$DEVICE" --temp-dir "$WORK" -o "$WORK/model" --force
echo "== done $(date -u)"
