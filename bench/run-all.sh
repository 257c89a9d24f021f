#!/usr/bin/env bash
# Runs the PV benchmarks against the release build (make first).
# Prints medians and ratios against baselines measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
# First, as it needs no KVM.
echo "scheduling policies (10,000 vCPUs, simulated clock):"
gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -Iinclude -o build/bench/sched_bench \
    bench/sched_bench.c src/sched/policy.c src/sched/bvt.c src/sched/round_robin.c src/util/min_heap.c
build/bench/sched_bench "${SCHED_RUNS:-7}"
gcc -O2 -Wall -Wextra -Werror -o build/bench/pv_bench bench/pv_bench.c
build/bench/pv_bench build/mica build/guests "${RUNS:-20}"
echo "in-guest costs (hcbench, 5 runs):"
for i in 1 2 3 4 5; do build/mica run build/guests/hcbench.elf -- 2000 </dev/null; done
echo "cells against processes, fairness and dispatch (bench/cell_bench.sh):"
MICA=build/mica GUESTS=build/guests RUNS="${CELL_RUNS:-3}" bench/cell_bench.sh
