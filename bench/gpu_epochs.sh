#!/usr/bin/env bash
# Seconds per training epoch on ONE GPU: hiclstm-train (CUDA) against the original Hi-C-LSTM
# (kevinbdsouza/Hi-C-LSTM 920eaf6, PyTorch, moved to CUDA), in the same run on the same card, at
# the identical settings of BENCHMARKS.md "Model (a)": batch 210, hidden 8, frame 150, frame head,
# lr 0.01 (no drop within EPOCHS <= 5), on the shared 50 kb map (chr21 + chr22, raw counts).
#
# Run from the repository root on the lent GPU machine:   bash bench/gpu_epochs.sh
# Everything comes back under $OUT (at most 7 files): gpu_epochs.log (this script's output),
# env.txt, prep.log, hiclstm_fused.log, original.log, hiclstm_reference.log, summary.tsv.
#
# Carried in gpu/ (made on the CPU machine beforehand; ../shared does not travel):
#   gpu/bin/hiclstm-train              stripped; linked against PyTorch 2.11.0 (cu130) libtorch
#   gpu/bin/hiclstm-import             optional: used only when no contacts table is carried
#   gpu/data/calder.contacts.parquet   hiclstm-import ../shared/data/calder_4dn_chr21_chr22_50kb.cool -o gpu/data/calder
#   gpu/data/calder.bins.parquet       (written beside it by the same command)
#   gpu/orig/src/training/*.py         the original's src/training at 920eaf6
#   gpu/anchors/run_original.py        copy of ../shared/anchors/run_original.py (patched here for CUDA)
#   gpu/lib/                           optional: extra shared libraries put first on LD_LIBRARY_PATH
#
# Env: EPOCHS (5), BATCH (210), HIDDEN (8), THREADS (2, host threads of both tools, as on CPU),
#      EXTRA_CELLS ("reference"; "" to skip), TOTAL_S (400: hard budget for the whole script),
#      DEVICE (cuda; "cpu" only for a dry run of this script off the GPU machine), PY (python3).
# The original's input text is written from the carried contacts table with pandas/pyarrow (the GPU
# machine has no cooler): the same pixels, bin starts and raw counts as anchors/make_data.py.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
REPO=$PWD
OUT="${OUT:-/tmp/gpu_epochs_out}"
WORK="${WORK:-/tmp/gpu_epochs_work}"
EPOCHS="${EPOCHS:-5}"; BATCH="${BATCH:-210}"; HIDDEN="${HIDDEN:-8}"; THREADS="${THREADS:-2}"
EXTRA_CELLS="${EXTRA_CELLS-reference}"
TOTAL_S="${TOTAL_S:-400}"
DEVICE="${DEVICE:-cuda}"
PY="${PY:-python3}"
G="$REPO/gpu"
mkdir -p "$OUT" "$WORK"
exec > >(tee "$OUT/gpu_epochs.log") 2>&1
TEE_PID=$!
T_START=$SECONDS
say() { echo "gpu_epochs [$((SECONDS - T_START)) s]: $*"; }

# limit WANT: seconds a part may take, capped so the whole script stays within TOTAL_S (keeps 20 s
# for the summary); prints 0 when too little is left to start the part.
limit() {
  local left=$((TOTAL_S - (SECONDS - T_START) - 20))
  local l=$(( $1 < left ? $1 : left ))
  (( l < 15 )) && l=0
  echo "$l"
}
# timed LIMIT LOG CMD...: runs CMD under timeout, output (stdout+stderr) to LOG; sets WALL and RC.
timed() {
  local lim=$1 log=$2; shift 2
  local t0=$EPOCHREALTIME
  RC=0
  timeout -k 5 "$lim" "$@" >"$log" 2>&1 || RC=$?
  WALL=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  (( RC == 124 || RC == 137 )) && echo "gpu_epochs: TIMED OUT after $lim s" >>"$log"
}

