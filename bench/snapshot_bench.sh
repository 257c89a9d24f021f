#!/usr/bin/env bash
# Save, restore and clone of a 64 MiB PV domain (bench/snapshot_bench.c),
# against the release library; needs /dev/kvm (see docs/kvm-in-qemu.md for
# hosts without it). Make first. RUNS=9 N=10 bench/snapshot_bench.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc -Iinclude -o build/bench/snapshot_bench \
    bench/snapshot_bench.c build/libmica-host.a -lz -lpthread
build/bench/snapshot_bench build/guests "${1:-build/bench}" "${RUNS:-9}" "${N:-10}"
