#!/usr/bin/env bash
# Model benchmark: hiclstm-train against the ORIGINAL Hi-C-LSTM (Python/PyTorch), in the same run
# on the same machine, on the shared 50 kb map (chr21 + chr22, raw counts). Every number printed
# here was measured by this script; absolute seconds are not portable between machines, the
# ratios (same run, same machine) are the comparable part.
#
# Usage:  bash bench/model.sh
# Env:    BIN        hiclstm binaries                     (default $HOME/.cache/hiclstm/target/release)
#         ORIG_SRC   the original's src/ folder            (default /tmp/hiclstm-orig/src)
#                    e.g. git --git-dir=<mirror of kevinbdsouza/Hi-C-LSTM> archive 920eaf6 src | tar -x -C /tmp/hiclstm-orig
#         ORIG_PY    Python with torch 2.11.0 numpy pandas cooler scipy captum tqdm
#                                                          (default /tmp/origvenv/bin/python)
#         ORIG_DATA  juicer-dump text for the original     (default /tmp/origdata; made with
#                    <shared>/anchors/make_data.py if missing)
#         WORK       scratch folder, raw logs in WORK/logs (default $HOME/.cache/hiclstm/bench-model)
#         SHARED     shared folder (data/, anchors/)       (default <repo>/../shared)
#         THREADS    threads for both tools                (default 2)
#         ORIG_LONG_EPOCHS  epochs of the original's long run (default 150)
#         SKIP_ORIG=1  skip the original (hiclstm only);  SKIP_HUMAN=1  skip the 10 kb human-size run
#
# Steps (sequential, never two trainings at once):
#   1 hiclstm-import of the .cool (whole process, median of 3)
#   2 original, 10 epochs, batch 210, hidden 8 (run_original.py)
#   3 hiclstm at the same settings, cells fused / reference / layernorm (frame head), fused + step head
#   4 hiclstm defaults (no config)
#   5 original, ORIG_LONG_EPOCHS epochs, batch 210, hidden 8
#   6 hiclstm defaults with hidden 16 and 32
#   7 hiclstm-simulate --preset human (10 kb) and 2 epochs of hiclstm-train on it
# Then a Markdown summary on stdout (also WORK/summary.md).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$HOME/.cache/hiclstm/target/release}"
ORIG_SRC="${ORIG_SRC:-/tmp/hiclstm-orig/src}"
ORIG_PY="${ORIG_PY:-/tmp/origvenv/bin/python}"
ORIG_DATA="${ORIG_DATA:-/tmp/origdata}"
WORK="${WORK:-$HOME/.cache/hiclstm/bench-model}"
SHARED="${SHARED:-$REPO/../shared}"
[[ -d "$SHARED" ]] && SHARED="$(cd "$SHARED" && pwd)"
COOL="${COOL:-$SHARED/data/calder_4dn_chr21_chr22_50kb.cool}"
ANCHORS="${ANCHORS:-$SHARED/anchors}"
THREADS="${THREADS:-2}"
ORIG_LONG_EPOCHS="${ORIG_LONG_EPOCHS:-150}"
SKIP_ORIG="${SKIP_ORIG:-0}"
SKIP_HUMAN="${SKIP_HUMAN:-0}"

log() { echo "bench-model: $*" >&2; }

for b in hiclstm-import hiclstm-train hiclstm-simulate; do
  [[ -x "$BIN/$b" ]] || { log "$BIN/$b not found; build first or set BIN"; exit 1; }
done
[[ -s "$COOL" ]] || { log "$COOL not found; set COOL or SHARED"; exit 1; }
HAVE_GTIME=0
/usr/bin/time -f '%M' true >/dev/null 2>&1 && HAVE_GTIME=1

