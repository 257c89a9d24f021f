#!/usr/bin/env bash
# The layering rule of src/ (docs/architecture.md): a folder may include
# headers of its own layer or of lower ones, never of a higher one.
#   0  util vmm                                  (no guest knowledge)
#   1  pv pvio fv virtio hw boot disk netsw vfr  (one kind of guest or device)
#   2  sched run ctl snap                        (the VM process, the channel)
#   3  cp cli oci                                (the control program, commands)
# Prints each offending `file: #include "x/..."` and fails; a folder that
# is in no layer fails too, so a new one gets placed on purpose.
# Output is a cmocka-style summary so tests/run-tests.sh counts it.
set -u
cd "$(dirname "$0")/../.."
SRC=${1:-src}

layer_of() {
    case "$1" in
    util | vmm) echo 0 ;;
    pv | pvio | fv | virtio | hw | boot | disk | netsw | vfr) echo 1 ;;
    sched | run | ctl | snap) echo 2 ;;
    cp | cli | oci) echo 3 ;;
    *) echo "" ;;
    esac
}

bad=0
while IFS= read -r file; do
    from=${file#"$SRC"/}
    from=${from%%/*}
    lf=$(layer_of "$from")
    if [ -z "$lf" ]; then
        echo "$file: folder '$from' is in no layer (add it to $0)"
        bad=$((bad + 1))
        continue
    fi
    while IFS= read -r inc; do
        to=${inc#*\"}
        to=${to%%/*}
        lt=$(layer_of "$to")
        [ -z "$lt" ] && continue # "mica/..." (include/) and other non-src headers
        if [ "$lt" -gt "$lf" ]; then
            echo "$file: $inc (layer $lf '$from' includes layer $lt '$to')"
            bad=$((bad + 1))
        fi
    done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_0-9]+/' "$file")
done < <(find "$SRC" -mindepth 2 -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) | sort)

if [ "$bad" -eq 0 ]; then
    echo "layers: every include in $SRC runs downwards"
    echo "[  PASSED  ] 1 test(s)."
    exit 0
fi
echo "layers: $bad include(s) run upwards or folder(s) outside the layers"
echo "[  FAILED  ] 1 test(s), listed above"
exit 1
