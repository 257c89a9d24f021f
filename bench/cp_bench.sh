#!/usr/bin/env bash
# Control-program figures (docs/control-program.md): API round trips for
# `list` (empty, 1,000 VMs defined, 1,000 running), creating and starting
# 1,000 real PV VMs through the API, the daemon's RSS. Release build: make first.
#   VMS=1000 RUNS=3 bench/cp_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
gcc -std=c11 -O2 -Wall -Wextra -Werror -o build/bench/cp_bench bench/cp_bench.c -lcurl
# Each VM is a process with a few descriptors; the daemon keeps one pidfd per VM.
ulimit -n "$(ulimit -Hn)"
build/bench/cp_bench "$(pwd)/build/mica" build/guests "${VMS:-1000}" "${RUNS:-3}"