# ------------------------------------------------------------------------------------------------
# 0. Environment: GPU, Python/torch, libtorch for our binaries.
# ------------------------------------------------------------------------------------------------
{
  echo "date_utc=$(date -u '+%F %T')"
  echo "host_nproc=$(nproc)"
  echo "epochs=$EPOCHS batch=$BATCH hidden=$HIDDEN threads=$THREADS device=$DEVICE"
  echo "--- nvidia-smi -L"; timeout 20 nvidia-smi -L 2>&1
  echo "--- nvidia-smi query"
  timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,utilization.gpu,clocks.sm,clocks.max.sm,temperature.gpu --format=csv 2>&1
  echo "--- python"
  command -v "$PY"
  timeout 60 "$PY" -c 'import sys, torch
print("python", sys.version.split()[0], sys.executable)
print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())
print("cuda_available", torch.cuda.is_available(), "device_count", torch.cuda.device_count())
if torch.cuda.is_available(): print("device0", torch.cuda.get_device_name(0))' 2>&1
} >"$OUT/env.txt"
GPU_NAME=$(timeout 20 nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
GPU_NAME=${GPU_NAME:-none}
[[ $DEVICE == cpu ]] && GPU_NAME="cpu($(nproc) cores)"
TORCH_LIB=$(timeout 60 "$PY" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)
if [[ -d "$G/lib" ]]; then export LD_LIBRARY_PATH="$G/lib:$TORCH_LIB:${LD_LIBRARY_PATH:-}"; else export LD_LIBRARY_PATH="$TORCH_LIB:${LD_LIBRARY_PATH:-}"; fi
{
  echo "--- torch_lib=$TORCH_LIB"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  for b in hiclstm-train hiclstm-import; do
    if [[ -x "$G/bin/$b" ]]; then
      echo "--- ldd gpu/bin/$b (missing or torch/cuda libraries)"
      ldd "$G/bin/$b" 2>&1 | grep -E 'not found|libtorch_cuda|libtorch_cpu|cudart|cudnn|hdf5' || true
      echo "--- gpu/bin/$b --version: $(timeout 30 "$G/bin/$b" --version 2>&1 | head -3)"
    else
      echo "--- gpu/bin/$b: absent"
    fi
  done
} >>"$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

# ------------------------------------------------------------------------------------------------
# 1. Input: the contacts table (carried, or imported here), then the original's juicer-dump text.
# ------------------------------------------------------------------------------------------------
CONTACTS=""
{
  if [[ -s "$G/data/calder.contacts.parquet" ]]; then
    CONTACTS="$G/data/calder.contacts.parquet"
    echo "contacts: carried $CONTACTS"
  else
    COOL=""
    for c in "$G/data/calder_4dn_chr21_chr22_50kb.cool" "$REPO/shared/data/calder_4dn_chr21_chr22_50kb.cool" "$REPO/../shared/data/calder_4dn_chr21_chr22_50kb.cool"; do
      [[ -s "$c" ]] && { COOL=$c; break; }
    done
    if [[ -n "$COOL" && -x "$G/bin/hiclstm-import" ]]; then
      echo "contacts: importing $COOL with gpu/bin/hiclstm-import"
      timeout -k 5 60 "$G/bin/hiclstm-import" "$COOL" -o "$WORK/calder" --force --threads "$THREADS" && CONTACTS="$WORK/calder.contacts.parquet"
    else
      echo "contacts: NONE (no gpu/data/calder.contacts.parquet, and no .cool + gpu/bin/hiclstm-import)"
    fi
  fi
} >"$OUT/prep.log" 2>&1
ORIG_DATA="$WORK/origdata"
if [[ -n "$CONTACTS" ]]; then
  timeout -k 5 60 "$PY" - "$CONTACTS" "$ORIG_DATA" >>"$OUT/prep.log" 2>&1 <<'EOF'
# The juicer-dump text that the harness reads (as anchors/make_data.py writes it from the .cool):
# "start_i<TAB>start_j<TAB>raw count" per observed upper-triangle pixel, one file per chromosome.
import os, sys
import pandas as pd, pyarrow.parquet as pq
src, out = sys.argv[1], sys.argv[2]
t = pq.read_table(src, columns=["chrom", "start_i", "start_j", "count"]).to_pandas()
for n in ("21", "22"):
    px = t[t["chrom"] == f"chr{n}"]
    cnt = px["count"]
    if (cnt == cnt.round()).all():
        cnt = cnt.astype("int64")
    d = os.path.join(out, "GM", n)
    os.makedirs(d, exist_ok=True)
    pd.DataFrame({"a": px["start_i"], "b": px["start_j"], "c": cnt}).to_csv(f"{d}/hic_chr{n}.txt", sep="\t", header=False, index=False)
    print(f"original input chr{n}: {len(px)} pixels -> {d}/hic_chr{n}.txt")
EOF
  echo "original input text: rc $?" >>"$OUT/prep.log"
fi
cat "$OUT/prep.log"

# ------------------------------------------------------------------------------------------------
# 2. hiclstm-train on the GPU: identical settings, the fused cell (libtorch LSTM, cuDNN on CUDA).
# ------------------------------------------------------------------------------------------------
ours() { # ours CELL
  local cell=$1 lim
  lim=$(limit "${2:-120}")
  # Identical settings: the original's frames (observed steps only: 3,236 frames here, where
  # today's dense default makes 4,545), no pairwise term, no auxiliary decoder.
  printf 'hidden: %s\nframe_len: 150\nframes: observed\nhead: frame\npair_rank: 0\nstep_loss: 0\ncell: %s\ntrain:\n  epochs: %s\n  decay_after: 5\n  batch_size: %s\n' \
    "$HIDDEN" "$cell" "$EPOCHS" "$BATCH" >"$WORK/$cell.yaml"
  if [[ -z "$CONTACTS" || ! -x "$G/bin/hiclstm-train" || $lim == 0 ]]; then
    say "hiclstm $cell skipped (contacts '${CONTACTS}', binary present: $([[ -x $G/bin/hiclstm-train ]] && echo yes || echo no), time limit $lim)"
    echo "skipped" >"$OUT/hiclstm_$cell.log"; echo "skipped 0" >"$WORK/hiclstm_$cell.status"; return
  fi
  say "hiclstm-train --device $DEVICE, $cell cell, $EPOCHS epochs, batch $BATCH, hidden $HIDDEN (limit $lim s)"
  timed "$lim" "$OUT/hiclstm_$cell.log" "$G/bin/hiclstm-train" "$CONTACTS" --device "$DEVICE" --threads "$THREADS" --force \
    --config "$WORK/$cell.yaml" -o "$WORK/m_$cell"
  echo "$RC $WALL" >"$WORK/hiclstm_$cell.status"
  say "hiclstm $cell: rc $RC, $WALL s whole process"
  grep -E 'data preparation|epoch [0-9]+/|R2|error|warning' "$OUT/hiclstm_$cell.log" | cut -c1-220
}
ours fused 120

# ------------------------------------------------------------------------------------------------
# 3. The original on the same GPU, through the shared harness patched for CUDA (its own code is
#    imported unchanged; only the harness's device and tensor moves change).
# ------------------------------------------------------------------------------------------------
ORIG_SRC="$G/orig/src"
# The original's ln_lstm.py sets CUDA_VISIBLE_DEVICES="1" when imported, which hides the only card
# of a one-GPU machine ("Invalid device id" on the 2026-11-26 run): a copy with "0" is run instead
# (nothing else of it changes).
if [[ -f "$ORIG_SRC/training/ln_lstm.py" ]]; then
  rm -rf "$WORK/orig_src" && cp -r "$ORIG_SRC" "$WORK/orig_src"
  sed -i 's/CUDA_VISIBLE_DEVICES"\] = "1"/CUDA_VISIBLE_DEVICES"] = "0"/' "$WORK/orig_src/training/ln_lstm.py"
  ORIG_SRC="$WORK/orig_src"
fi
ANCHOR="$G/anchors/run_original.py"
[[ -f "$ANCHOR" ]] || { [[ -f "$REPO/shared/anchors/run_original.py" ]] && ANCHOR="$REPO/shared/anchors/run_original.py"; }
lim=$(limit 180)
if [[ ! -f "$ORIG_SRC/training/model.py" || ! -f "$ANCHOR" || ! -s "$ORIG_DATA/GM/22/hic_chr22.txt" || $lim == 0 ]]; then
  say "original skipped: src $ORIG_SRC/training/model.py $([[ -f $ORIG_SRC/training/model.py ]] && echo ok || echo MISSING), harness $ANCHOR $([[ -f $ANCHOR ]] && echo ok || echo MISSING), input text $([[ -s $ORIG_DATA/GM/22/hic_chr22.txt ]] && echo ok || echo MISSING), limit $lim"
  echo "skipped" >"$OUT/original.log"; echo "skipped 0" >"$WORK/original.status"
else
  "$PY" - "$ANCHOR" "$WORK/run_original_gpu.py" <<'EOF' || { echo "patching the harness failed" >"$OUT/original.log"; }
import sys
src = open(sys.argv[1]).read()
reps = [
    # Create the CUDA context before the original is imported (its device setting is handled
    # above, in the copy of ln_lstm.py).
    ("sys.path.insert(0, os.environ['ORIG_SRC'])\n",
     "sys.path.insert(0, os.environ['ORIG_SRC'])\n"
     "DEV = torch.device(os.environ.get('ORIG_DEVICE', 'cuda'))\n"
     "if DEV.type == 'cuda':\n    torch.cuda.init(); torch.zeros(1, device=DEV); torch.cuda.synchronize()\n"),
    ("device = torch.device('cpu')", "device = DEV"),
    # as the original's own train_model does: indices.to(device), values.to(device) per batch
    ("        pred, _ = model.forward(ind)\n", "        ind, val = ind.to(device), val.to(device)\n        pred, _ = model.forward(ind)\n"),
    ("preds.append(model.forward(input_idx[k:k + 2000])[0])", "preds.append(model.forward(input_idx[k:k + 2000].to(device))[0].cpu())"),
    ("'threads': 2}", "'threads': 2, 'device': str(DEV), 'device_name': torch.cuda.get_device_name(0) if DEV.type == 'cuda' else 'cpu'}"),
]
for a, b in reps:
    if src.count(a) != 1:
        sys.exit(f"harness patch: expected exactly one {a!r}, found {src.count(a)}")
    src = src.replace(a, b)
open(sys.argv[2], "w").write(src)
EOF
  if [[ -f "$WORK/run_original_gpu.py" ]]; then
    PP="$ORIG_SRC"
    if ! "$PY" -c 'import captum' >/dev/null 2>&1; then
      # captum is imported by the original's model.py for attribution only, never in training.
      mkdir -p "$WORK/stubs/captum"; : >"$WORK/stubs/captum/__init__.py"
      echo 'LayerIntegratedGradients = None  # stub: captum is not installed here; attribution only' >"$WORK/stubs/captum/attr.py"
      PP="$PP:$WORK/stubs"; say "captum not installed: stubbed (unused in training)"
    fi
    say "original (run_original.py patched for $DEVICE), $EPOCHS epochs, batch $BATCH, hidden $HIDDEN (limit $lim s)"
    (cd "$WORK" && timed "$lim" "$OUT/original.log" env PYTHONUNBUFFERED=1 PYTHONPATH="$PP${PYTHONPATH:+:$PYTHONPATH}" \
      ORIG_SRC="$ORIG_SRC" DATA="$ORIG_DATA" ORIG_DEVICE="$DEVICE" "$PY" "$WORK/run_original_gpu.py" 50000 "$EPOCHS" "$HIDDEN" "$BATCH"
     echo "$RC $WALL" >"$WORK/original.status")
    say "original: $(cat "$WORK/original.status" 2>/dev/null) (rc, whole process s)"
    grep -vE '^\{' "$OUT/original.log" | tail -5 | cut -c1-220
  else
    echo "skipped (harness not patched)" >>"$OUT/original.log"; echo "skipped 0" >"$WORK/original.status"
  fi
fi

# ------------------------------------------------------------------------------------------------
# 4. Extra: hiclstm's unrolled cells (the original's arithmetic), if time is left.
# ------------------------------------------------------------------------------------------------
for cell in $EXTRA_CELLS; do ours "$cell" 90; done

# ------------------------------------------------------------------------------------------------
# 5. Summary: summary.tsv (seconds per epoch = median over epochs 2..N, the first carries CUDA
#    start-up; epoch 1 separately). Standard-library Python only.
# ------------------------------------------------------------------------------------------------
"$PY" - "$OUT" "$WORK" "$GPU_NAME" "$DEVICE" "$EPOCHS" "$BATCH" "$HIDDEN" "fused $EXTRA_CELLS" <<'EOF'
import json, os, re, statistics, sys
out, work, gpu, device, epochs, batch, hidden, cells = sys.argv[1:9]
def status(name):
    try:
        rc, wall = open(f"{work}/{name}.status").read().split()[:2]
        return rc, float(wall)
    except Exception:
        return "not-run", float("nan")
rows = []
def row(tool, cell, frames, ep, fps, wall, rc, r2):
    first = ep[0] if ep else float("nan")
    rest = ep[1:] if len(ep) > 1 else ep
    rest_fps = fps[1:] if len(fps) > 1 else fps
    med = statistics.median(rest) if rest else float("nan")
    mfps = statistics.median(rest_fps) if rest_fps else float("nan")
    rows.append(dict(tool=tool, cell=cell, device=device, gpu=gpu, epochs_done=len(ep), batch=batch, hidden=hidden,
                     frame_len=150, frames=frames, epoch1_s=f"{first:.4f}", s_per_epoch=f"{med:.4f}", frames_per_s=f"{mfps:.0f}",
                     per_epoch_s=",".join(f"{x:.4f}" for x in ep) or "-", whole_process_s=f"{wall:.2f}", r2=r2, rc=rc))
    return med
hic = {}
for cell in cells.split():
    rc, wall = status(f"hiclstm_{cell}")
    try:
        log = open(f"{out}/hiclstm_{cell}.log", errors="replace").read()
    except OSError:
        log = ""
    m = re.search(r"pixels in (\d+) frames of", log)
    frames = int(m[1]) if m else 0
    eps = re.findall(r"epoch (\d+)/(\d+): lr (\S+) loss (\S+) ([\d.]+) s (\d+) frames/s", log)
    fps = [float(e[5]) for e in eps]
    ep = [frames / f if frames and f else float(e[4]) for e, f in zip(eps, fps)]
    m = re.search(r"R2 (\S+) \(distance-mean", log)
    hic[cell] = row("hiclstm-train", cell, frames, ep, fps, wall, rc, m[1] if m else "-")
rc, wall = status("original")
last = None
try:
    for line in open(f"{out}/original.log", errors="replace"):
        if line.startswith("{"):
            try: last = json.loads(line)
            except ValueError: pass
except OSError:
    pass
orig = float("nan")
if last:
    frames = last.get("frames") or 0
    ep = last.get("epoch_s", [])
    r2 = last.get("r2")
    orig = row("original", "layernorm-lstm(original)", frames, ep, [frames / x for x in ep if x], wall, rc, f"{r2:.4f}" if r2 is not None else "-")
else:
    row("original", "layernorm-lstm(original)", 0, [], [], wall, rc, "-")
cols = list(rows[0].keys())
with open(f"{out}/summary.tsv", "w") as f:
    f.write("\t".join(cols) + "\n")
    for r in rows:
        f.write("\t".join(str(r[c]) for c in cols) + "\n")
print("\n=== summary.tsv (s_per_epoch and frames_per_s: median over epochs 2..N; epoch1_s includes CUDA start-up)")
for r in [dict(zip(cols, cols))] + rows:
    print("  ".join(f"{str(r[c]):<14}" for c in ["tool", "cell", "gpu", "epochs_done", "frames", "epoch1_s", "s_per_epoch", "frames_per_s", "whole_process_s", "rc"]))
for cell, v in hic.items():
    if v == v and orig == orig and v > 0:
        print(f"ratio original / hiclstm-{cell} (s per epoch, same card, same run): {orig / v:.2f}x")
EOF
say "done; files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
exec >&- 2>&-
wait "$TEE_PID" 2>/dev/null || true
