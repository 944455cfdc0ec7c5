#!/usr/bin/env bash
# sockets (feature tcp): tests/guest/sys_net.c, the socket calls against
# Linux's semantics over 127.0.0.1 (TCP and UDP, blocking and non-blocking,
# poll/select/epoll, options, names, shutdown, error codes). It runs natively
# first (musl-gcc -static), which proves the expectations are Linux's, then
# on hermit-c under QEMU with 1 and 2 CPUs. No NIC: loopback only.
. "$(dirname "$0")/../lib.sh"
SRC=$ROOT/tests/guest

if command -v musl-gcc >/dev/null; then
	if musl-gcc -static -O2 -o "$T/sys_net.native" "$SRC/sys_net.c" -lpthread >"$T/native.log" 2>&1; then
		guest "$T/sys_net.native"
		program_result "native sys_net"
	else
		fail "native sys_net" "musl-gcc failed: $(head -3 "$T/native.log")"
	fi
else
	skip "native sys_net" "musl-gcc is not installed"
fi

if ! HERMIT_FEATURES="default tcp" build sys_net "$SRC/sys_net.c" -lpthread; then
	fail "hermit sys_net" "hermit-gcc failed"
	exit 0
fi
for cpus in 1 2; do
	qemu -c "$cpus" "$T/sys_net"
	program_result "hermit sys_net on $cpus CPU(s)"
done
