#!/usr/bin/env bash
# `make install DESTDIR=tmp PREFIX=/usr` lays out the tree a package would
# ship, and what it installed works from there: the binaries, the guest kit
# (mica-cc builds a guest against the installed headers and libmica), mica(1),
# bash completion and the systemd unit.  Prints a cmocka-like summary.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d /tmp/mica-install-test-XXXXXX)
trap 'rm -rf "$dest"' EXIT
bad=0
fail() { echo "check-install: $*"; bad=$((bad + 1)); }

if ! make -s -C "$root" install DESTDIR="$dest" PREFIX=/usr > "$dest.log" 2>&1; then
    cat "$dest.log"
    rm -f "$dest.log"
    echo "[  FAILED  ] 1 test(s), listed above: make install"
    exit 1
fi
rm -f "$dest.log"
u=$dest/usr
for f in bin/mica bin/mica-cp bin/mica-cc; do
    [ -x "$u/$f" ] || fail "$f is not an executable"
done
for f in share/mica/guests/shell.elf share/mica/kit/include/mica/abi.h \
    share/mica/kit/guest/lib/libmica.a share/mica/kit/guest/lib/guest.ld \
    share/doc/mica/README.md share/doc/mica/docs/api.yaml share/doc/mica/docs/control-program.md \
    share/man/man1/mica.1 share/bash-completion/completions/mica lib/systemd/system/mica.service; do
    [ -f "$u/$f" ] || fail "$f is missing"
done
grep -rq "$root" "$u/bin/mica-cc" "$u/lib/systemd/system/mica.service" &&
    fail "mica-cc or mica.service names the source tree"

# The installed binaries run from there (mica hands control commands to the mica-cp beside it).
"$u/bin/mica" --version | grep -q '^mica ' || fail "installed mica --version"
"$u/bin/mica" list --help | grep -q 'usage: mica list' || fail "installed mica list --help"

# The installed kit builds a guest (its mica-cc names /usr/share/mica/kit,
# which is under $dest until the package is installed).
grep -q "/usr/share/mica/kit" "$u/bin/mica-cc" || fail "mica-cc does not use the installed kit"
sed "s|/usr/share/mica/kit|$u/share/mica/kit|g" "$u/bin/mica-cc" > "$dest/mica-cc"
if ! sh "$dest/mica-cc" -o "$dest/greet.elf" "$root/guest/examples/greet.c" 2> "$dest/cc.err"; then
    fail "the installed kit cannot build guest/examples/greet.c: $(head -3 "$dest/cc.err")"
fi
[ -f "$u/share/mica/guests/hello.elf" ] && fail "a test guest (hello.elf) was installed"

# mica(1): generated, names every command, valid roff when groff is here.
man=$u/share/man/man1/mica.1
grep -q '^\.TH MICA 1' "$man" || fail "mica.1 has no .TH"
for cmd in run daemon create list events export; do
    grep -q "^\.SS $cmd\$" "$man" || fail "mica.1 does not describe $cmd"
done
if command -v groff > /dev/null; then
    warnings=$(groff -man -ww -z "$man" 2>&1)
    [ -z "$warnings" ] || fail "groff warns about mica.1: $warnings"
fi

# The unit runs the installed daemon and leaves VMs alone when it stops.
unit=$u/lib/systemd/system/mica.service
grep -q '^ExecStart=/usr/bin/mica daemon' "$unit" || fail "mica.service ExecStart"
grep -q '^KillMode=process' "$unit" || fail "mica.service would kill the VMs with the daemon"

# Completion: commands and options come from mica itself.
complete_words() {
    PATH="$u/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
        _mica; printf "%s\n" "${COMPREPLY[@]}"' _ "$u/share/bash-completion/completions/mica" "$@"
}
words=$(complete_words mica st)
for w in start stats; do
    grep -qx "$w" <<< "$words" || fail "completion of 'mica st' lacks $w (got: $words)"
done
grep -qx -- '--state' <<< "$(complete_words mica list --st)" ||
    fail "completion of 'mica list --st' lacks --state"

if [ "$bad" -eq 0 ]; then
    echo "install: make install DESTDIR lays out a working tree"
    echo "[  PASSED  ] 1 test(s)."
    exit 0
fi
echo "[  FAILED  ] 1 test(s), listed above"
exit 1
