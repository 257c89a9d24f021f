#!/usr/bin/env bash
# Whole-process cost of control commands against `/bin/true` in the same
# run: medians of RUNS runs each, on an idle daemon with no VMs.
# Release build first (make).   RUNS=200 bench/cli_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-200}
dir=$(mktemp -d /tmp/mica-cli-bench-XXXXXX)
sock=$dir/mica.sock
build/mica daemon --socket "$sock" --state-dir "$dir/state" 2>"$dir/daemon.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

# Median wall time of a command, in microseconds.
median_us() {
    local t=()
    for _ in $(seq "$runs"); do
        local a=$EPOCHREALTIME
        "$@" >/dev/null 2>&1
        local b=$EPOCHREALTIME
        t+=($(((${b/./} - ${a/./}))))
    done
    printf '%s\n' "${t[@]}" | sort -n | sed -n "$((runs / 2 + 1))p"
}

base=$(median_us /bin/true)
printf '%-34s %8s us\n' "/bin/true" "$base"
for cmd in "build/mica list" "build/mica-cp list" "build/mica --version" "build/mica-cp --version"; do
    # shellcheck disable=SC2086
    us=$(MICA_SOCKET=$sock median_us $cmd)
    printf '%-34s %8s us  %5.1fx /bin/true\n' "$cmd" "$us" "$(echo "$us / $base" | bc -l)"
done
