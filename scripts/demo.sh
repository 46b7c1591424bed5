#!/usr/bin/env bash
# The main job on the embedded default data: simulate -> import (round trip through a pairs
# file) -> train Hi-C-LSTM -> predict the observed pixels -> evaluate with plots -> PCA baseline
# -> classify the simulated truth -> attribute -> an in-silico duplication.
set -euo pipefail
BIN=${BIN:?}; OUT=${OUT:-demo-out}
mkdir -p "$OUT"
"$BIN/hiclstm-simulate" --preset toy --seed 1 --pairs --force -o "$OUT/toy"
"$BIN/hiclstm-import" "$OUT/toy.pairs.gz" --resolution 50000 --force -o "$OUT/toy_imported"
"$BIN/hiclstm-train" "$OUT/toy_imported.contacts.parquet" --device auto --force -o "$OUT/model"
"$BIN/hiclstm-predict" "$OUT/model" --contacts "$OUT/toy_imported.contacts.parquet" --force -o "$OUT/toy.predictions.parquet"
"$BIN/hiclstm-evaluate" hiclstm="$OUT/toy.predictions.parquet" --plots --training-log "$OUT/model/training_log.parquet" \
    --region chr1:1-10,000,000 --force -o "$OUT/toy"
"$BIN/hiclstm-baseline" pca "$OUT/toy_imported.contacts.parquet" --k 16 --force -o "$OUT/toy.pca.parquet"
cat > "$OUT/tasks.yaml" <<YAML
tasks:
  - {name: A_compartment, file: toy.compartments.bed, kind: bed, name_prefix: A}
  - {name: tad_boundaries, file: toy.boundaries.bed, kind: bed}
  - {name: ctcf, file: toy.ctcf.bed, kind: bed}
  - {name: compartments, file: toy.compartments.bed, kind: category}
YAML
"$BIN/hiclstm-classify" --representations hiclstm="$OUT/model/representations.parquet" pca="$OUT/toy.pca.parquet" \
    --tasks "$OUT/tasks.yaml" --plots --force -o "$OUT/toy_elements"
"$BIN/hiclstm-attribute" "$OUT/model" --contacts "$OUT/toy_imported.contacts.parquet" \
    --elements ctcf="$OUT/toy.ctcf.bed" boundaries="$OUT/toy.boundaries.bed" --tads "$OUT/toy.tads.bed" --force -o "$OUT/toy"
"$BIN/hiclstm-perturb" "$OUT/model" --edit duplicate --at chr1:4,000,001-5,500,000 --window chr1:1-10,000,000 \
    --plots --force -o "$OUT/toy_dup"
"$BIN/hiclstm-perturb" "$OUT/model" --edit knockout --method zero --sites "$OUT/toy.ctcf.bed" --window chr1:1-20,000,000 \
    --max-distance 5000000 --plots --force -o "$OUT/toy_ko"
echo "demo: outputs in $OUT/ (plots: toy.r2_by_distance.png, toy.heatmap.png, toy.loss.png,"
echo "      toy_elements.pr_curves.png, toy_elements.confusion.compartments.png, toy.tad_profile.png,"
echo "      toy_dup.perturbation.png, toy_dup.difference.png, toy_ko.site_profile.png)"
ls -l "$OUT" "$OUT/model"
