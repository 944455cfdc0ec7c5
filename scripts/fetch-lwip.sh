#!/usr/bin/env bash
# Fetch lwIP's source from Debian's `lwip` source package into DIR/src
# (DESIGN.md D6: third-party sources are fetched at build time, never
# committed). Needs a deb-src entry, which scripts/setup.sh adds.
set -eu
dir=$1
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
cd "$dir.tmp"
if ! apt-get source -q lwip >apt.log 2>&1; then
	cat apt.log >&2
	echo "fetch-lwip: 'apt-get source lwip' failed; run scripts/setup.sh as root (it adds a deb-src entry), or add one yourself" >&2
	exit 1
fi
src=$(find . -maxdepth 1 -type d -name 'lwip-*' | head -1)
[[ -n $src && -f $src/src/core/tcp.c ]] || { echo "fetch-lwip: no lwIP tree in the source package" >&2; exit 1; }
cd ..
rm -rf "$dir"
mv "$dir.tmp" "$dir"
ln -s "$(basename "$src")" "$dir/src"
echo "fetch-lwip: $(basename "$src") in $dir"
