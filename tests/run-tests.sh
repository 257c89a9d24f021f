#!/usr/bin/env bash
# Runs every test binary given (cmocka), prints each one's output, and ends
# with the totals on one line: "N passed, N failed, N skipped".
# A binary that dies without a cmocka summary (a sanitizer report, a
# signal) counts as one failure.
set -u
passed=0 failed=0 skipped=0
for t in "$@"; do
    echo "=== $t"
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
    if [ -z "$p$f$s" ]; then
        echo "!!! $t exited with status $rc and no test summary"
        failed=$((failed + 1))
        continue
    fi
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    skipped=$((skipped + ${s:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
        echo "!!! $t exited with status $rc"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
