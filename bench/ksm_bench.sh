#!/usr/bin/env bash
# Content-based page sharing, one run (needs /dev/kvm and root for KSM):
# N identical idle shell VMs (default 1000, of MEM MiB each, default 8),
# host memory used (MemTotal - MemAvailable) with their RAM not offered to
# KSM, then offered (--ksm) once KSM has made FULL_SCANS full scans
# (default 2); prints both figures, the ratio (goal <= 30%) and how long
# KSM took. The host's KSM settings are restored at the end.
#   N=20 bench/ksm_bench.sh [MICA] [GUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
MICA=${1:-build/mica}
GUESTS=${2:-build/guests}
N=${N:-1000}
MEM=${MEM:-8}
FULL_SCANS=${FULL_SCANS:-2}
KSM=/sys/kernel/mm/ksm
dir=$(mktemp -d /tmp/mica-ksm-bench-XXXXXX)
old_run=$(cat $KSM/run); old_pages=$(cat $KSM/pages_to_scan); old_sleep=$(cat $KSM/sleep_millisecs)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "$old_pages" > $KSM/pages_to_scan; echo "$old_sleep" > $KSM/sleep_millisecs
    echo "$old_run" > $KSM/run
    rm -rf "$dir"
}
trap cleanup EXIT
used_kib() { awk '/^MemTotal:/ {t=$2} /^MemAvailable:/ {a=$2} END {print t - a}' /proc/meminfo; }

# Starts N shells (extra flags in $@), waits for every prompt, prints the
# host memory they added in KiB; leaves them running.
start_vms() {
    local base; base=$(used_kib)
    for i in $(seq 1 "$N"); do
        sleep infinity | "$MICA" run "$GUESTS/shell.elf" --mem "$MEM" --name "k$i" "$@" \
            >"$dir/out.$i" 2>&1 &
        pids+=($!)
    done
    for i in $(seq 1 "$N"); do
        for _ in $(seq 1 6000); do grep -q "cms>" "$dir/out.$i" 2>/dev/null && break; sleep 0.05; done
    done
    sleep 2
    echo $(( $(used_kib) - base ))
}
stop_vms() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
    sleep 2
}

echo 0 > $KSM/run
off=$(start_vms)
stop_vms
echo 1000 > $KSM/pages_to_scan; echo 10 > $KSM/sleep_millisecs
on_start=$(start_vms --ksm)
scans0=$(cat $KSM/full_scans); t0=$(date +%s.%N)
echo 1 > $KSM/run
while [ $(( $(cat $KSM/full_scans) - scans0 )) -lt "$FULL_SCANS" ]; do sleep 0.5; done
t1=$(date +%s.%N)
sharing=$(cat $KSM/pages_sharing); shared=$(cat $KSM/pages_shared)
merged=0
for p in "${pids[@]}"; do # mica run and its child, which holds the VM's RAM
    for q in "$p" $(cat /proc/$p/task/$p/children 2>/dev/null); do
        [ -r /proc/$q/ksm_merging_pages ] && merged=$(( merged + $(cat /proc/$q/ksm_merging_pages) ))
    done
done
saved_kib=$(( (sharing) * 4 ))
echo "N=$N shells of $MEM MiB: host memory without KSM ${off} KiB; with KSM ${on_start} KiB before merging,"
echo "  pages_shared=$shared pages_sharing=$sharing (saves ${saved_kib} KiB): $(( on_start - saved_kib )) KiB after"
echo "  ratio to 'off': $(( 100 * (on_start - saved_kib) / (off > 0 ? off : 1) ))%  (goal <= 30%)"
echo "  KSM took $(echo "$t1 - $t0" | bc) s for $FULL_SCANS full scans; ksm_merging_pages summed over VM processes: $merged"
