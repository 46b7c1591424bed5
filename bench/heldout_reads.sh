#!/usr/bin/env bash
# Reconstruction scored on reads the model was not trained on. The contacts are split into two
# pseudo-replicates from disjoint halves of the reads (hiclstm-downsample --fraction 0.5
# --complement); a model is trained on half A (one per configuration and seed), predicts the
# pixels of both halves (hiclstm-predict --contacts) and hiclstm-evaluate scores each. A model
# that learns the map's structure scores about as well on half B as on half A; one that learns
# half A's noise by heart scores higher on A and no better on B than half A itself does, which the
# first row measures (half A's contact probabilities as the prediction of half B, pixels absent
# from A at probability 0, the default transform a = 8, d = 1e-10).
#
# usage: bash bench/heldout_reads.sh CONTACTS.parquet [hiclstm-train args, e.g. --trans T.parquet]
# env: CONFIGS  space-separated NAME=CONFIG.yaml (NAME= for the defaults; default: "defaults=")
#      SEEDS    training seeds (default: 0 1 2)
#      WORK, BIN, PY (python3 with pyarrow, pandas and numpy)
# Prints one TSV row per configuration and seed: R² on the training half, R² on the held-out half.
set -euo pipefail
CONTACTS="$(realpath "$1")"; shift
BIN="${BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/hiclstm/target}/release}"
WORK="${WORK:-$HOME/.cache/hiclstm/bench-heldout}"
SEEDS="${SEEDS:-0 1 2}"
CONFIGS="${CONFIGS:-defaults=}"
PY="${PY:-python3}"
mkdir -p "$WORK" && cd "$WORK"
"$BIN/hiclstm-downsample" "$CONTACTS" --fraction 0.5 --seed 1 -o A --complement B -q --force
r2() { "$PY" -c 'import sys, pyarrow.parquet as pq
r = [r["value"] for r in pq.read_table(sys.argv[1]).to_pylist() if r["method"] != "distance-mean" and r["chrom"] == "all" and r["metric"] == "r2" and r["distance_lo"] is None]
print(f"{r[0]:.4f}")' "$1"; }
echo -e "config\tseed\tr2_training_half\tr2_heldout_half"
"$PY" - A.contacts.parquet B.contacts.parquet <<'PYEOF'
import sys, numpy as np, pyarrow.parquet as pq
load = lambda p: pq.read_table(p, columns=["chrom", "i", "j", "value"]).to_pandas()
a, b = load(sys.argv[1]), load(sys.argv[2])
m = b.merge(a, on=["chrom", "i", "j"], how="left", suffixes=("_b", "_a")).fillna({"value_a": 0.0})
prob = lambda v: np.exp(-8.0 / (v + 1e-10))
y, x = prob(m.value_b.to_numpy()), prob(m.value_a.to_numpy())
print(f"half A's own probabilities\t\t\t{1 - ((y - x) ** 2).sum() / ((y - y.mean()) ** 2).sum():.4f}")
PYEOF
for c in $CONFIGS; do
  name="${c%%=*}"; cfg="${c#*=}"
  for s in $SEEDS; do
    d="$name.s$s"
    "$BIN/hiclstm-train" A.contacts.parquet ${cfg:+--config "$cfg"} --seed "$s" -o "$d" -q --force "$@"
    for h in A B; do
      "$BIN/hiclstm-predict" "$d" --contacts "$h.contacts.parquet" -o "$d.pred$h.parquet" -q --force
      "$BIN/hiclstm-evaluate" "$d.pred$h.parquet" -o "$d.eval$h" -q --force
    done
    echo -e "$name\t$s\t$(r2 "$d.evalA.metrics.parquet")\t$(r2 "$d.evalB.metrics.parquet")"
  done
done
