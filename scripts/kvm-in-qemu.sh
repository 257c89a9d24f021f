#!/usr/bin/env bash
# Runs a command with a working /dev/kvm on a host that has none: boots a
# Debian kernel in QEMU (TCG, emulated AMD SVM), loads its kvm.ko and
# kvm-amd.ko (nested SVM inside the emulator), and runs the command there.
#
#   scripts/kvm-in-qemu.sh [--] COMMAND [ARGS...]
#
# The command runs as root, in the current directory, in a chroot of this
# machine's root filesystem (shared read-only over 9p, with a tmpfs overlay
# on top, so it may write anywhere; nothing reaches the host). Its output is
# printed and its exit status is this script's; 124 = KVMRIG_TIMEOUT hit,
# 125 = the rig itself failed (no /dev/kvm in the VM, QEMU error, ...).
#
# Environment: KVMRIG_TIMEOUT (seconds, default 3600), KVMRIG_MEM (MiB,
# default 4096), KVMRIG_SMP (default 1), KVMRIG_CPU (default max),
# KVMRIG_KVM_AMD_PARAMS (default "nested=1"), KVMRIG_KERNEL_PKG (default:
# whatever linux-image-amd64 depends on), KVMRIG_DIR (default build/kvmrig),
# KVMRIG_PASS="VAR1 VAR2" (extra variables to pass in; MICA, GUESTS, CI,
# MICA_SLOW_TESTS, ASAN_OPTIONS, UBSAN_OPTIONS are always passed if set).
# Needs qemu-system-x86, busybox-static, cpio, kmod
# (scripts/install-kvm-rig-deps.sh) and the apt lists (apt-get update).
set -u
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
    sed -n '2,21s/^# \{0,1\}//p' "$0"
    exit 125
fi
die() { echo "kvm-in-qemu: $*" >&2; exit 125; }

TOP=$(cd "$(dirname "$0")/.." && pwd)
RIG=${KVMRIG_DIR:-$TOP/build/kvmrig}
mkdir -p "$RIG" || die "cannot create $RIG"
RIG=$(cd "$RIG" && pwd)
for tool in qemu-system-x86_64 cpio depmod modprobe gzip; do
    command -v $tool >/dev/null || die "$tool not found: run scripts/install-kvm-rig-deps.sh"
done
BUSYBOX=$(command -v busybox) || die "busybox not found: install busybox-static"
ldd "$BUSYBOX" >/dev/null 2>&1 && die "$BUSYBOX is not static: install busybox-static"

