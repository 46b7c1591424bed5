#!/usr/bin/env bash
# Import throughput of hiclstm-import against `cooler dump` and hictkpy, in the same run on
# the same machine. Every number printed here was measured by this script; absolute times are
# not portable between machines, the ratios (same run, same machine) are the comparable part.
#
# Usage:  bash bench/import.sh          (or: make bench)
# Env:    BIN        hiclstm binaries       (default $HOME/.cache/hiclstm/target/release)
#         BENCH_VENV throw-away Python venv (default $HOME/.cache/hiclstm/bench-venv)
#         BENCH_DIR  scratch directory      (default $HOME/.cache/hiclstm/bench)
#         SHARED     shared data folder     (default <repo>/../shared)
#         RUNS       timed runs per case    (default 3; the median is reported)
#
# Measures whole-process wall time and peak RSS with GNU time (-f '%e %M'); the wall time shown
# is bash's $EPOCHREALTIME around the same process (GNU time's %e has only 10 ms resolution,
# too coarse for the small shared files). Each case is run once untimed first (warm-up, and to
# count the pixels it produced), then RUNS times timed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$HOME/.cache/hiclstm/target/release}"
BENCH_VENV="${BENCH_VENV:-$HOME/.cache/hiclstm/bench-venv}"
BENCH_DIR="${BENCH_DIR:-$HOME/.cache/hiclstm/bench}"
SHARED="${SHARED:-$REPO/../shared}"
[[ -d "$SHARED" ]] && SHARED="$(cd "$SHARED" && pwd)"
RUNS="${RUNS:-3}"

IMPORT="$BIN/hiclstm-import"
SIMULATE="$BIN/hiclstm-simulate"
for b in "$IMPORT" "$SIMULATE"; do
  [[ -x "$b" ]] || { echo "bench: $b not found; run 'make build' or set BIN" >&2; exit 1; }
done

log() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Tools: GNU time and the reference Python tools (in a venv outside the repository).
# ---------------------------------------------------------------------------------------------
if ! /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then
  log "GNU time missing: apt-get install -y time"
  apt-get update -qq >&2
  apt-get install -y -qq time >&2
fi
GTIME=/usr/bin/time

PY="$BENCH_VENV/bin/python"
if [[ ! -x "$PY" ]] || ! "$PY" -c 'import cooler, hictkpy, numpy, pandas, pyarrow' 2>/dev/null; then
  log "creating venv $BENCH_VENV (cooler, hictkpy, numpy, pandas)"
  python3 -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/pip" install -q --upgrade pip >&2
  # hictkpy's .to_df() needs pyarrow, which the [pyarrow] extra brings in.
  "$BENCH_VENV/bin/pip" install -q cooler 'hictkpy[pyarrow]' numpy pandas >&2
fi
COOLER="$BENCH_VENV/bin/cooler"
V_COOLER="$("$PY" -c 'import cooler; print(cooler.__version__)')"
V_HICTKPY="$("$PY" -c 'import hictkpy; print(hictkpy.__version__)')"
V_HICLSTM="$("$IMPORT" --version)"

mkdir -p "$BENCH_DIR/out"
cd "$BENCH_DIR"

# ---------------------------------------------------------------------------------------------
# Inputs.
# ---------------------------------------------------------------------------------------------
SYN_COOL="$BENCH_DIR/synthetic_10kb.cool"
SYN_HIC="$BENCH_DIR/synthetic_10kb.hic"
HIC_NOTE="$BENCH_DIR/synthetic_10kb.hic.skipped"
if [[ ! -s "$SYN_COOL" ]] || { [[ ! -s "$SYN_HIC" ]] && [[ ! -e "$HIC_NOTE" ]]; }; then
  log "generating synthetic 10 kb map (chr1, 5,000 bins, 1,000 diagonals)"
  rm -f "$SYN_COOL" "$SYN_HIC" "$HIC_NOTE"
  "$PY" - "$SYN_COOL" "$SYN_HIC" "$HIC_NOTE" <<'EOF'
import sys
import numpy as np
import pandas as pd
import cooler

