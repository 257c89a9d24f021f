#!/usr/bin/env bash
# Full-virtualization benchmarks (measure, never assert):
#  1. time from start to the kernel banner ("Linux version") on the serial
#     console, Debian's stock kernel under mica and under Debian's QEMU
#     (qemu-system-x86_64 -enable-kvm -kernel ... -nographic), median of
#     RUNS runs each, and the ratio;
#  2. virtio-blk requests per second of mica's test kernel (fvtest) and
#     exits to mica per request, from two boots that differ only in the
#     number of requests (fvtest.blkbench=N), so boot cost cancels out.
# Usage: bench/fv_boot.sh   (env: MICA=build/mica RUNS=3 BLK_REQS=20000
#        LIMIT=900 seconds per boot, SKIP_QEMU=1, SKIP_BANNER=1)
# Installs qemu-system-x86 with apt-get when it is missing (bench only).
set -euo pipefail
cd "$(dirname "$0")/.."
MICA=${MICA:-build/mica}
RUNS=${RUNS:-3}
BLK_REQS=${BLK_REQS:-20000}
LIMIT=${LIMIT:-900}
CMDLINE="console=ttyS0 earlyprintk=ttyS0 reboot=k panic=-1 pci=off"
FVTEST=${FVTEST:-build/guests/fvtest.elf}

now() { echo "$EPOCHREALTIME"; }
elapsed() { echo "$(now) - $1" | bc -l; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "NA"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# Seconds from start until PATTERN shows in the output of CMD (NA past
# LIMIT); the command is stopped then.
time_to() {
    local pat=$1; shift
    local log; log=$(mktemp)
    local start; start=$(now)
    "$@" >"$log" 2>&1 </dev/null &
    local pid=$! t=""
    while :; do
        if grep -aq "$pat" "$log"; then t=$(elapsed "$start"); break; fi
        kill -0 "$pid" 2>/dev/null || break
        (( $(echo "$(elapsed "$start") > $LIMIT" | bc) )) && break
        sleep 0.02
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
    echo "${t:-NA}"
}

banner() {
    local kernel
    kernel=$(tests/integration/fv_debian_fetch.sh | sed -n 's/^KERNEL=//p')
    echo "kernel: $kernel"
    local m q
    m=$(for i in $(seq "$RUNS"); do
            t=$(time_to "Linux version" "$MICA" run --kernel "$kernel" --mem 256 --cmdline "$CMDLINE")
            echo "mica run $i: $t s" >&2
            echo "$t"
        done | grep -v NA | median)
    echo "mica: time to banner, median of $RUNS: ${m} s"
    if [ "${SKIP_QEMU:-0}" = 1 ]; then return; fi
    if ! command -v qemu-system-x86_64 >/dev/null; then
        apt-get install -y qemu-system-x86 >/dev/null
    fi
    q=$(for i in $(seq "$RUNS"); do
            t=$(time_to "Linux version" qemu-system-x86_64 -enable-kvm -m 256 -kernel "$kernel" \
                    -append "$CMDLINE" -nographic -no-reboot)
            echo "qemu run $i: $t s" >&2
            echo "$t"
        done | grep -v NA | median)
    echo "qemu: time to banner, median of $RUNS: ${q} s"
    if [ "$m" != NA ] && [ "$q" != NA ]; then
        echo "ratio qemu/mica: $(echo "$q / $m" | bc -l | cut -c1-6)"
    fi
}

# One fvtest boot: prints "seconds exits".
blk_boot() {
    local disk=$1 n=$2 start out
    start=$(now)
    out=$("$MICA" run --kernel "$FVTEST" --mem 32 --disk "$disk" --stats \
              --cmdline "console=ttyS0 fvtest.blkbench=$n" </dev/null 2>&1 >/dev/null)
    echo "$(elapsed "$start") $(echo "$out" | sed -n 's/.*exits \([0-9]*\) .*/\1/p')"
}

blk() {
    local disk; disk=$(mktemp)
    truncate -s 1M "$disk"
    local t0 t1 e0 e1
    t0=$(for i in $(seq "$RUNS"); do blk_boot "$disk" 0; done | awk '{print $1}' | median)
    e0=$(blk_boot "$disk" 0 | awk '{print $2}')
    t1=$(for i in $(seq "$RUNS"); do blk_boot "$disk" "$BLK_REQS"; done | awk '{print $1}' | median)
    e1=$(blk_boot "$disk" "$BLK_REQS" | awk '{print $2}')
    rm -f "$disk"
    echo "fvtest boot: ${t0} s with 0 requests, ${t1} s with $BLK_REQS (medians of $RUNS)"
    echo "virtio-blk: $(echo "$BLK_REQS / ($t1 - $t0)" | bc -l | cut -d. -f1) requests/s," \
         "exits to mica per request: $(echo "($e1 - $e0) / $BLK_REQS" | bc -l | cut -c1-6)" \
         "($e0 exits for the boot without, $e1 with)"
}

blk
[ "${SKIP_BANNER:-0}" = 1 ] || banner
