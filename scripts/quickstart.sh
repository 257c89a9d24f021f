#!/bin/sh
# The first command: install what is needed, build, and boot the bundled
# guest (the mica CMS shell) attached to this terminal. Extra arguments go
# to `mica run` (e.g. --mem 64). Type `help` in the shell, `exit` to leave.
# Each step says what it does; the build shows how far it is (its whole
# output is in build/quickstart.log, and its end is shown if it fails).
set -eu
cd "$(dirname "$0")/.."
step() { printf '==> %s\n' "$*"; }

step "installing the build dependencies (apt)"
scripts/install-deps.sh

jobs=$(nproc)
log=build/quickstart.log
step "building mica with $jobs jobs (a few minutes the first time; log: $log)"
mkdir -p build
make -j"$jobs" >"$log" 2>&1 &
make_pid=$!
started=$(date +%s)
while kill -0 "$make_pid" 2>/dev/null; do
    compiled=$(grep -c -- ' -c ' "$log" || true)
    printf '\r    %s files compiled, %ss' "$compiled" "$(($(date +%s) - started))"
    sleep 1
done
if ! wait "$make_pid"; then
    printf '\n'
    tail -n 30 "$log"
    echo "quickstart: the build failed (the whole log is in $log)" >&2
    exit 1
fi
printf '\n'
step "booting the mica CMS shell (type help; exit leaves; Ctrl-C stops mica)"
exec build/mica run "$@"
