#!/usr/bin/env bash
# Training at real density on ONE GPU: the gm12878 preset (hg19 chr1-22 at 10 kb, 619 M pixels;
# or, with CHROM=chr2:243199373, one chromosome at GM12878's density, --depth 900) is simulated on
# the machine's cores, then trained on CUDA with the defaults for EPOCHS_BIG epochs; the peak RSS
# (from the kernel's rusage) and the wall time of each process, and the training log, go to
# $OUT/genome.log. Run from the repository root on the lent GPU machine with the stripped binaries
# carried in gpu/bin (hiclstm-simulate, hiclstm-train).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
OUT="${OUT:-/tmp/gpu_genome_out}"; WORK="${WORK:-/tmp/gpu_genome_work}"
EPOCHS_BIG="${EPOCHS_BIG:-2}"; LIMIT="${LIMIT:-300}"; DEVICE="${DEVICE:-cuda}"; PRESET="${PRESET:-gm12878}"
mkdir -p "$OUT" "$WORK"
exec >>"$OUT/genome.log" 2>&1
TORCH_LIB=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "== $(date -u) $(nproc) cores; $(free -g | awk '/Mem/ {print $2}') GB; $(nvidia-smi -L 2>/dev/null | head -1); disk $(df -h "$WORK" | awk 'NR==2 {print $4}') free"
peak() { python3 -c 'import resource, subprocess, sys, time
t = time.time(); r = subprocess.run(sys.argv[1:])
print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} wall_s {time.time() - t:.1f} rc {r.returncode}", flush=True)
sys.exit(r.returncode)' "$@"; }
if [[ -n "${CHROM:-}" ]]; then
  peak timeout "$LIMIT" gpu/bin/hiclstm-simulate --chromosomes "$CHROM" -r 10000 --depth 900 -o "$WORK/gm" || exit 1
else
  peak timeout "$LIMIT" gpu/bin/hiclstm-simulate --preset "$PRESET" -o "$WORK/gm" || exit 1
fi
ls -la "$WORK"/gm.contacts.parquet
printf 'train:\n  epochs: %s\n' "$EPOCHS_BIG" >"$WORK/e.yaml"
peak timeout "$LIMIT" gpu/bin/hiclstm-train "$WORK/gm.contacts.parquet" --config "$WORK/e.yaml" --device "$DEVICE" --temp-dir "$WORK" -o "$WORK/model" --force
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv
echo "== done $(date -u)"
