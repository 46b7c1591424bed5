#!/usr/bin/env bash
# Today's defaults on ONE GPU: CUDA checks, timings and model quality on the shared 50 kb map.
#   1. hiclstm-train --device cuda with the defaults and --trans, seeds SEEDS (window head, hidden
#      12, auxiliary decoder, the trans term), and once with the opt-in long-range term
#      (cis_weight 0.03); each model is then predicted, evaluated and classified (blocked and by
#      chromosome) on the machine's CPU cores while the next one trains.
#   2. One CPU training of seed 0 on the same machine (--threads 2), alongside: the same-machine
#      ratio of CPU to GPU time for the defaults.
#   3. Inference on CUDA against CPU: a model trained on the CPU VM (carried) predicted with
#      --device cuda and --device cpu; the largest difference of predicted_prob is printed.
#   4. bench/gpu_epochs.sh without the extra cell: hiclstm against the original at identical settings.
#   5. A chr2-sized map at GM12878's density: 1 epoch of the defaults on CUDA (peak RSS, time).
# Run from the repository root on the lent GPU machine:   bash bench/gpu_defaults.sh
# Carried in gpu/ (made on the CPU machine beforehand; ../shared does not travel):
#   gpu/bin.tar.xz   stripped hiclstm-{train,predict,evaluate,classify,simulate} (tar cJf, to fit
#                    the 64 MiB that travels), linked against PyTorch 2.11.0's libtorch
#   gpu/data/        calder.{contacts,bins}.parquet and ct.trans.parquet (hiclstm-import --trans of
#                    ../shared/data/calder_4dn_chr21_chr22_50kb.cool), the Calder subcompartment and
#                    gene-coverage BED files, tasks.yaml (their paths under gpu/data), cpu_model/
#                    (a model trained on the CPU VM, and its predictions there: vm_pred.parquet)
#   gpu/orig, gpu/anchors  as bench/gpu_epochs.sh documents
# Comes back in $OUT: gpu_defaults.log (everything, with the summary) and results.tar.gz (logs and
# metrics tables).
# Env: PARTS ("train infer epochs chr2": 1-2, 3, 4, 5), SEEDS ("0 1 2"), TOTAL_S (420: hard budget for the whole script), CHROM (chr2:243199373);
#      for a dry run off the GPU machine: DEV=cpu, DRY_KEYS='  epochs: 2\n' (lines under train:).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
REPO=$PWD
OUT="${OUT:-/tmp/gpu_defaults_out}"; WORK="${WORK:-/tmp/gpu_defaults_work}"
PARTS="${PARTS:-train infer epochs chr2}"; SEEDS="${SEEDS:-0 1 2}"; DEV="${DEV:-cuda}"; TOTAL_S="${TOTAL_S:-420}"; CHROM="${CHROM:-chr2:243199373}"
G="$REPO/gpu"; B="$G/bin"; D="$G/data"
mkdir -p "$OUT" "$WORK/res" "$B"
exec > >(tee "$OUT/gpu_defaults.log") 2>&1
T0=$SECONDS
say() { echo "gpu_defaults [$((SECONDS - T0)) s]: $*"; }
left() { echo $((TOTAL_S - (SECONDS - T0))); }
[[ -f "$G/bin.tar.xz" ]] && tar xJf "$G/bin.tar.xz" -C "$B"
TORCH_LIB=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
say "$(date -u '+%F %T') $(nproc) cores; $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader); $(python3 -c 'import torch; print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version())')"
ldd "$B/hiclstm-train" | grep -E 'not found|libtorch_cuda' ; ldd "$B/hiclstm-classify" | grep -c torch
# peak LOG CMD...: runs CMD with output to LOG; prints the child's peak RSS and wall time.
peak() { local log=$1; shift; python3 -c 'import resource, subprocess, sys, time
t = time.time(); r = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT)
print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} wall_s {time.time() - t:.1f} rc {r.returncode}", flush=True)
sys.exit(r.returncode)' "$log" "$@"; }
# score NAME: predict (CPU), evaluate and classify a trained model in $WORK/NAME (run in background).
score() {
  local w=$WORK/$1
  "$B/hiclstm-predict" "$w/m" --contacts "$D/calder.contacts.parquet" --device cpu -t 2 -o "$w/pred.parquet" >"$w/predict.log" 2>&1
  "$B/hiclstm-evaluate" "$w/pred.parquet" -o "$w/eval" >"$w/eval.log" 2>&1
  "$B/hiclstm-classify" --representations "x=$w/m/representations.parquet" --tasks "$D/tasks.yaml" -o "$w/cls" >"$w/cls.log" 2>&1
  "$B/hiclstm-classify" --representations "x=$w/m/representations.parquet" --tasks "$D/tasks.yaml" --folds 2 --folds-by chromosome -o "$w/clc" >"$w/clc.log" 2>&1
}
train() { # train NAME SEED DEVICE [lines under train: in the config]
  local w=$WORK/$1 cfg=()
  mkdir -p "$w"
  if [[ -n "${4:-}${DRY_KEYS:-}" ]]; then printf 'train:\n%b%b' "${4:-}" "${DRY_KEYS:-}" >"$w/c.yaml"; cfg=(--config "$w/c.yaml"); fi
  say "train $1 (seed $2, $3): $(peak "$w/train.log" timeout 200 "$B/hiclstm-train" "$D/calder.contacts.parquet" "${cfg[@]}" --trans "$D/ct.trans.parquet" --seed "$2" --device "$3" -t 2 -o "$w/m" --force)"
  grep -E 'epoch (1|2|100)/|training pixels|done in|error' "$w/train.log" | cut -c1-200
}

