#!/usr/bin/env bash
# The setup step of `make run`, `make test` and `make bench`: installs the
# Debian packages hermit-c needs when they are missing (as root), or prints
# the exact command to run (otherwise).
set -eu
packages=(gcc make binutils musl-tools musl-dev qemu-system-x86 cpio gzip python3 gdb)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if ((EUID != 0)); then
	echo "setup: missing Debian packages: ${missing[*]}" >&2
	echo "setup: run as root:  $cmd" >&2
	exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
