#!/usr/bin/env bash
# Peak memory and time of the model steps on maps of real density, this build against another
# (OLD_BIN, e.g. the binaries of an earlier commit), one run at a time, in one invocation:
#   hiclstm-train (1 epoch, defaults), hiclstm-predict --contacts, hiclstm-attribute (--steps 4)
# on a simulated chr2 at 10 kb and GM12878's density (63.6 M pixels) and, for attribution, on the
# human preset (2.9 M pixels). Prints one TSV row per run (step, build, map, wall s, peak RSS MB)
# from /usr/bin/time -v; logs stay in WORK.
set -euo pipefail
NEW_BIN="${NEW_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/hiclstm/target}/release}"
OLD_BIN="${OLD_BIN:?set OLD_BIN to the directory of the other build binaries}"
WORK="${WORK:-$HOME/.cache/hiclstm/bench-memory}"
mkdir -p "$WORK" && cd "$WORK"
[ -f chr2.contacts.parquet ] || "$NEW_BIN/hiclstm-simulate" --chromosomes chr2:243199373 -r 10000 --depth 900 -o chr2 -q
[ -f human.contacts.parquet ] || "$NEW_BIN/hiclstm-simulate" --preset human -o human -q
printf 'train:\n  epochs: 1\n' >e1.yaml
# Models to predict and attribute with (trained by this build; both builds read them).
[ -f chr2model/model.yaml ] || "$NEW_BIN/hiclstm-train" chr2.contacts.parquet --config e1.yaml -o chr2model -q
[ -f humanmodel/model.yaml ] || "$NEW_BIN/hiclstm-train" human.contacts.parquet --config e1.yaml -o humanmodel -q
echo -e "step\tbuild\tmap\twall_s\tpeak_rss_mb"
run() {  # step build map args...
  local step=$1 build=$2 map=$3; shift 3
  local bin=$NEW_BIN; [ "$build" = old ] && bin=$OLD_BIN
  /usr/bin/time -v "$bin/hiclstm-$step" "$@" >"$step.$build.$map.log" 2>&1
  awk -v s="$step" -v b="$build" -v m="$map" -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
    /Maximum resident set size/ { r = $2 / 1024 }
    END { printf "%s\t%s\t%s\t%.1f\t%.0f\n", s, b, m, w, r }' "$step.$build.$map.log"
}
for b in new old; do
  run train "$b" chr2 chr2.contacts.parquet --config e1.yaml -o "train.$b" --force
  run predict "$b" chr2 chr2model --contacts chr2.contacts.parquet -o "pred.$b.parquet" --force
  run attribute "$b" human humanmodel --contacts human.contacts.parquet --steps 4 -o "attr.$b" --force
done