# 2 (in the background, 2 of the 16 cores): the same training on CPU.
# (Background jobs are waited for by PID: a bare `wait` would also wait for the tee above.)
PIDS=()
has() { [[ " $PARTS " == *" $1 "* ]]; }
if has train; then
( train cpu.s0 0 cpu; score cpu.s0 ) &
PIDS+=($!)
# 1. The defaults on CUDA, each scored while the next trains.
for s in $SEEDS; do
  (( $(left) > 150 )) || { say "stop: $(left) s left"; break; }
  train d.s$s "$s" "$DEV"; score d.s$s & PIDS+=($!)
done
(( $(left) > 150 )) && { train cis.s0 0 "$DEV" '  cis_weight: 0.03\n'; score cis.s0 & PIDS+=($!); }
fi
# 3. CUDA against CPU inference of one model; and on CUDA without TF32 (NVIDIA_TF32_OVERRIDE=0).
if has infer; then
say "predict carried CPU model on $DEV, TF32 off: $(NVIDIA_TF32_OVERRIDE=0 peak "$WORK/pred_notf32.log" "$B/hiclstm-predict" "$D/cpu_model" --contacts "$D/calder.contacts.parquet" --device "$DEV" -t 2 -o "$WORK/pred_notf32.parquet" --force)"
for dev in "$DEV" cpu; do
  say "predict carried CPU model on $dev: $(peak "$WORK/pred_$dev.log" "$B/hiclstm-predict" "$D/cpu_model" --contacts "$D/calder.contacts.parquet" --device $dev -t 2 -o "$WORK/pred_$dev.parquet" --force)"
