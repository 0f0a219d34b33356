#!/usr/bin/env bash
# Times every shipped demo at full scale on the CPU (one thread) and on CUDA, whole
# child process, in a machine that has a GPU. Prints one line per run and a table.
# Usage (from the repository root): bench/gpu_demos.sh [python]   (needs torch + pydantic)
set -u
PY=${1:-python3}
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH} OMP_WAIT_POLICY=PASSIVE PYTHONUNBUFFERED=1
demos=${DEMOS:-$(ls demos/*.py | xargs -n1 basename | sed 's/\.py$//' | grep -v '^demokit$' | tr _ -)}
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
printf '%-20s %8s %8s %8s\n' demo cpu_s cuda_s headline_same
for d in $demos; do
  row="$d"
  for dev in cpu cuda; do
    s=$EPOCHREALTIME
    "$PY" -m drillbreak.demo_runner.child "$d" --device "$dev" --scale full >"/tmp/$d.$dev.jsonl" 2>"/tmp/$d.$dev.err"
    rc=$?
    e=$EPOCHREALTIME
    t=$(awk -v a="$s" -v b="$e" 'BEGIN{printf "%.2f", b-a}')
    [ $rc -eq 0 ] || { t="rc$rc"; tail -3 "/tmp/$d.$dev.err" >&2; }
    row="$row $t"
  done
  same=$("$PY" - "$d" <<'PYEOF'
import json, sys
d = sys.argv[1]
def head(dev):
    for line in open(f"/tmp/{d}.{dev}.jsonl"):
        ev = json.loads(line)
        if ev.get("type") == "result":
            return ev.get("headline", {})
    return {}
a, b = head("cpu"), head("cuda")
far = [k for k in a if isinstance(a[k], float) and isinstance(b.get(k), float) and abs(a[k] - b[k]) > 0.05 * max(1.0, abs(a[k]))]
print("yes" if a and b and not far else f"differ:{','.join(far[:4]) or 'missing'}")
PYEOF
)
  printf '%-20s %8s %8s %s\n' $row "$same"
done
