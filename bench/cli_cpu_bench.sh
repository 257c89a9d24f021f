#!/usr/bin/env bash
# CPU time (user + system, from the kernel's rusage of the children) of
# control commands against /bin/true in the same run: unlike wall time it
# hardly moves with the machine's load, and it is what dynamic loading
# costs.  Medians of RUNS runs each, on an idle daemon with no VMs.
# Release build first (make).   RUNS=50 bench/cli_cpu_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-50}
dir=$(mktemp -d /tmp/mica-cli-cpu-XXXXXX)
sock=$dir/mica.sock
build/mica daemon --socket "$sock" --state-dir "$dir/state" 2>"$dir/daemon.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
MICA_SOCKET=$sock RUNS=$runs python3 - <<'PY'
import os, resource, statistics, subprocess
runs = int(os.environ["RUNS"])
def cpu_us(cmd):
    samples = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1e6)
    return statistics.median(samples)
base = cpu_us(["/bin/true"])
print(f"{'/bin/true':34} {base:8.0f} us CPU")
for cmd in ["build/mica list", "build/mica-cp list", "build/mica --version", "build/mica-cp --version"]:
    us = cpu_us(cmd.split())
    print(f"{cmd:34} {us:8.0f} us CPU  {us / base:5.1f}x /bin/true")
PY
