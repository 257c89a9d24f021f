#!/bin/sh
# Installs what scripts/kvm-in-qemu.sh needs (Debian packages only): QEMU
# for x86 (TCG), a static busybox for the initramfs, cpio and kmod (depmod,
# modprobe) to build it. The kernel itself (linux-image-*-amd64) is not
# installed: kvm-in-qemu.sh fetches it with `apt-get download` and unpacks
# it with dpkg -x under build/kvmrig/. Not part of scripts/install-deps.sh.
set -eu
PKGS="qemu-system-x86 busybox-static cpio kmod"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# apt lists are needed by `apt-get download` in kvm-in-qemu.sh as well.
$SUDO apt-get update -qq
[ -z "$missing" ] && exit 0
echo "install-kvm-rig-deps: installing$missing"
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
