#!/usr/bin/env bash
# Data preparation and one epoch at real density: hiclstm-train's (read the contacts table, build
# frames; an epoch at the original's settings) against the ORIGINAL Hi-C-LSTM's (load_hic +
# get_samples_sparse; an epoch at batch 210, hidden 8), same run, same machine, on
# simulated chr21 and chr22 at 10 kb at GM12878's density (the gm12878 preset's parameters:
# about 3.6 M and 4.1 M pixels, as GM12878's own chr21 and chr22 have). The original's harness
# reads chr21 and chr22 only, so these are the chromosomes.
#
# Usage:  bash bench/prep.sh
# Env:    BIN, ORIG_SRC, ORIG_PY, SHARED, THREADS as bench/model.sh
#         WORK     scratch folder (default $HOME/.cache/hiclstm/bench-prep)
#         REPEATS  hiclstm runs (default 3; the median is reported)
# Prints a Markdown table on stdout; raw logs in WORK/logs.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$HOME/.cache/hiclstm/target/release}"
ORIG_SRC="${ORIG_SRC:-/tmp/hiclstm-orig/src}"
ORIG_PY="${ORIG_PY:-/tmp/origvenv/bin/python}"
WORK="${WORK:-$HOME/.cache/hiclstm/bench-prep}"
SHARED="${SHARED:-$REPO/../shared}"
THREADS="${THREADS:-2}"
REPEATS="${REPEATS:-3}"
log() { echo "bench-prep: $*" >&2; }

for b in hiclstm-simulate hiclstm-train; do
  [[ -x "$BIN/$b" ]] || { log "$BIN/$b not found; build first or set BIN"; exit 1; }
done
[[ -x "$ORIG_PY" && -f "$ORIG_SRC/training/data_utils.py" ]] || { log "the original is needed: ORIG_PY=$ORIG_PY, ORIG_SRC=$ORIG_SRC (see bench/model.sh)"; exit 1; }
mkdir -p "$WORK/logs"
cd "$WORK"

# 1. The map: the gm12878 preset's parameters on chr21 and chr22, with juicer-dump text.
if [[ ! -s sim.contacts.parquet || ! -s sim.chr22.txt ]]; then
  log "simulating chr21 + chr22 at 10 kb, GM12878 density"
  "$BIN/hiclstm-simulate" --preset gm12878 --chromosomes chr21:48129895,chr22:51304566 --juicer-text -o sim --force --threads "$THREADS" 2> logs/simulate.err
fi
for n in 21 22; do
  mkdir -p "data/GM/$n"
  ln -sf "$WORK/sim.chr$n.txt" "data/GM/$n/hic_chr$n.txt"
done
PIXELS=$(cat sim.chr21.txt sim.chr22.txt | wc -l)

# 2. hiclstm: the "data preparation" line of hiclstm-train, and one epoch at the original's
#    settings (batch 210, hidden 8, frame 150, frame head, lr 0.01).
# Identical settings: the original's frames (observed steps only), no pairwise term, no auxiliary decoder.
printf 'hidden: 8\nframe_len: 150\nframes: observed\nhead: frame\npair_rank: 0\nstep_loss: 0\ntrain:\n  epochs: 1\n  batch_size: 210\n' > e1.yaml
preps=(); epochs=()
for r in $(seq "$REPEATS"); do
  /usr/bin/time -f '%e %M' -o "logs/hiclstm_$r.time" "$BIN/hiclstm-train" sim.contacts.parquet --config e1.yaml -o "m_$r" --force --device cpu --threads "$THREADS" 2> "logs/hiclstm_$r.err"
  p=$(sed -n 's/.*data preparation[^0-9]*\([0-9.]*\) s.*/\1/p' "logs/hiclstm_$r.err" | head -1)
  # Seconds of the epoch from frames / (frames/s), as bench/model.sh.
  frames=$(sed -n 's/.* pixels in \([0-9]*\) frames.*/\1/p' "logs/hiclstm_$r.err" | head -1)
  fps=$(sed -n 's/.*epoch 1\/1: .* \([0-9]*\) frames\/s.*/\1/p' "logs/hiclstm_$r.err" | head -1)
  e=$(awk -v f="$frames" -v r="$fps" 'BEGIN {printf "%.2f", f / r}')
  log "hiclstm run $r: data preparation $p s, epoch $e s ($frames frames, $fps frames/s)"
  preps+=("$p"); epochs+=("$e")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
HICLSTM=$(median "${preps[@]}")
HICLSTM_EPOCH=$(median "${epochs[@]}")

# 3. The original: its harness with 1 epoch reports prep_s (load_hic + get_samples_sparse) and
#    the epoch's seconds.
log "the original's data preparation and one epoch (minutes: its preparation grows with rows x pixels)"
/usr/bin/time -f '%e %M' -o logs/orig.time env ORIG_SRC="$ORIG_SRC" DATA="$WORK/data" "$ORIG_PY" "$SHARED/anchors/run_original.py" 10000 1 8 210 > logs/orig.out 2> logs/orig.err
read -r ORIG ORIG_EPOCH ORIG_FRAMES < <("$ORIG_PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(round(d["prep_s"], 3), round(d["epoch_s"][0], 2), d["frames"])' logs/orig.out)

echo "| data preparation, simulated chr21 + chr22 at 10 kb ($PIXELS pixels) | seconds | original / hiclstm |"
echo "|---|---:|---:|"
echo "| original: load_hic + get_samples_sparse | $ORIG | 1 |"
echo "| hiclstm-train: read the contacts table + build frames (median of $REPEATS: ${preps[*]}) | $HICLSTM | $(awk -v a="$ORIG" -v b="$HICLSTM" 'BEGIN {printf "%.0fx", a / b}') |"
echo
echo "| one epoch, batch 210, hidden 8, frame 150, frame head | seconds | original / hiclstm |"
echo "|---|---:|---:|"
echo "| original ($ORIG_FRAMES frames) | $ORIG_EPOCH | 1 |"
echo "| hiclstm-train, fused cell, own CPU kernel (median of $REPEATS: ${epochs[*]}) | $HICLSTM_EPOCH | $(awk -v a="$ORIG_EPOCH" -v b="$HICLSTM_EPOCH" 'BEGIN {printf "%.1fx", a / b}') |"
echo
echo "$(date -u '+%F %T') UTC; $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1); $("$BIN/hiclstm-train" --version)"
