#!/usr/bin/env bash
# Before/after benchmarks of two built trees in the same run, for hosts
# without /dev/kvm: run it through the KVM rig,
#   scripts/kvm-in-qemu.sh bench/rig_compare.sh /path/to/old-tree /path/to/new-tree
# Each tree needs `make` done. Interleaved rounds: `mica run hello.elf`
# start-up (pv_bench, vs /bin/true), null hypercall (hcbench), virtio-blk
# requests/s (fv_boot.sh), and `--jail` start-up of the second tree.
# Nested SVM under TCG: absolute figures are far from a real host's; compare
# only within one run. Measures, never asserts.
set -u
[ $# -eq 2 ] || { echo "usage: $0 OLD-TREE NEW-TREE" >&2; exit 125; }
here=$(cd "$(dirname "$0")/.." && pwd)
gcc -O2 -o /tmp/pv_bench "$here/bench/pv_bench.c" || exit 125
for round in 1 2; do
    for tree in "$1" "$2"; do
        cd "$tree" || exit 125
        echo "##### round $round $tree"
        /tmp/pv_bench build/mica build/guests "${RUNS:-10}" 2>&1 | tail -6
        for i in 1 2 3; do build/mica run build/guests/hcbench.elf -- 500 </dev/null 2>&1 | tail -1; done
        MICA=build/mica RUNS=1 SKIP_BANNER=1 SKIP_QEMU=1 BLK_REQS=5000 LIMIT=300 \
            "$here/bench/fv_boot.sh" 2>&1 | tail -2
    done
done
cd "$2" || exit 125
python3 - <<'PY'
import statistics, subprocess, time
def median_s(args):
    xs = []
    for _ in range(15):
        t = time.monotonic()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        xs.append(time.monotonic() - t)
    return statistics.median(xs)
for r in range(2):
    plain = median_s(["build/mica", "run", "build/guests/hello.elf"])
    jail = median_s(["build/mica", "run", "--jail", "build/guests/hello.elf"])
    true = median_s(["/bin/true"])
    print(f"start-up round {r}: plain {plain*1e3:.1f} ms, --jail {jail*1e3:.1f} ms, "
          f"ratio {jail/plain:.2f}; /bin/true {true*1e3:.2f} ms")
PY
