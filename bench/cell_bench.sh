#!/usr/bin/env bash
# Cells against processes, and the dispatcher with real PV guests (needs
# /dev/kvm; on a host without, run it in the KVM rig:
#   scripts/kvm-in-qemu.sh bench/cell_bench.sh).
#
# 1. Density: N idle shell VMs (the bundled CMS shell waiting for input)
#    in one `mica cell` against N `mica run` processes, in the same run:
#    host memory per VM (drop of MemAvailable / N, once every shell has
#    printed its prompt) and the time until all N prompts are out.
#    Median of RUNS rounds, cell and processes interleaved.
# 2. Fairness: SPINNERS CPU-bound guests in four weight classes (1:2:4:8)
#    for SECS seconds in one cell: each class's share of CPU against its
#    weight's share.
# 3. Dispatch: a warped, mostly idle guest (ticker: 1 ms sleeps) among the
#    same spinners: the dispatcher's picks per second and the wake-up
#    (event or deadline) to run latency, median and p99 (power-of-two
#    bounds, from `mica cell --stats`).
#
# Shares, picks and latencies are counted after SETTLE seconds (every
# guest started), for SECS seconds.
# Environment: MICA (default build/mica), GUESTS (build/guests), N (100),
# RUNS (3), SPINNERS (100), SECS (10), SETTLE (5), WORKERS (0: one per host
# CPU), TICK_MS (1; a sleep shorter than a hypercall's round trip never
# blocks: under emulation use 5 or more).
set -u
MICA=${MICA:-build/mica}
GUESTS=${GUESTS:-build/guests}
N=${N:-100}
RUNS=${RUNS:-3}
SPINNERS=${SPINNERS:-100}
SECS=${SECS:-10}
SETTLE=${SETTLE:-5}
TICK_MS=${TICK_MS:-1}
WORKERS=${WORKERS:-0}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cell-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[ -e /dev/kvm ] || { echo "cell_bench: skipped: no /dev/kvm"; exit 0; }
workers_opt=()
[ "$WORKERS" -gt 0 ] && workers_opt=(--workers "$WORKERS")

mem_available_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Waits (at most 600 s) until `count` "cms> " prompts are in the files.
wait_prompts() {
    local count=$1; shift
    for _ in $(seq 1 6000); do
        [ "$(cat "$@" 2>/dev/null | grep -o 'cms> ' | wc -l)" -ge "$count" ] && return 0
        sleep 0.1
    done
    echo "cell_bench: only $(cat "$@" | grep -o 'cms> ' | wc -l) of $count prompts after 600 s" >&2
    return 1
}

# Prints "KIB_PER_VM START_MS" for N shells in one cell.
density_cell() {
    sync; sleep 1
    local before t0 pid after t1
    before=$(mem_available_kib)
    t0=$(now_ms)
    "$MICA" cell "${workers_opt[@]}" "$GUESTS/shell.elf,count=$N,mem=4" >"$WORK/cell.out" 2>"$WORK/cell.err" &
    pid=$!
    wait_prompts "$N" "$WORK/cell.out"
    t1=$(now_ms)
    sleep 1
    after=$(mem_available_kib)
    kill -TERM $pid; wait $pid 2>/dev/null
    echo "$(( (before - after) / N )) $(( t1 - t0 ))"
}

# The same with N `mica run` processes (their stdin: one FIFO held open).
density_processes() {
    sync; sleep 1
    local before t0 after t1 pids=()
    rm -f "$WORK/in" "$WORK"/p.*.out
    mkfifo "$WORK/in"
    exec 3<>"$WORK/in"
    before=$(mem_available_kib)
    t0=$(now_ms)
    for i in $(seq 1 "$N"); do
        "$MICA" run --mem 4 --name "p$i" "$GUESTS/shell.elf" <"$WORK/in" >"$WORK/p.$i.out" 2>/dev/null &
        pids+=($!)
    done
    wait_prompts "$N" "$WORK"/p.*.out
    t1=$(now_ms)
    sleep 1
    after=$(mem_available_kib)
    kill -TERM "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
    exec 3>&-
    echo "$(( (before - after) / N )) $(( t1 - t0 ))"
}

echo "== density: $N idle shell VMs (mem=4 MiB each), median of $RUNS"
: >"$WORK/d.cell"; : >"$WORK/d.proc"
for r in $(seq 1 "$RUNS"); do
    density_cell | tee -a "$WORK/d.cell" | sed "s/^/  round $r cell:      KiB\/VM, ms to all prompts: /"
    density_processes | tee -a "$WORK/d.proc" | sed "s/^/  round $r processes: KiB\/VM, ms to all prompts: /"
done
cm=$(cut -d' ' -f1 "$WORK/d.cell" | median); cs=$(cut -d' ' -f2 "$WORK/d.cell" | median)
pm=$(cut -d' ' -f1 "$WORK/d.proc" | median); ps=$(cut -d' ' -f2 "$WORK/d.proc" | median)
echo "  cell:      $cm KiB per VM, all $N prompts in $cs ms"
echo "  processes: $pm KiB per VM, all $N prompts in $ps ms"
awk -v c="$cm" -v p="$pm" -v a="$cs" -v b="$ps" 'BEGIN {
    if (p > 0) printf "  memory per VM, cell/processes: %.2f\n", c / p;
    if (b > 0) printf "  time to all prompts, cell/processes: %.2f\n", a / b }'

per=$(( SPINNERS / 4 ))
[ "$per" -ge 1 ] || per=1
classes=()
for w in 1 2 4 8; do classes+=("$GUESTS/spin.elf,name=w$w,weight=$(( w * 100 )),count=$per"); done

window=(--settle "$SETTLE" --timeout "$((SETTLE + SECS))")
echo "== fairness: $((per * 4)) spinners, weights 1:2:4:8 ($per each), $SECS s after $SETTLE s"
"$MICA" cell "${workers_opt[@]}" --quiet --stats "${window[@]}" "${classes[@]}" 2>"$WORK/fair.err"
awk '/^cell: w[0-9]+-/ { split($2, n, "-"); ran[n[1]] += $6; total += $6 }
     END { for (c in ran) { w = substr(c, 2); printf "  class %s: %.2f%% of CPU (weight share %.2f%%)\n", c, 100 * ran[c] / total, 100 * w / 15 } }' \
    "$WORK/fair.err" | sort
grep -E "picks|wake-up" "$WORK/fair.err" | sed 's/^/  /'

echo "== dispatch: a warped ticker ($TICK_MS ms sleeps) among the $((per * 4)) spinners, $SECS s after $SETTLE s"
"$MICA" cell "${workers_opt[@]}" --quiet --stats "${window[@]}" "${classes[@]}" \
    "$GUESTS/ticker.elf,arg=$TICK_MS,arg=1000000,warp-us=10000,warp-limit-us=1000,unwarp-us=0" 2>"$WORK/lat.err"
grep -E "ticker|picks|wake-up" "$WORK/lat.err" | sed 's/^/  /'
echo "(wake-up latencies: every wake-up after the settling time, nearly all the ticker's)"
