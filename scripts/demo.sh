#!/usr/bin/env bash
# The main job on the embedded default data: simulate -> import round trip.
set -euo pipefail
BIN=${BIN:?}; OUT=${OUT:-demo-out}
mkdir -p "$OUT"
"$BIN/hiclstm-simulate" --preset toy --seed 1 --pairs --force -o "$OUT/toy"
"$BIN/hiclstm-import" "$OUT/toy.pairs.gz" --resolution 50000 --force -o "$OUT/toy_imported"
echo "demo: outputs in $OUT/"
ls -l "$OUT"
