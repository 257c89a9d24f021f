#!/bin/sh
# Prints mica's build version: `git describe` of a v* tag when there is one,
# else VERSION plus the commit (VERSION-gHASH[-dirty]), else VERSION alone
# (a tree without git, e.g. a source tarball).
cd "$(dirname "$0")/.." || exit 1
base=$(cat VERSION 2>/dev/null || echo unknown)
if v=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
    echo "${v#v}"
elif hash=$(git rev-parse --short HEAD 2>/dev/null); then
    dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | head -c1)
    echo "$base-g$hash${dirty:+-dirty}"
else
    echo "$base"
fi
