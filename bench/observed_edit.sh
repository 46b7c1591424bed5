#!/usr/bin/env bash
# A predicted deletion against the simulation's observed mutant, at several seeds: for each seed,
# the toy genome and its mutant with the first chr1 TAD boundary past 2 Mb deleted (the two
# boundary bins), a model trained with --preset $PRESET (default `default`: the defaults; the
# first table of BENCHMARKS.md, "A predicted deletion", used `representations`), and hiclstm-perturb
# --observed/--observed-mutant over chr1:1-6,000,000 (or the 6 Mb around the boundary). Prints
# one TSV row per seed: the deletion, MSE against the observed mutant of the prediction and of
# the two no-change baselines (the observed wild type; the model's wild-type prediction), all
# pixels and the edited region, and the correlation of predicted and observed changes.
set -euo pipefail
BIN="${BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/hiclstm/target}/release}"
WORK="${WORK:-$HOME/.cache/hiclstm/bench-observed}"
SEEDS="${SEEDS:-1 2 3}"
PY="${PY:-python3}"
PRESET="${PRESET:-default}"
mkdir -p "$WORK" && cd "$WORK"
echo -e "seed\tdeletion\tmse_all\tmse_all_observed_wt\tmse_all_predicted_wt\tmse_edited\tmse_edited_observed_wt\tmse_edited_predicted_wt\tr_all\tr_edited"
for s in $SEEDS; do
  "$BIN/hiclstm-simulate" --preset toy --seed "$s" -o "wt$s" -q --force
  # The boundary: the two bins either side of a TAD edge (toy.boundaries.bed), the first past 2 Mb.
  read -r chrom start end < <(awk '$1 == "chr1" && $2 >= 2000000 { print $1, $2, $3; exit }' "wt$s.boundaries.bed")
  del="$chrom:$((start + 1))-$end"
  lo=$(( start > 3000000 ? start - 3000000 : 0 ))
  "$BIN/hiclstm-simulate" --preset toy --seed "$s" --delete "$del" -o "mut$s" -q --force
  "$BIN/hiclstm-train" "wt$s.contacts.parquet" --preset "$PRESET" --seed "$s" -o "m$s" -q --force
  "$BIN/hiclstm-perturb" "m$s" --edit delete --at "$del" --window "$chrom:$((lo + 1))-$((lo + 6000000))" \
    --observed "wt$s.contacts.parquet" --observed-mutant "mut$s.contacts.parquet" -o "del$s" -q --force
  "$PY" - "$s" "$del" "del$s.observed_comparison.parquet" <<'PYEOF'
import sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[3]).to_pylist()
g = lambda m, metric, task: next(r["value"] for r in t if r["method"] == m and r["metric"] == metric and r["task"] == task)
print("\t".join([sys.argv[1], sys.argv[2]] + [f"{g(m, k, task):.5f}" for m, k, task in [
    ("hiclstm", "mse", "all"), ("observed_wild_type", "mse", "all"), ("hiclstm_wild_type", "mse", "all"),
    ("hiclstm", "mse", "edited"), ("observed_wild_type", "mse", "edited"), ("hiclstm_wild_type", "mse", "edited"),
    ("hiclstm", "pearson_difference", "all"), ("hiclstm", "pearson_difference", "edited")]]))
PYEOF
done
