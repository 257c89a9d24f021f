#!/usr/bin/env bash
# Fetches what the slow Debian boot test needs into DIR (default
# ~/.cache/mica-debian; not under build/, where make looks for *.d), once: Debian's kernel (linux-image-amd64 and the
# linux-image-6.x package it depends on) and busybox-static, unpacked.
# Prints "KERNEL=path" and "BUSYBOX=path" on success. Needs apt-get and
# dpkg-deb (Debian or Ubuntu) and network access.
set -euo pipefail
dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/mica-debian}
mkdir -p "$dir"
cd "$dir"
if [ ! -f .done ]; then
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
        { echo "fv_debian_fetch: needs apt-get and dpkg-deb" >&2; exit 2; }
    rm -rf pkgs root && mkdir -p pkgs root
    (cd pkgs && apt-get download linux-image-amd64 busybox-static >&2)
    dep=$(dpkg-deb -f pkgs/linux-image-amd64_*.deb Depends | tr ',|' '\n\n' |
          sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1)
    [ -n "$dep" ] || { echo "fv_debian_fetch: no linux-image-6.x dependency found" >&2; exit 2; }
    (cd pkgs && apt-get download "$dep" >&2)
    for deb in pkgs/*.deb; do dpkg-deb -x "$deb" root; done
    touch .done
fi
kernel=$(ls root/boot/vmlinuz-* | head -1)
echo "KERNEL=$PWD/$kernel"
echo "BUSYBOX=$PWD/root/bin/busybox"