LOGS="$WORK/logs"
mkdir -p "$LOGS" "$WORK/cfg"
rm -f "$LOGS"/*.status
cd "$WORK"

# run NAME CMD...: runs CMD with stdout -> LOGS/NAME.out, stderr -> LOGS/NAME.err and writes
# LOGS/NAME.status = "rc wall_seconds peak_rss_kb" (wall time from bash's $EPOCHREALTIME around
# the whole process; peak RSS from GNU time when present, else -1). Never aborts the script.
run() {
  local name=$1; shift
  {
    echo "# $(date -u '+%F %T') UTC  load: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# top CPU processes before the run:"
    ps -eo pid,pcpu,comm --sort=-pcpu | head -6 | sed 's/^/#   /'
    echo "# command: $*"
  } > "$LOGS/$name.info"
  local t0 t1 rc=0 rss=-1
  t0=$EPOCHREALTIME
  if [[ $HAVE_GTIME == 1 ]]; then
    /usr/bin/time -f '%M' -o "$LOGS/$name.rss" "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" || rc=$?
  else
    "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" || rc=$?
  fi
  t1=$EPOCHREALTIME
  [[ -s "$LOGS/$name.rss" ]] && rss="$(tail -n1 "$LOGS/$name.rss")"
  local wall
  wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
  echo "$rc $wall $rss" > "$LOGS/$name.status"
  echo "# after: load $(cut -d' ' -f1-3 /proc/loadavg); rc $rc; wall $wall s" >> "$LOGS/$name.info"
  if [[ $rc != 0 ]]; then
    log "$name FAILED (rc $rc, $wall s); see $LOGS/$name.err"
  else
    log "$name done in $wall s"
  fi
  return 0
}

# cfg NAME YAML: writes a config file, prints its path.
cfg() { printf '%s\n' "$2" > "$WORK/cfg/$1.yaml"; echo "$WORK/cfg/$1.yaml"; }

{
  echo "date_utc=$(date -u '+%F %T')"
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "mem_gib=$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "hiclstm=$("$BIN/hiclstm-train" --version)"
  echo "threads=$THREADS"
  echo "orig_long_epochs=$ORIG_LONG_EPOCHS"
} > "$LOGS/machine.env"

TRAIN=("$BIN/hiclstm-train" --device cpu --threads "$THREADS" --force)
CONTACTS="$WORK/calder.contacts.parquet"

# ---------------------------------------------------------------------------------------------
# 1. hiclstm data preparation: import (whole process), median of 3 after one warm-up.
# ---------------------------------------------------------------------------------------------
log "1 hiclstm-import $COOL"
run import_warmup "$BIN/hiclstm-import" "$COOL" -o "$WORK/calder" --force --threads "$THREADS"
for r in 1 2 3; do
  run "import_$r" "$BIN/hiclstm-import" "$COOL" -o "$WORK/calder" --force --threads "$THREADS"
done
[[ -s "$CONTACTS" ]] || { log "import failed, nothing to train on"; exit 1; }

# ---------------------------------------------------------------------------------------------
# The original: check it can run; make its input text if missing.
# ---------------------------------------------------------------------------------------------
ORIG_OK=0
if [[ $SKIP_ORIG != 1 ]]; then
  if [[ ! -x "$ORIG_PY" ]]; then
    log "original skipped: $ORIG_PY missing (python3 -m venv /tmp/origvenv && /tmp/origvenv/bin/pip install torch==2.11.0 numpy pandas cooler scipy captum tqdm)"
  elif [[ ! -f "$ORIG_SRC/training/model.py" ]]; then
    log "original skipped: $ORIG_SRC/training/model.py missing (set ORIG_SRC)"
  else
    ORIG_OK=1
    if [[ ! -s "$ORIG_DATA/GM/21/hic_chr21.txt" || ! -s "$ORIG_DATA/GM/22/hic_chr22.txt" ]]; then
      log "writing the original's input text to $ORIG_DATA"
      "$ORIG_PY" "$ANCHORS/make_data.py" "$COOL" "$ORIG_DATA" 21 22 >&2 || ORIG_OK=0
    fi
    "$ORIG_PY" -c 'import torch, sys; print(f"orig_torch={torch.__version__}"); print(f"orig_python={sys.version.split()[0]}")' >> "$LOGS/machine.env" || ORIG_OK=0
  fi
fi
echo "orig_ran=$ORIG_OK" >> "$LOGS/machine.env"
orig() { # orig NAME EPOCHS HIDDEN BATCH
  run "$1" env ORIG_SRC="$ORIG_SRC" DATA="$ORIG_DATA" "$ORIG_PY" "$ANCHORS/run_original.py" 50000 "$2" "$3" "$4"
}

# ---------------------------------------------------------------------------------------------
# 2. Original, 10 epochs, batch 210, hidden 8.
# ---------------------------------------------------------------------------------------------
if [[ $ORIG_OK == 1 ]]; then
  log "2 original, 10 epochs, batch 210, hidden 8"
  orig orig_e10 10 8 210
fi

# ---------------------------------------------------------------------------------------------
# 3. hiclstm at identical settings: batch 210, hidden 8, frame 150, 10 epochs, lr 0.01 for 5
#    epochs then 0.001; each cell with the frame head, and the fused cell with the step head.
# ---------------------------------------------------------------------------------------------
# The fused cell trains on CPU with hiclstm's own kernel (train.cpu_kernel: native, the default);
# fused:frame:libtorch is the same model through libtorch's LSTM.
for spec in fused:frame fused:frame:libtorch reference:frame layernorm:frame fused:step; do
  IFS=: read -r cell head kernel <<< "$spec"
  kernel=${kernel:-native}
  name="e10_${cell}_${head}"
  [[ $kernel == native ]] || name="${name}_$kernel"
  # Identical settings: the original's frames (observed steps only), no pairwise term, no
  # auxiliary decoder (today's defaults have all three).
  c="$(cfg "$name" "hidden: 8
frame_len: 150
frames: observed
pair_rank: 0
step_loss: 0
head: $head
cell: $cell
train:
  epochs: 10
  decay_after: 5
  batch_size: 210
  cpu_kernel: $kernel")"
  log "3 hiclstm 10 epochs, batch 210, hidden 8, $cell cell, $head head, $kernel kernel"
  run "$name" "${TRAIN[@]}" "$CONTACTS" -o "$WORK/m_${cell}_${head}" --config "$c"
done

# ---------------------------------------------------------------------------------------------
# 4. hiclstm defaults (auto schedule).
# ---------------------------------------------------------------------------------------------
log "4 hiclstm defaults"
run default "${TRAIN[@]}" "$CONTACTS" -o "$WORK/m_default"

# ---------------------------------------------------------------------------------------------
# 5. Original, long run.
# ---------------------------------------------------------------------------------------------
if [[ $ORIG_OK == 1 ]]; then
  log "5 original, $ORIG_LONG_EPOCHS epochs, batch 210, hidden 8"
  orig orig_long "$ORIG_LONG_EPOCHS" 8 210
fi

# ---------------------------------------------------------------------------------------------
# 6. Hidden size with the defaults.
# ---------------------------------------------------------------------------------------------
for h in 16 32; do
  log "6 hiclstm defaults, hidden $h"
  run "default_h$h" "${TRAIN[@]}" "$CONTACTS" -o "$WORK/m_default_h$h" --config "$(cfg "hidden$h" "hidden: $h")"
done

# ---------------------------------------------------------------------------------------------
# 7. Simulated human-chromosome-sized map at 10 kb, 2 epochs.
# ---------------------------------------------------------------------------------------------
if [[ $SKIP_HUMAN != 1 ]]; then
  log "7 hiclstm-simulate --preset human"
  run human_sim "$BIN/hiclstm-simulate" --preset human -o "$WORK/human" --force --threads "$THREADS"
  if [[ -s "$WORK/human.contacts.parquet" ]]; then
    log "7 hiclstm-train on the human-size map, 2 epochs"
    run human_train "${TRAIN[@]}" "$WORK/human.contacts.parquet" -o "$WORK/m_human" --epochs 2
  fi
fi
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$LOGS/machine.env"

# ---------------------------------------------------------------------------------------------
# Summary (standard-library Python only: parses the logs written above).
# ---------------------------------------------------------------------------------------------
python3 - "$LOGS" <<'EOF' | tee "$WORK/summary.md"
import json, os, re, statistics, sys

logs = sys.argv[1]
env = dict(l.rstrip("\n").split("=", 1) for l in open(f"{logs}/machine.env") if "=" in l)
BANDS = [("0-9", "0_10"), ("10-49", "10_50"), ("50-149", "50_150"), ("150+", "150_1000000000")]


def status(name):
    p = f"{logs}/{name}.status"
    if not os.path.exists(p):
        return None
    rc, wall, rss = open(p).read().split()
    return {"rc": int(rc), "wall": float(wall), "rss_mb": int(rss) / 1024 if int(rss) > 0 else None}


def hiclstm(name):
    """Parses a hiclstm-train log: data preparation, epochs, reconstruction."""
    st = status(name)
    if st is None:
        return None
    r = {"status": st, "ok": st["rc"] == 0}
    err = open(f"{logs}/{name}.err").read()
    m = re.search(r"data preparation ([\d.]+) s: (\d+) chromosome\(s\), (\d+) bins, (\d+) pixels in (\d+) frames of (\d+)(?: \([^)]*\))?; batch (\d+), (\d+) epochs \(learning rate drops after (\d+)\)", err)
    if m:
        r.update(prep=float(m[1]), bins=int(m[3]), pixels=int(m[4]), frames=int(m[5]), batch=int(m[7]), epochs=int(m[8]), decay=int(m[9]))
    # Seconds per epoch from frames/s (printed with 5+ significant digits) rather than the
    # 2-decimal seconds: seconds = frames / (frames/s).
    ep = re.findall(r"epoch (\d+)/(\d+): lr (\S+) loss (\S+) ([\d.]+) s (\d+) frames/s", err)
    if ep and "frames" in r:
        r["epoch_s"] = [r["frames"] / float(e[5]) for e in ep]
        r["fps"] = [float(e[5]) for e in ep]
        r["loss"] = [float(e[3]) for e in ep]
    m = re.search(r"training pixels: R2 (\S+) \(distance-mean baseline (\S+)\) over (\d+) pixels; by distance band (.*)", err)
    if m:
        r["r2"], r["base"], r["n"] = float(m[1]), float(m[2]), int(m[3])
        r["bands"] = {b[0]: (float(b[1]), float(b[2])) for b in re.findall(r"(\d+(?:-\d+|\+)): (\S+)/(\S+)", m[4])}
    return r


def original(name):
    st = status(name)
    if st is None:
        return None
    r = {"status": st, "ok": False}
    last = None
    for line in open(f"{logs}/{name}.out"):
        line = line.strip()
        if line.startswith("{"):
            try:
                last = json.loads(line)
            except ValueError:
                pass
    if last:
        r["epoch_s"] = last.get("epoch_s", [])
        r["loss"] = last.get("loss", [])
        r["prep"] = last.get("prep_s")
        r["frames"] = last.get("frames")
        if "r2" in last:
            r["ok"] = st["rc"] == 0
            r["r2"], r["base"], r["n"] = last["r2"], last["r2_distance_mean_baseline"], last["pixels"]
            r["bands"] = {b: (last[f"r2_{k}"], last[f"base_{k}"]) for b, k in BANDS if f"r2_{k}" in last}
    return r


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def f(x, d=3):
    return "n/a" if x is None or x != x else f"{x:.{d}f}"


def bands(r, with_base=False):
    if not r or "bands" not in r:
        return " / ".join(["n/a"] * 4)
    out = []
    for b, _ in BANDS:
        v = r["bands"].get(b)
        out.append("n/a" if v is None else (f"{v[0]:.3f} (base {v[1]:.3f})" if with_base else f"{v[0]:.3f}"))
    return " / ".join(out)


def fail(r, what):
    if r is None:
        return f"| {what} | not run | | | |"
    if not r.get("ok"):
        return f"| {what} | FAILED (rc {r['status']['rc']}) | | | |"
    return None


print(f"# hiclstm-train vs the original Hi-C-LSTM — {env.get('date_utc')} UTC")
print()
print(f"Machine: nproc {env.get('nproc')}, {env.get('cpu')}, {env.get('mem_gib')} GiB; load before {env.get('load_before')}, after {env.get('load_after')}. "
      f"{env.get('hiclstm')}; original: torch {env.get('orig_torch', 'n/a')}, Python {env.get('orig_python', 'n/a')}; {env.get('threads')} threads for both.")
print()

# (a) identical settings
o10 = original("orig_e10")
print("## (a) Identical settings: batch 210, hidden 8, frame 150, 10 epochs, lr 0.01 → 0.001 after 5")
print()
print("| tool / cell, head | s/epoch (median of 10) | original / this (s/epoch) | R² after 10 epochs | R² by band 0–9 / 10–49 / 50–149 / 150+ | whole process s |")
print("|---|---:|---:|---:|---|---:|")
o_ep = med(o10["epoch_s"]) if o10 and o10.get("epoch_s") else None
if o10 and o10.get("ok"):
    print(f"| original (layer-norm LSTM, frame head) | {f(o_ep)} | 1.00 | {f(o10['r2'])} | {bands(o10)} | {f(o10['status']['wall'], 1)} |")
else:
    print(fail(o10, "original"))
for name, label in [("e10_fused_frame", "fused (own CPU kernel), frame"), ("e10_fused_frame_libtorch", "fused (libtorch's LSTM), frame"),
                    ("e10_reference_frame", "reference, frame"), ("e10_layernorm_frame", "layernorm, frame"), ("e10_fused_step", "fused (own CPU kernel), step")]:
    r = hiclstm(name)
    x = fail(r, f"hiclstm {label}")
    if x:
        print(x)
        continue
    ep = med(r.get("epoch_s", []))
    ratio = f"{o_ep / ep:.1f}×" if o_ep else "n/a"
    print(f"| hiclstm {label} | {f(ep)} | {ratio} | {f(r.get('r2'))} | {bands(r)} | {f(r['status']['wall'], 1)} |")
if o10 and "base" in o10:
    print(f"| distance-mean baseline | | | {f(o10['base'])} | {' / '.join(f(o10['bands'][b][1]) for b, _ in BANDS)} | |")
print()

# (b) defaults vs the original's long run
d = hiclstm("default")
ol = original("orig_long")
print(f"## (b) hiclstm defaults vs the original's {env.get('orig_long_epochs')}-epoch run (batch 210, hidden 8)")
print()
print("| run | epochs | batch | training s (sum of epochs) | whole process s | R² | R² by band 0–9 / 10–49 / 50–149 / 150+ (distance-mean baseline) |")
print("|---|---:|---:|---:|---:|---:|---|")
if ol and ol.get("ok"):
    print(f"| original | {len(ol['epoch_s'])} | 210 | {f(sum(ol['epoch_s']), 1)} | {f(ol['status']['wall'], 1)} | {f(ol['r2'])} | {bands(ol, True)} |")
else:
    print(fail(ol, "original") + " | |")
if d and d.get("ok"):
    print(f"| hiclstm defaults (fused, frame head) | {d.get('epochs')} | {d.get('batch')} | {f(sum(d['epoch_s']), 1)} | {f(d['status']['wall'], 1)} | {f(d.get('r2'))} | {bands(d, True)} |")
else:
    print(fail(d, "hiclstm defaults") + " | |")
if ol and ol.get("ok") and d and d.get("ok"):
    tr = sum(ol["epoch_s"]) / sum(d["epoch_s"])
    wr = ol["status"]["wall"] / d["status"]["wall"]
    above = all(v[0] > v[1] for v in d["bands"].values())
    print()
    print(f"Training time ratio original / hiclstm defaults: {tr:.1f}× (sum of epoch seconds), {wr:.1f}× (whole process). "
          f"hiclstm R² {d['r2']:.3f} vs original {ol['r2']:.3f}; above the distance-mean baseline in every band: {'yes' if above else 'no'}. "
          f"ANCHORS target: R² ≥ 0.91 in ≤ 1/10 of the original's training time, above the baseline in every band → "
          f"{'met' if d['r2'] >= 0.91 and tr >= 10 and above else 'not met'} (on sum of epoch seconds).")
print()

# (c) data preparation
imp = [status(f"import_{i}") for i in (1, 2, 3)]
imp = [s["wall"] for s in imp if s and s["rc"] == 0]
cal = [r for r in (hiclstm(n) for n in ["e10_fused_frame", "e10_fused_frame_libtorch", "e10_reference_frame", "e10_layernorm_frame", "e10_fused_step", "default", "default_h16", "default_h32"]) if r and "prep" in r]
preps = [r["prep"] for r in cal]
o_preps = [r["prep"] for r in (o10, ol) if r and r.get("prep") is not None]
print("## (c) Data preparation (calder chr21 + chr22, 50 kb)")
print()
print("| step | seconds | original / this |")
print("|---|---:|---:|")
op = med(o_preps) if o_preps else None
if op:
    print(f"| original: load_hic + get_samples_sparse (prep_s, median of {len(o_preps)} runs: {', '.join(f(x) for x in o_preps)}) | {f(op)} | 1.0 |")
if preps:
    p = med(preps)
    print(f"| hiclstm-train data preparation (read table + build frames; median of {len(preps)} runs, range {f(min(preps))}–{f(max(preps))}) | {f(p)} | {f(op / p, 0) + '×' if op else 'n/a'} |")
if imp:
    i = med(imp)
    print(f"| hiclstm-import, whole process (.cool → Parquet; median of {len(imp)}) | {f(i)} | {f(op / i, 1) + '×' if op else 'n/a'} |")
    if preps:
        print(f"| hiclstm import + data preparation | {f(i + p)} | {f(op / (i + p), 1) + '×' if op else 'n/a'} |")
if cal:
    print()
    print(f"Frames: hiclstm {cal[0].get('frames')}, original {o10.get('frames') if o10 else 'n/a'}; pixels: hiclstm {cal[0].get('pixels')}.")
print()

# (d) hidden size
print("## (d) Hidden size, hiclstm defaults otherwise (auto schedule)")
print()
print("| hidden | epochs | s/epoch (median) | training s (sum) | R² | R² by band 0–9 / 10–49 / 50–149 / 150+ |")
print("|---:|---:|---:|---:|---:|---|")
for h, name in [(8, "default"), (16, "default_h16"), (32, "default_h32")]:
    r = hiclstm(name)
    if not r or not r.get("ok"):
        print(f"| {h} | {'not run' if r is None else 'FAILED (rc %d)' % r['status']['rc']} | | | | |")
        continue
    print(f"| {h} | {r.get('epochs')} | {f(med(r['epoch_s']))} | {f(sum(r['epoch_s']), 1)} | {f(r.get('r2'))} | {bands(r)} |")
print()

# (e) human-size map
hs, ht = status("human_sim"), hiclstm("human_train")
print("## (e) Simulated human-chromosome-sized map at 10 kb (`hiclstm-simulate --preset human`), 2 epochs")
print()
if ht and "epoch_s" in ht:
    print("| simulate s | bins | pixels | frames | batch | data preparation s | s/epoch | frames/s | whole process s | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---|---|---:|---:|")
    print(f"| {f(hs['wall'], 1) if hs else 'n/a'} | {ht.get('bins')} | {ht.get('pixels')} | {ht.get('frames')} | {ht.get('batch')} | {f(ht.get('prep'))} | "
          f"{', '.join(f(x, 2) for x in ht['epoch_s'])} | {', '.join(f'{x:.0f}' for x in ht['fps'])} | {f(ht['status']['wall'], 1)} | {f(ht['status']['rss_mb'], 0)} |")
    if cal and "pixels" in ht:
        c0 = cal[0]
        print()
        print(f"Data preparation per million pixels: calder {f(med(preps) / c0['pixels'] * 1e6)} s ({c0['pixels']} pixels), human-size {f(ht['prep'] / ht['pixels'] * 1e6)} s ({ht['pixels']} pixels).")
elif ht is None:
    print("not run")
else:
    print(f"FAILED (rc {ht['status']['rc']}); see logs/human_train.err")
EOF
log "raw logs in $LOGS; summary in $WORK/summary.md"
