#!/bin/sh
# Installs the Debian packages mica needs to build and test (skips what is
# already there). Run as root or with sudo available.
set -eu
PKGS="gcc make pkg-config clang libclang-rt-dev libcmocka-dev libjansson-dev libmicrohttpd-dev
      libsqlite3-dev zlib1g-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev
      libcurl4-openssl-dev libseccomp-dev containerd"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
