#!/usr/bin/env bash
# Interrupts and time: sleeps on the tickless timer queue, many concurrent
# timers firing in order (kernel self-test), serial input line by line and
# byte by byte.
. "$(dirname "$0")/../lib.sh"

if build sleep "$ROOT/tests/guest/sleep.c"; then
	qemu --timeout 60 "$T/sleep"
	check "sleep 1/10/100 ms and absolute on QEMU" -- rc_is 0 -- has "4 checks, 0 failed"
else
	fail "sleep" "build failed"
fi

qemu --timeout 60 -e HERMIT_SELFTEST=timers "$ROOT/build/examples/hello"
check "200 concurrent timers fire in deadline order (QEMU)" -- rc_is 0 \
	-- has "selftest timers: 200 timers, 0 fired early, 0 out of order" -- has "passed"

if [[ -w /dev/kvm ]] && build nofloat "$ROOT/uhyve/test/guest/nofloat_exit.c"; then
	guest "$BIN/uhyve" -e HERMIT_SELFTEST=timers "$T/nofloat" 0
	check "200 concurrent timers fire in deadline order (uhyve)" -- rc_is 0 \
		-- has "0 fired early, 0 out of order"
else
	skip "timers on uhyve" "no usable /dev/kvm here"
fi

if build stdin "$ROOT/tests/guest/stdin.c"; then
	OUT=$T/stdin.out
	printf 'alpha\nbeta gamma\nxyz\n' | timeout -k 5 60 "$BIN/hermit-qemu" "$T/stdin" 2 >"$OUT" 2>&1
	RC=$?
	check "stdin through the UART: lines, then bytes, then end of input" -- rc_is 0 \
		-- has "line 1: [alpha]" -- has "line 2: [beta gamma]" -- has "byte: [x]" \
		-- has "byte: [z]" -- has 'byte: [$]' -- has "end of input (read returned 0)"
	qemu --timeout 60 "$T/stdin" 1
	check "stdin at end of file at once (no input)" -- rc_is 0 \
		-- has "end of input (read returned 0)"
else
	fail "stdin" "build failed"
fi
