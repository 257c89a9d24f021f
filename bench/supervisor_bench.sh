#!/usr/bin/env bash
# The in-guest supervisor (issue 10) on and off in the same run: hcbench's
# per-operation costs (yield, which always reaches mica; the clock
# hypercall, served inside the guest with the supervisor; unmap + fault
# bounced to the guest's handler + remap) and `mica run hello.elf` as a
# whole process. Interleaved rounds, medians, on/off ratios. Needs
# /dev/kvm (on a host without one: scripts/kvm-in-qemu.sh bench/supervisor_bench.sh,
# whose nested, emulated figures compare only within one run).
# Measures, never asserts.
set -u
cd "$(dirname "$0")/.." || exit 125
MICA=${MICA:-build/mica}
ROUNDS=${ROUNDS:-7}
N=${N:-500}
[ -e /dev/kvm ] || { echo "skipped: /dev/kvm is absent"; exit 0; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq "$ROUNDS"); do
    for mode in off on; do
        "$MICA" run --supervisor "$mode" build/guests/hcbench.elf -- "$N" </dev/null 2>/dev/null |
            grep -o '[a-z_]*_ns=[0-9]*' >>"$out/$mode.hc"
        s=$(date +%s%N)
        "$MICA" run --supervisor "$mode" build/guests/hello.elf </dev/null >/dev/null 2>&1
        echo "whole_run_ns=$(($(date +%s%N) - s))" >>"$out/$mode.hc"
    done
done
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}'; }
printf '%-24s %14s %14s %8s\n' metric off_ns on_ns off/on
for metric in hypercall_ns clock_hypercall_ns clock_read_ns unmap_fault_remap_ns whole_run_ns; do
    off=$(grep "^$metric=" "$out/off.hc" | cut -d= -f2 | median)
    on=$(grep "^$metric=" "$out/on.hc" | cut -d= -f2 | median)
    ratio=$(awk -v a="$off" -v b="$on" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
    printf '%-24s %14s %14s %8s\n' "$metric" "$off" "$on" "$ratio"
done
echo "($ROUNDS interleaved rounds, hcbench n=$N, medians)"
