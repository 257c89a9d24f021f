#!/usr/bin/env bash
# `ctr run` end to end: a mica hello guest through mica-runc against runc
# running busybox `echo` in the same run (issue 14's goal: <= 1.5x runc).
# Alternates the two, RUNS times each (default 10), and prints medians and
# the ratio. Needs root, containerd + runc (scripts/install-deps.sh), busybox
# and /dev/kvm; says "skipped" otherwise. Release build first (make).
#   RUNS=20 bench/oci_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-10}
skip() { echo "oci_bench: skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (containerd)"
for p in containerd ctr runc busybox; do command -v $p >/dev/null || skip "$p is not installed"; done
[ -r /dev/kvm ] || skip "/dev/kvm cannot be opened (the mica guest needs it)"
[ -x build/mica ] && [ -f build/guests/hello.elf ] || skip "build first (make)"

dir=$(mktemp -d /tmp/mica-oci-bench-XXXXXX)
sock=$dir/c.sock
ns=mica-bench-$$
cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = "$dir/debug.sock"
TOML
containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
ctrd=$!
trap 'kill $ctrd 2>/dev/null; wait $ctrd 2>/dev/null; rmdir /run/containerd/runc/$ns 2>/dev/null; rm -rf "$dir"' EXIT
ctr() { command ctr --address "$sock" --namespace "$ns" "$@"; }
for _ in $(seq 200); do ctr version >/dev/null 2>&1 && break; sleep 0.05; done

mkdir -p "$dir/app" "$dir/bb/bin"
cp build/guests/hello.elf "$dir/app/hello.elf"
cp "$(command -v busybox)" "$dir/bb/bin/busybox"
ln -s "$(realpath build/mica)" "$dir/mica-runc"

# One timed `ctr run --rm`, in microseconds; the output must be right.
one_run() {
    local want=$1 a b out
    shift
    a=$EPOCHREALTIME
    out=$(ctr run --rm "$@" 2>&1) || { echo "oci_bench: failed: ctr run $*: $out" >&2; exit 1; }
    b=$EPOCHREALTIME
    [[ $out == *"$want"* ]] || { echo "oci_bench: unexpected output of ctr run $*: $out" >&2; exit 1; }
    echo $((${b/./} - ${a/./}))
}

median() { sort -n | sed -n "$((runs / 2 + 1))p"; }

# A first run of each, untimed: the page cache and containerd warm up.
one_run hello --runc-binary "$dir/mica-runc" --rootfs "$dir/app" warm-m /hello.elf >/dev/null
one_run hello --rootfs "$dir/bb" warm-r /bin/busybox echo hello >/dev/null
: >"$dir/mica.us"
: >"$dir/runc.us"
for i in $(seq "$runs"); do
    one_run "hello from" --runc-binary "$dir/mica-runc" --rootfs "$dir/app" "m$i" /hello.elf >>"$dir/mica.us"
    one_run hello --rootfs "$dir/bb" "r$i" /bin/busybox echo hello >>"$dir/runc.us"
done
m=$(median <"$dir/mica.us")
r=$(median <"$dir/runc.us")
printf 'ctr run, median of %d: runc + busybox echo %8d us\n' "$runs" "$r"
printf 'ctr run, median of %d: mica-runc + hello.elf %6d us  (%.2fx runc)\n' "$runs" "$m" \
    "$(echo "$m / $r" | bc -l)"
