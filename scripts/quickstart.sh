#!/bin/sh
# The first command: install what is needed, build, and boot the bundled
# guest (the mica CMS shell) attached to this terminal. Extra arguments go
# to `mica run` (e.g. --mem 64). Type `help` in the shell, `exit` to leave.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j"$(nproc)" >/dev/null
exec build/mica run "$@"
