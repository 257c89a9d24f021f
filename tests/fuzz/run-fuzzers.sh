#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS, with a corpus under build/fuzz/corpus.
# Usage: run-fuzzers.sh SECONDS TARGET...
set -eu
secs=$1; shift
for t in "$@"; do
    name=$(basename "$t")
    corpus="build/fuzz/corpus/$name"
    mkdir -p "$corpus"
    # Seeds: the bundled guests are valid images to mutate from.
    [ "$name" = fuzz_pv_elf ] && cp -n build/guests/*.elf "$corpus"/ 2>/dev/null || true
    # Rings with a chain in them: random growth rarely reaches avail->idx.
    [ -d "tests/fuzz/seeds/$name" ] && cp -n "tests/fuzz/seeds/$name"/* "$corpus"/ 2>/dev/null || true
    echo "=== $name for ${secs}s"
    "$t" -max_total_time="$secs" -print_final_stats=1 "$corpus" 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' || true
done