# --- 1. kernel + modules (once) -----------------------------------------
KDIR=$RIG/kernel
if [ ! -f "$KDIR/ok" ]; then
    pkg=${KVMRIG_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)}
    [ -n "$pkg" ] || die "no kernel package found (apt-get update first?)"
    echo "kvm-in-qemu: fetching $pkg" >&2
    rm -rf "$KDIR" && mkdir -p "$KDIR/deb" || die "cannot create $KDIR"
    (cd "$KDIR/deb" && apt-get download "$pkg" >/dev/null 2>&1) ||
        die "apt-get download $pkg failed"
    dpkg -x "$KDIR"/deb/*.deb "$KDIR/root" || die "dpkg -x failed"
    rm -rf "$KDIR/deb"
    touch "$KDIR/ok"
fi
KVER=$(ls "$KDIR/root/lib/modules" | head -1)
VMLINUZ=$KDIR/root/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || die "no $VMLINUZ"

# --- 2. initramfs (once per change of this script) ------------------------
INITRD=$RIG/initrd.gz
if [ ! -f "$INITRD" ] || [ "$0" -nt "$INITRD" ] || [ "$KDIR/ok" -nt "$INITRD" ]; then
    echo "kvm-in-qemu: building $INITRD" >&2
    depmod -b "$KDIR/root" "$KVER" || die "depmod failed"
    IR=$RIG/initrd-root
    rm -rf "$IR" && mkdir -p "$IR"/{bin,dev,proc,sys,host,out,newroot,upper,mods} || die "mkdir $IR"
    cp "$BUSYBOX" "$IR/bin/busybox"
    # Module load order, dependencies first (modprobe prints insmod lines).
    : > "$IR/mods/order"
    for m in kvm-amd 9pnet_virtio 9p virtio_pci overlay; do
        modprobe -d "$KDIR/root" -S "$KVER" --show-depends "$m" ||
            die "module $m not found in $KVER"
    done | while read -r kw path rest; do
        [ "$kw" = insmod ] || continue
        b=$(basename "$path")
        grep -qx "$b" "$IR/mods/order" && continue
        cp "$path" "$IR/mods/" && echo "$b" >> "$IR/mods/order"
    done
    cat > "$IR/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tr ',' ' '; }
fail() { echo "kvm-in-qemu(L1): $*"; echo 125 > /out/rc 2>/dev/null; poweroff -f; }
for m in $(cat /mods/order); do
    p=""; [ "$m" = kvm-amd.ko ] && p=$(arg kvmrig.amd)
    insmod /mods/$m $p || echo "kvm-in-qemu(L1): insmod $m $p failed"
done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /out || fail "cannot mount the out share"
[ -c /dev/kvm ] || { dmesg | grep -i -E 'kvm|svm' ; fail "no /dev/kvm"; }
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro host /host || fail "cannot mount the host root"
mount -t tmpfs -o mode=755 tmpfs /upper && mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/host,upperdir=/upper/u,workdir=/upper/w overlay /newroot ||
    fail "overlay mount failed"
for d in proc sys dev tmp run; do mkdir -p /newroot/$d; done
mount -t proc proc /newroot/proc; mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev; mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts; mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/tmp; chmod 1777 /newroot/tmp; mount -t tmpfs tmpfs /newroot/run
mkdir -p /newroot/run/kvmrig && mount --bind /out /newroot/run/kvmrig
ulimit -c 0
chroot /newroot /bin/sh /run/kvmrig/cmd.sh < /dev/null > /dev/console 2>&1
echo $? > /out/rc
sync
poweroff -f
EOF
    chmod +x "$IR/init"
    (cd "$IR" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$INITRD.tmp") &&
        mv "$INITRD.tmp" "$INITRD" || die "cpio failed"
fi

# --- 3. the command -------------------------------------------------------
OUT=$(mktemp -d "$RIG/run.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$OUT"' EXIT
{
    echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root"
    for v in MICA GUESTS CI MICA_SLOW_TESTS ASAN_OPTIONS UBSAN_OPTIONS ${KVMRIG_PASS:-}; do
        [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
    done
    printf 'cd %q || exit 125\n' "$PWD"
    printf '%q ' "$@"; echo
} > "$OUT/cmd.sh"
echo 125 > "$OUT/rc"

# --- 4. boot ---------------------------------------------------------------
bios=(); [ -f /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)
timeout --foreground -k 10 "${KVMRIG_TIMEOUT:-3600}" \
  qemu-system-x86_64 -accel tcg -machine q35 -cpu "${KVMRIG_CPU:-max}" \
    -smp "${KVMRIG_SMP:-1}" -m "${KVMRIG_MEM:-4096}" "${bios[@]}" \
    -display none -no-reboot -nic none -monitor none -serial stdio -nodefaults \
    -kernel "$VMLINUZ" -initrd "$INITRD" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off no_timer_check kvmrig.amd=${KVMRIG_KVM_AMD_PARAMS:-nested=1}" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$OUT",mount_tag=out,security_model=none \
    < /dev/null | stdbuf -oL tr -d '\r'
qrc=${PIPESTATUS[0]}
if [ "$qrc" -eq 124 ]; then
    echo "kvm-in-qemu: timed out after ${KVMRIG_TIMEOUT:-3600} s" >&2
    exit 124
fi
[ "$qrc" -eq 0 ] || die "qemu exited with status $qrc"
rc=$(cat "$OUT/rc" 2>/dev/null)
exit "${rc:-125}"