cool_path, hic_path, note_path = sys.argv[1:4]
res, nbins, ndiag, chrom = 10_000, 5_000, 1_000, "chr1"
length = res * nbins
bins = pd.DataFrame({
    "chrom": [chrom] * nbins,
    "start": np.arange(nbins, dtype=np.int64) * res,
    "end": np.arange(1, nbins + 1, dtype=np.int64) * res,
})
# Upper-triangle band i <= j < i + ndiag, clipped at the chromosome end, row-major order.
i = np.repeat(np.arange(nbins, dtype=np.int64), np.minimum(ndiag, nbins - np.arange(nbins)))
starts = np.concatenate(([0], np.cumsum(np.minimum(ndiag, nbins - np.arange(nbins)))[:-1]))
j = i + (np.arange(len(i), dtype=np.int64) - np.repeat(starts, np.minimum(ndiag, nbins - np.arange(nbins))))
d = (j - i).astype(np.float64)
rng = np.random.default_rng(20240601)
lam = 200.0 * (d + 1.0) ** -1.0          # power-law decay with distance
count = (1 + rng.poisson(lam)).astype(np.int32)  # count >= 1: every pixel exists
pixels = pd.DataFrame({"bin1_id": i, "bin2_id": j, "count": count})
assert len(pixels) == 4_500_500, len(pixels)
cooler.create_cooler(cool_path, bins, pixels, ordered=True, dtypes={"count": "int32"},
                     assembly="synthetic")
print(f"wrote {cool_path}: {len(pixels)} pixels", file=sys.stderr)

try:
    import hictkpy
    FileWriter = hictkpy.hic.FileWriter
except (ImportError, AttributeError) as e:
    open(note_path, "w").write(f"hictkpy cannot write .hic: {e}\n")
    print(f"skipping .hic: {e}", file=sys.stderr)
else:
    w = FileWriter(hic_path, {chrom: length}, res, assembly="synthetic", n_threads=2)
    step = 1_000_000
    for k in range(0, len(pixels), step):
        w.add_pixels(pixels.iloc[k:k + step])
    w.finalize()
    print(f"wrote {hic_path}", file=sys.stderr)
EOF
fi

TOY="$BENCH_DIR/toy"
if [[ ! -s "$TOY.pairs.gz" || ! -s "$TOY.chrom.sizes" ]]; then
  log "simulating toy pairs (hiclstm-simulate --preset toy --pairs)"
  "$SIMULATE" --preset toy --pairs -o "$TOY" --force -q
fi
PAIRS_N="$( (gzip -dc "$TOY.pairs.gz" | grep -vc '^#') || true)"
TOY_BINS="$BENCH_DIR/toy.50kb.bins"
[[ -s "$TOY_BINS" ]] || "$COOLER" makebins "$TOY.chrom.sizes" 50000 > "$TOY_BINS"

# ---------------------------------------------------------------------------------------------
# Measurement helpers.
# ---------------------------------------------------------------------------------------------
CHECKS=()
busy() { ps -eo comm= | grep -cE '^(cargo|rustc|cc1plus|ld)$' || true; }
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
BUSY_BEFORE="$(busy)"
[[ "$BUSY_BEFORE" == 0 ]] || log "WARNING: $BUSY_BEFORE compiler processes running; timings will be perturbed"
RESULTS="$BENCH_DIR/results.tsv"   # tool, input, records, unit, median_s, peak_mb, command
: > "$RESULTS"
LOGF="$BENCH_DIR/bench.log"
: > "$LOGF"

# parquet_rows FILE: row count of a Parquet file.
parquet_rows() { "$PY" -c 'import sys, pyarrow.parquet as pq; print(pq.read_metadata(sys.argv[1]).num_rows)' "$1"; }