done
python3 - "$WORK" "$D/cpu_model/vm_pred.parquet" "$DEV" <<'EOF'
import sys, numpy as np, pyarrow.parquet as pq
w, vm = sys.argv[1], sys.argv[2]
t = {k: pq.read_table(p) for k, p in (("cuda", f"{w}/pred_" + sys.argv[3] + ".parquet"), ("cuda_notf32", f"{w}/pred_notf32.parquet"), ("cpu", f"{w}/pred_cpu.parquet"), ("vm", vm))}
for k in t: print(k, t[k].num_rows, "rows")
same_keys = all(t[k].select(["chrom", "i", "j"]).equals(t["cpu"].select(["chrom", "i", "j"])) for k in t)
a = {k: t[k]["predicted_prob"].to_numpy() for k in t}
print("same pixels in the same order:", same_keys)
print("max |cuda - cpu| predicted_prob %.3g, mean %.3g" % (np.abs(a["cuda"] - a["cpu"]).max(), np.abs(a["cuda"] - a["cpu"]).mean()))
print("TF32 off: max |cuda - cpu| predicted_prob %.3g, mean %.3g" % (np.abs(a["cuda_notf32"] - a["cpu"]).max(), np.abs(a["cuda_notf32"] - a["cpu"]).mean()))
print("max |cpu here - cpu on the VM| predicted_prob %.3g" % np.abs(a["cpu"] - a["vm"]).max())
EOF
fi
# 4. Against the original at identical settings.
if has epochs && (( $(left) > 120 )); then
  say "bench/gpu_epochs.sh (fused against the original, identical settings)"
  OUT=$WORK/epochs WORK=$WORK/epochs_work EXTRA_CELLS="" TOTAL_S=$(( $(left) - 30 < 150 ? $(left) - 30 : 150 )) bash bench/gpu_epochs.sh >/dev/null 2>&1
  cat "$WORK/epochs/summary.tsv" 2>/dev/null; grep -hE 'R2|s/epoch|error|skipped' "$WORK/epochs/gpu_epochs.log" | tail -8
fi
# 5. A chr2-sized map at GM12878's density, 1 epoch of the defaults on CUDA.
if has chr2 && (( $(left) > 80 )); then
  say "simulate $CHROM: $(peak "$WORK/sim.log" timeout $(( $(left) - 50 )) "$B/hiclstm-simulate" --chromosomes "$CHROM" -r 10000 --depth 900 -o "$WORK/gm" --force)"
  printf 'train:\n  epochs: 1\n' >"$WORK/e1.yaml"
  (( $(left) > 30 )) && say "train chr2 1 epoch cuda: $(peak "$WORK/chr2_train.log" timeout $(( $(left) - 15 )) "$B/hiclstm-train" "$WORK/gm.contacts.parquet" --config "$WORK/e1.yaml" --device "$DEV" --temp-dir "$WORK" -o "$WORK/chr2m" --force)"
  grep -E 'frames|epoch 1/|training pixels|done in|error' "$WORK/chr2_train.log" | cut -c1-220
fi
(( ${#PIDS[@]} )) && wait "${PIDS[@]}"
say "all runs done; summary"
python3 - "$WORK" <<'EOF'
import os, sys, statistics as st, pyarrow.parquet as pq
w = sys.argv[1]
def get(path, task, metric):
    rows = [r for r in pq.read_table(path).to_pylist() if r["task"] == task and r["metric"] == metric and r["method"] == "x/linear"]
    mean = [r["value"] for r in rows if r["fold"] is None]
    return mean[0] if mean else st.mean(r["value"] for r in rows)
print("run | R2 | blocked A/B | blocked subc | genes | bychr A/B | bychr subc")
for d in sorted(os.listdir(w)):
    p = f"{w}/{d}"
    if not os.path.exists(f"{p}/clc.metrics.parquet"): continue
    r2 = [r["value"] for r in pq.read_table(f"{p}/eval.metrics.parquet").to_pylist() if r["method"] == "pred" and r["chrom"] == "all" and r["metric"] == "r2" and r["distance_lo"] is None][0]
    v = [get(f"{p}/cls.metrics.parquet", "A_vs_B", "auroc"), get(f"{p}/cls.metrics.parquet", "subcompartments", "accuracy"), get(f"{p}/cls.metrics.parquet", "genes", "auroc"),
         get(f"{p}/clc.metrics.parquet", "A_vs_B", "auroc"), get(f"{p}/clc.metrics.parquet", "subcompartments", "accuracy")]
    print(d, "| %.3f | " % r2 + " | ".join("%.3f" % x for x in v))
EOF
cd "$WORK" && tar czf "$OUT/results.tar.gz" --exclude='*.safetensors' --exclude='pred*.parquet' --exclude='gm.*' --exclude='*frames*' --exclude=origdata \
  $(ls -d */ *.log 2>/dev/null) 2>/dev/null
ls -la "$OUT"
say "end"
