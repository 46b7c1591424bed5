#!/usr/bin/env bash
# The main job on the embedded default data: simulate -> import (round trip through a pairs
# file) -> train Hi-C-LSTM -> predict the observed pixels -> evaluate with plots.
set -euo pipefail
BIN=${BIN:?}; OUT=${OUT:-demo-out}
mkdir -p "$OUT"
"$BIN/hiclstm-simulate" --preset toy --seed 1 --pairs --force -o "$OUT/toy"
"$BIN/hiclstm-import" "$OUT/toy.pairs.gz" --resolution 50000 --force -o "$OUT/toy_imported"
"$BIN/hiclstm-train" "$OUT/toy_imported.contacts.parquet" --device auto --force -o "$OUT/model"
"$BIN/hiclstm-predict" "$OUT/model" --contacts "$OUT/toy_imported.contacts.parquet" --force -o "$OUT/toy.predictions.parquet"
"$BIN/hiclstm-evaluate" hiclstm="$OUT/toy.predictions.parquet" --plots --training-log "$OUT/model/training_log.parquet" \
    --region chr1:1-10,000,000 --force -o "$OUT/toy"
echo "demo: outputs in $OUT/ (plots: toy.r2_by_distance.png, toy.heatmap.png, toy.loss.png)"
ls -l "$OUT" "$OUT/model"
