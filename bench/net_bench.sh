#!/usr/bin/env bash
# VIF benchmark (needs KVM; measures, never asserts): two PV guests on one
# switch process (`mica switch`), netping timing N UDP round trips to
# netecho (bench=N), RUNS runs; prints the median of the runs' median round
# trip and of their frames/s. Baseline in the same run: a round trip of the
# same frame between two host processes over a unix SOCK_SEQPACKET
# socketpair (python3), the transport under each hop to and from the switch
# (the KVM rig has no network, not even loopback).
# Usage: bench/net_bench.sh   (env: MICA=build/mica RUNS=5 N=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
MICA=${MICA:-build/mica}
RUNS=${RUNS:-5}
N=${N:-1000}
G=${GUESTS:-build/guests}
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "NA"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
[ -e /dev/kvm ] || { echo "net_bench: skipped: no /dev/kvm"; exit 0; }

dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
"$MICA" switch "$dir/sw" > "$dir/switch.out" &
for _ in $(seq 100); do [ -S "$dir/sw" ] && break; sleep 0.1; done

rtts=() fps=()
for r in $(seq "$RUNS"); do
    "$MICA" run "$G/netecho.elf" --name "echo$r" --timeout 300 \
        --net "switch=$dir/sw,mac=02:00:00:00:01:0b,ip=10.0.0.2" > "$dir/echo.out" 2>&1 &
    echo_pid=$!
    for _ in $(seq 600); do grep -q "netecho: up" "$dir/echo.out" && break; sleep 0.1; done
    line=$("$MICA" run "$G/netping.elf" --name "ping$r" --timeout 300 \
        --net "switch=$dir/sw,mac=02:00:00:00:01:0a,ip=10.0.0.1" -- 10.0.0.2 count=1 "bench=$N" |
        grep "netping: bench" || true)
    wait "$echo_pid" || true
    echo "  run $r: ${line:-no result}"
    rtts+=("$(echo "$line" | sed -n 's/.*median \([0-9]*\) ns.*/\1/p')")
    fps+=("$(echo "$line" | sed -n 's/.* \([0-9]*\) frames\/s.*/\1/p')")
done

base=$(python3 - "$N" <<'PY'
import socket, sys, time, os
n = int(sys.argv[1])
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
frame = bytes(60)
if os.fork() == 0:
    for _ in range(n):
        b.send(b.recv(2048))
    os._exit(0)
t = []
for _ in range(n):
    s = time.monotonic_ns(); a.send(frame); a.recv(2048)
    t.append(time.monotonic_ns() - s)
os.wait(); t.sort(); print(t[len(t) // 2])
PY
)
rtt=$(printf '%s\n' "${rtts[@]}" | grep . | median)
fr=$(printf '%s\n' "${fps[@]}" | grep . | median)
echo "VIF guest-to-guest UDP round trip through the switch process: median ${rtt} ns, ${fr} frames/s ($RUNS runs of $N)"
echo "host process-to-process round trip over a SOCK_SEQPACKET socketpair (baseline): median ${base} ns"
[ "$rtt" != NA ] && echo "ratio (VIF / socketpair): $(echo "scale=1; $rtt / $base" | bc)"
