#!/usr/bin/env bash
# The cost of confining a VM process (docs/security.md), against the release
# library: RUNS=30 bench/confine_bench.sh (as root). Make first.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc -Iinclude -o build/bench/confine_bench \
    bench/confine_bench.c build/libmica-host.a -lseccomp -lpthread
build/bench/confine_bench "${RUNS:-30}"
