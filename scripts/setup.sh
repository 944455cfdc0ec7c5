#!/usr/bin/env bash
# The setup step of `make run`, `make test` and `make bench`: installs the
# Debian packages hermit-c needs when they are missing (as root), or prints
# the exact command to run (otherwise).
set -eu
packages=(gcc make binutils musl-tools musl-dev qemu-system-x86 cpio gzip python3 gdb dpkg-dev
	curl tshark wrk iproute2)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# lwIP comes from Debian's source package (apt-get source): that needs a
# deb-src entry, added in a file of our own when none is there.
src_list=/etc/apt/sources.list.d/hermit-c-src.sources
need_src=
if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	need_src=1
fi
if ((${#missing[@]} == 0)) && [[ -z $need_src ]]; then
	exit 0
fi
if [[ -n $need_src ]]; then
	if ((EUID != 0)); then
		echo "setup: no deb-src entry for 'apt-get source lwip'; as root, create $src_list with:" >&2
		echo "  Types: deb-src / URIs: http://deb.debian.org/debian / Suites: bookworm / Components: main" >&2
		exit 1
	fi
	echo "setup: adding a deb-src entry ($src_list) for lwIP's source package"
	printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$src_list"
	apt-get update -q >/dev/null
fi
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
