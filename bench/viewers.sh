#!/usr/bin/env bash
# Cost of the viewer outputs and of downsampling at real density, one run at a time:
#   hiclstm-predict --contacts on chr2 of the gm12878 preset (68 M pixels) without and with
#   --cooler cool / --cooler mcool, and cooler zoomify (the reference) turning the .cool into an
#   .mcool; hiclstm-downsample of the whole preset (619 M pixels) to 10 %.
# Needs GM (a directory with gm.contacts.parquet from `hiclstm-simulate --preset gm12878 -o gm`
# and a model in GM/model) and COOLER (the cooler CLI, e.g. the tools venv's). Prints one TSV
# row per run (what, wall s, peak RSS MB, output MB) from /usr/bin/time -v; logs stay in WORK.
set -euo pipefail
BIN="${BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/hiclstm/target}/release}"
GM="${GM:?set GM to the gm12878 preset directory}"
COOLER="${COOLER:-cooler}"
WORK="${WORK:-$HOME/.cache/hiclstm/bench-viewers}"
mkdir -p "$WORK" && cd "$WORK"
echo -e "what\twall_s\tpeak_rss_mb\toutput_mb"
run() {  # name output-glob command...
  local name=$1 out=$2; shift 2
  /usr/bin/time -v "$@" >"$name.log" 2>&1
  local mb; mb=$(du -cm $out 2>/dev/null | tail -1 | cut -f1)
  awk -v s="$name" -v o="$mb" -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
    /Maximum resident set size/ { r = $2 / 1024 }
    END { printf "%s\t%.1f\t%.0f\t%s\n", s, w, r, o }' "$name.log"
}
P=(--contacts "$GM/gm.contacts.parquet" --region chr2 --force)
run predict_table "t.predictions.parquet" "$BIN/hiclstm-predict" "$GM/model" "${P[@]}" -o t.predictions.parquet
run predict_cool "c.predicted.cool c.observed.cool" "$BIN/hiclstm-predict" "$GM/model" "${P[@]}" -o c.predictions.parquet --cooler cool
run predict_mcool "m.predicted.mcool m.observed.mcool" "$BIN/hiclstm-predict" "$GM/model" "${P[@]}" -o m.predictions.parquet --cooler mcool
rm -f z.mcool
run cooler_zoomify "z.mcool" "$COOLER" zoomify c.predicted.cool -o z.mcool
rm -f t.predictions.parquet c.predictions.parquet m.predictions.parquet
run downsample_10pc "d.contacts.parquet" "$BIN/hiclstm-downsample" "$GM/gm.contacts.parquet" --fraction 0.1 --seed 1 -o d --force
