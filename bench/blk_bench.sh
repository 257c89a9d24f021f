#!/usr/bin/env bash
# PV disk throughput (measure, never assert; needs /dev/kvm): sequential
# reads and writes of MIB MiB from a guest (blkbench.elf) in 4 KiB and
# 64 KiB transfers, up to 16 requests in flight, against `dd` reading and
# writing the same image file on the host in the same run with the same
# block size. A request carries at most 44 KiB (11 segments; no indirect
# segments yet), so the guest moves 64 KiB as 44 KiB requests: "req/s"
# counts the guest's requests of that size, and dd's blocks.
# The image lives in RAM (/dev/shm) so the disk is not what is measured.
# Medians of RUNS runs each; MiB/s, requests per second, the guest's kicks
# and waits per request (each one hypercall), and guest/host ratios.
# Usage: bench/blk_bench.sh   (env: MICA=build/mica GUESTS=build/guests
#        RUNS=5 MIB=64 DIR=/dev/shm)
set -euo pipefail
cd "$(dirname "$0")/.."
MICA=${MICA:-build/mica}
GUESTS=${GUESTS:-build/guests}
RUNS=${RUNS:-5}
MIB=${MIB:-64}
DIR=${DIR:-/dev/shm}
IMG=$(mktemp "$DIR/mica-blkbench-XXXXXX.img")
trap 'rm -f "$IMG"' EXIT
dd if=/dev/zero of="$IMG" bs=1M count="$MIB" status=none

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "NA"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# Seconds the guest took for OP in KIB-KiB requests (and its counters on fd 3).
guest_run() {
    local line
    line=$("$MICA" run --disk "$IMG" "$GUESTS/blkbench.elf" -- "$1" "$2" "$MIB" </dev/null | grep '^blkbench ')
    echo "$line" >&3
    echo "$line" | awk '{print $7 / 1e9}'
}

# Seconds dd took for the same on the host (writes end with fdatasync, as
# the guest's end with a flush).
host_run() {
    local count=$((MIB * 1024 / $2)) out
    if [ "$1" = read ]; then
        out=$(dd if="$IMG" of=/dev/null bs="$2K" count="$count" 2>&1)
    else
        out=$(dd if=/dev/zero of="$IMG" bs="$2K" count="$count" conv=notrunc,fdatasync 2>&1)
    fi
    echo "$out" | awk '/copied/ {for (i = 1; i <= NF; i++) if ($i == "s," || $i == "s") print $(i-1)}' | tr , .
}

printf "%-10s %12s %12s %12s %12s %8s %14s\n" "test" "guest MiB/s" "guest req/s" "host MiB/s" "host req/s" "ratio" "kicks,waits/req"
for op in read write; do
    for kib in 4 64; do
        g=() h=()
        exec 3>"$IMG.counters"
        for _ in $(seq "$RUNS"); do
            g+=("$(guest_run "$op" "$kib")")
            h+=("$(host_run "$op" "$kib")")
        done
        exec 3>&-
        gs=$(printf '%s\n' "${g[@]}" | median)
        hs=$(printf '%s\n' "${h[@]}" | median)
        if ! [ -s "$IMG.counters" ] || [ -z "$gs" ] || [ -z "$hs" ]; then
            echo "blk_bench: $op ${kib}K: a run failed" >&2
            exit 1
        fi
        greqs=$(tail -1 "$IMG.counters" | awk '{gsub(",", ""); print $9}')
        per=$(tail -1 "$IMG.counters" | awk '{gsub(",", ""); printf "%.2f,%.2f", $11 / $9, $13 / $9}')
        rm -f "$IMG.counters"
        awk -v op="$op" -v kib="$kib" -v mib="$MIB" -v gs="$gs" -v hs="$hs" -v per="$per" \
            -v greqs="$greqs" 'BEGIN {
            printf "%-10s %12.1f %12.0f %12.1f %12.0f %7.2fx %14s\n", op " " kib "K",
                   mib / gs, greqs / gs, mib / hs, mib * 1024 / kib / hs, hs / gs, per }'
    done
done
echo "(medians of $RUNS runs; image of $MIB MiB in $DIR; ratio = guest / host throughput)"
