#!/usr/bin/env bash
# The balloon, one run (needs /dev/kvm): a guest of MAX MiB (default 256)
# that touched almost all of it is ballooned to LOW MiB (default 32) over
# its control channel; prints the host's MemAvailable before and after, the
# share of the difference the host got back (goal >= 90%), and the time to
# deflate (give memory back) and inflate (take it again).
#   bench/balloon_bench.sh [MICA] [GUESTS]     (defaults build/mica build/guests)
set -euo pipefail
cd "$(dirname "$0")/.."
MICA=${1:-build/mica}
GUESTS=${2:-build/guests}
MAX=${MAX:-256}
LOW=${LOW:-32}
dir=$(mktemp -d /tmp/mica-balloon-bench-XXXXXX)
sock=$dir/control.sock
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT

avail_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
# The VM process (mica run's child) holds the RAM: its VmRSS.
vm_rss() { local c; c=$(cat /proc/$pid/task/$pid/children 2>/dev/null | awk '{print $1}')
           awk '/^VmRSS:/ {print $2 " KiB"}' /proc/${c:-$pid}/status; }
ctl() { python3 - "$sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().strip())
PY
}
# Seconds until the VMM says the guest holds $1 MiB (polled every 20 ms).
wait_current() {
    local want=$(( $1 << 20 )) t0 t1
    t0=$(date +%s.%N)
    for _ in $(seq 1 30000); do
        ctl '{"cmd":"stats"}' | grep -q "\"mem_current_bytes\":$want," && break
        sleep 0.02
    done
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
}

"$MICA" run "$GUESTS/balloon_hog.elf" --mem "$MAX" --control "$sock" -- $(( MAX - 16 )) \
    >"$dir/out" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do grep -q "touched" "$dir/out" 2>/dev/null && break; sleep 0.05; done
sleep 1
before=$(avail_kib); rss_before=$(vm_rss)
ctl "{\"cmd\":\"mem-set\",\"pages\":$(( LOW * 256 ))}" >/dev/null
deflate_s=$(wait_current "$LOW")
sleep 1
after=$(avail_kib); rss_after=$(vm_rss)
ctl "{\"cmd\":\"mem-set\",\"pages\":$(( MAX * 256 ))}" >/dev/null
inflate_s=$(wait_current "$MAX")
ctl '{"cmd":"shutdown"}' >/dev/null || true
wait $pid || true
gained=$(( after - before ))
diff=$(( (MAX - LOW) * 1024 ))
echo "balloon ${MAX} -> ${LOW} MiB: MemAvailable ${before} -> ${after} KiB (+${gained} KiB of ${diff} KiB: $(( 100 * gained / diff ))%)"
echo "VM process RSS ${rss_before} -> ${rss_after}"
echo "deflate $(( MAX - LOW )) MiB: ${deflate_s} s; inflate back: ${inflate_s} s"