# measure TOOL INPUT RECORDS UNIT CMD...: RUNS timed runs, median wall seconds and peak RSS.
measure() {
  local tool="$1" input="$2" records="$3" unit="$4"; shift 4
  local t=() m=() k tf sec kb t0 t1
  tf="$(mktemp)"
  for ((k = 0; k < RUNS; k++)); do
    t0="$EPOCHREALTIME"
    if ! "$GTIME" -o "$tf" -f '%e %M' "$@" >/dev/null 2>>"$LOGF"; then
      log "FAILED: $*  (see $LOGF)"; rm -f "$tf"
      printf '%s\t%s\t%s\t%s\tFAILED\t\t%s\n' "$tool" "$input" "$records" "$unit" "$*" >> "$RESULTS"
      return 0
    fi
    t1="$EPOCHREALTIME"
    read -r sec kb < <(tail -n1 "$tf")
    t+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')"); m+=("$kb")
  done
  rm -f "$tf"
  local med_s med_kb
  med_s="$(printf '%s\n' "${t[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p")"
  med_kb="$(printf '%s\n' "${m[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p")"
  local cmd="" a
  for a in "$@"; do
    if [[ "$a" == *[[:space:]\']* ]]; then cmd+=" \"$a\""; else cmd+=" $a"; fi
  done
  cmd="${cmd# }"
  cmd="${cmd//$BENCH_DIR\//}"; cmd="${cmd//$BENCH_VENV\/bin\//}"; cmd="${cmd//$BIN\//}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$input" "$records" "$unit" "$med_s" \
    "$(awk -v k="$med_kb" 'BEGIN{printf "%.0f", k/1024}')" "$cmd" >> "$RESULTS"
  log "$tool on $input: runs ${t[*]} s, peak ${m[*]} KiB"
}

# hictkpy_code PATH RES CHROMS: the Python one-liner timed for hictkpy (start-up included).
hictkpy_code() {
  local path="$1" res="$2" chroms="$3" q=""
  local c
  for c in ${chroms//,/ }; do q+="f.fetch('$c', join=True).to_df(); "; done
  q="${q%; }"
  echo "import hictkpy; f = hictkpy.File('$path', $res); $q"
}
# hictkpy_count PATH RES CHROMS: pixels hictkpy returns for the same query.
hictkpy_count() {
  "$PY" -c "import hictkpy; f = hictkpy.File('$1', $2); print(sum(len(f.fetch(c, join=True).to_df()) for c in '$3'.split(',')))"
}

# bench_hiclstm LABEL INPUT CHROMS RES THREADS EXPECTED: time hiclstm-import, check pixel count.
bench_hiclstm() {
  local label="$1" input="$2" chroms="$3" res="$4" threads="$5" expected="$6"
  local out="$BENCH_DIR/out/${label//[^A-Za-z0-9._-]/_}.t$threads" args=()
  [[ -n "$res" ]] && args+=(-r "$res")
  [[ -n "$chroms" ]] && args+=(-c "$chroms")
  if ! "$IMPORT" "$input" "${args[@]}" -o "$out" --force --threads "$threads" -q 2>>"$LOGF"; then
    log "FAILED: hiclstm-import on $label (see $LOGF)"
    printf '%s\t%s\t0\tpixels\tFAILED\t\t%s\n' "hiclstm-import --threads $threads" "$label" \
      "hiclstm-import $input ${args[*]} -o $out --force --threads $threads -q" >> "$RESULTS"
    return 0
  fi
  local n; n="$(parquet_rows "$out.contacts.parquet")"
  if [[ -n "$expected" && "$n" != "$expected" ]]; then
    log "WARNING: hiclstm-import wrote $n pixels for $label, the reference returned $expected"
    CHECKS+=("MISMATCH: $label --threads $threads: hiclstm-import $n pixels, reference $expected")
  elif [[ -n "$expected" ]]; then
    CHECKS+=("$label --threads $threads: hiclstm-import wrote $n pixels, the reference returned $expected (equal)")
  fi
  measure "hiclstm-import --threads $threads" "$label" "$n" pixels \
    "$IMPORT" "$input" "${args[@]}" -o "$out" --force --threads "$threads" -q
}

# ---------------------------------------------------------------------------------------------
# Cases.
# ---------------------------------------------------------------------------------------------
# 1. Synthetic 10 kb .cool, chr1, 4,500,500 pixels.
log "case: synthetic .cool"
N="$("$COOLER" dump -t pixels --join "$SYN_COOL" | wc -l)"
measure "cooler dump" "synthetic_10kb.cool" "$N" pixels \
  "$COOLER" dump -t pixels --join "$SYN_COOL"
N="$(hictkpy_count "$SYN_COOL" 10000 chr1)"
measure "hictkpy" "synthetic_10kb.cool" "$N" pixels "$PY" -c "$(hictkpy_code "$SYN_COOL" 10000 chr1)"
bench_hiclstm synthetic_10kb.cool "$SYN_COOL" chr1 "" 1 "$N"
bench_hiclstm synthetic_10kb.cool "$SYN_COOL" chr1 "" 2 "$N"

# 2. The same map as .hic (written by hictkpy), when hictkpy could write it.
if [[ -s "$SYN_HIC" ]]; then
  log "case: synthetic .hic"
  N="$(hictkpy_count "$SYN_HIC" 10000 chr1)"
  measure "hictkpy" "synthetic_10kb.hic" "$N" pixels "$PY" -c "$(hictkpy_code "$SYN_HIC" 10000 chr1)"
  bench_hiclstm synthetic_10kb.hic "$SYN_HIC" chr1 10000 1 "$N"
  bench_hiclstm synthetic_10kb.hic "$SYN_HIC" chr1 10000 2 "$N"
else
  log "synthetic .hic skipped: $(cat "$HIC_NOTE" 2>/dev/null || echo 'not written')"
fi

# 3. Shared real files (small: start-up dominates).
DATA="$SHARED/data"
REAL_COOL="$DATA/calder_4dn_chr21_chr22_50kb.cool"
REAL_HIC="$DATA/calder_4dn_chr21_chr22_v9.hic"
if [[ -d "$DATA" ]]; then
  if [[ -s "$REAL_COOL" ]]; then
    log "case: shared .cool"
    # cooler dump has no multi-chromosome filter; it dumps the whole file (cis and trans)
    # in one process, so it does more work than the intra-chromosomal queries below.
    N="$("$COOLER" dump -t pixels --join "$REAL_COOL" | wc -l)"
    measure "cooler dump" "calder_4dn_chr21_chr22_50kb.cool (whole file, incl. trans)" "$N" pixels \
      "$COOLER" dump -t pixels --join "$REAL_COOL"
    N="$(hictkpy_count "$REAL_COOL" 50000 chr21,chr22)"
    measure "hictkpy" "calder_4dn_chr21_chr22_50kb.cool" "$N" pixels \
      "$PY" -c "$(hictkpy_code "$REAL_COOL" 50000 chr21,chr22)"
    bench_hiclstm calder_4dn_chr21_chr22_50kb.cool "$REAL_COOL" chr21,chr22 "" 1 "$N"
    bench_hiclstm calder_4dn_chr21_chr22_50kb.cool "$REAL_COOL" chr21,chr22 "" 2 "$N"
  fi
  if [[ -s "$REAL_HIC" ]]; then
    log "case: shared .hic at 100 kb (cooler cannot read .hic)"
    N="$(hictkpy_count "$REAL_HIC" 100000 chr21,chr22)"
    measure "hictkpy" "calder_4dn_chr21_chr22_v9.hic @100kb" "$N" pixels \
      "$PY" -c "$(hictkpy_code "$REAL_HIC" 100000 chr21,chr22)"
    bench_hiclstm "calder_4dn_chr21_chr22_v9.hic @100kb" "$REAL_HIC" chr21,chr22 100000 1 "$N"
    bench_hiclstm "calder_4dn_chr21_chr22_v9.hic @100kb" "$REAL_HIC" chr21,chr22 100000 2 "$N"
  fi
else
  log "$DATA absent: shared-file cases skipped"
fi

# 4. Pairs: 4DN .pairs.gz -> 50 kb map. Throughput is in input pairs per second.
log "case: pairs ($PAIRS_N pairs)"
CLOAD_OUT="$BENCH_DIR/out/toy.cload.cool"
rm -f "$CLOAD_OUT"
"$COOLER" cload pairs -c1 2 -p1 3 -c2 4 -p2 5 "$TOY_BINS" "$TOY.pairs.gz" "$CLOAD_OUT" 2>>"$LOGF"
CLOAD_NNZ="$("$PY" -c "import cooler, sys; print(cooler.Cooler(sys.argv[1]).info['nnz'])" "$CLOAD_OUT")"
# cooler cload pairs overwrites an existing output file.
measure "cooler cload pairs" "toy.pairs.gz @50kb ($CLOAD_NNZ pixels out)" "$PAIRS_N" pairs \
  "$COOLER" cload pairs -c1 2 -p1 3 -c2 4 -p2 5 "$TOY_BINS" "$TOY.pairs.gz" "$CLOAD_OUT"
OUT_PAIRS="$BENCH_DIR/out/toy.pairs"
"$IMPORT" "$TOY.pairs.gz" -r 50000 -o "$OUT_PAIRS" --force --threads 1 -q 2>>"$LOGF"
HP_NNZ="$(parquet_rows "$OUT_PAIRS.contacts.parquet")"
if [[ "$HP_NNZ" == "$CLOAD_NNZ" ]]; then
  CHECKS+=("toy.pairs.gz @50kb: hiclstm-import wrote $HP_NNZ pixels, cooler cload pairs $CLOAD_NNZ (equal)")
else
  CHECKS+=("MISMATCH: toy.pairs.gz @50kb: hiclstm-import $HP_NNZ pixels, cooler cload pairs $CLOAD_NNZ")
fi
measure "hiclstm-import --threads 1" "toy.pairs.gz @50kb ($HP_NNZ pixels out)" "$PAIRS_N" pairs \
  "$IMPORT" "$TOY.pairs.gz" -r 50000 -o "$OUT_PAIRS" --force --threads 1 -q

# ---------------------------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------------------------
echo "## Import benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs (nproc), $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1), $(free -g | awk '/^Mem:/{print $2}') GiB RAM"
echo "- load average (1/5/15 min): $LOAD_BEFORE before the run, $(cut -d' ' -f1-3 /proc/loadavg) after; compiler processes running: $BUSY_BEFORE before, $(busy) after"
echo "- versions: $V_HICLSTM, cooler $V_COOLER, hictkpy $V_HICTKPY, $("$PY" --version)"
echo "- median of $RUNS runs after one untimed warm-up; wall time (\$EPOCHREALTIME) and peak RSS (GNU time %M) of the whole process"
echo "- hiclstm-import writes Parquet to disk; cooler dump writes text to /dev/null; hictkpy builds a pandas DataFrame in memory"
echo
echo "| tool | input | records | median s | records/s | peak MB |"
echo "|---|---|---:|---:|---:|---:|"
awk -F'\t' '
  function th(x,   s) { s = sprintf("%.0f", x); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
  $5 == "FAILED" { printf "| %s | %s | - | FAILED | - | - |\n", $1, $2; next }
  {
    rate = ($5 > 0) ? $3 / $5 : 0
    printf "| %s | %s | %s %s | %.3f | %s | %d |\n", $1, $2, th($3), $4, $5, th(rate), $6
  }' "$RESULTS"
echo
echo "### Ratios (hiclstm-import vs reference, same input; time ratio > 1 = hiclstm faster, memory ratio < 1 = hiclstm smaller)"
echo
echo "| input | hiclstm | reference | time: ref s / hiclstm s | memory: hiclstm MB / ref MB |"
echo "|---|---|---|---:|---:|"
awk -F'\t' '
  $5 == "FAILED" { next }
  { key = $2; sub(/ \(.*$/, "", key) }
  $1 ~ /^hiclstm/ { h[++nh] = $0; hk[nh] = key; next }
  { r[++nr] = $0; rk[nr] = key }
  END {
    for (a = 1; a <= nh; a++) for (b = 1; b <= nr; b++) if (hk[a] == rk[b]) {
      split(h[a], H, "\t"); split(r[b], R, "\t")
      printf "| %s | %s | %s | %.2f | %.2f |\n", hk[a], H[1], R[1], R[5] / H[5], H[6] / R[6]
    }
  }' "$RESULTS"
echo
echo "### Checks (pixel counts of the untimed runs)"
echo
if ((${#CHECKS[@]})); then printf -- '- %s\n' "${CHECKS[@]}"; fi
echo
echo "### Commands timed (paths relative to \$BENCH_DIR, tools from \$BIN and \$BENCH_VENV/bin)"
echo
awk -F'\t' '{ printf "- %s, %s: `%s`\n", $1, $2, $7 }' "$RESULTS"
