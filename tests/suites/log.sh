#!/usr/bin/env bash
# The compile-time log filter HERMIT_LOG_LEVEL_FILTER (DESIGN.md D5): Off
# prints no kernel line, Debug prints debug lines, a misspelt level acts as
# Info. Each level is a kernel variant that hermit-gcc builds and caches.
. "$(dirname "$0")/../lib.sh"
src=$ROOT/examples/hello/hello.c

kernel_lines() { grep -c '^\[hermit ' "$OUT"; }
debug_lines() { grep -c '^\[hermit [0-9.]*\] DEBUG' "$OUT"; }
info_lines() { grep -c '^\[hermit [0-9.]*\] INFO' "$OUT"; }
is_zero() { [[ $("$@") == 0 ]]; }
is_nonzero() { [[ $("$@") != 0 ]]; }

for level in Off DEBUG Inof; do
	if ! HERMIT_LOG_LEVEL_FILTER=$level build "hello-$level" "$src"; then
		fail "log $level" "hermit-gcc failed"
		continue
	fi
	qemu --timeout 60 "$T/hello-$level"
	case $level in
	Off) check "log Off prints no kernel line" -- rc_is 0 -- has "Hello, world!" \
		-- is_zero kernel_lines ;;
	DEBUG) check "log Debug (any case) prints debug lines" -- rc_is 0 -- has "Hello, world!" \
		-- is_nonzero debug_lines -- is_nonzero info_lines ;;
	Inof) check "log misspelt level acts as Info" -- rc_is 0 -- is_nonzero info_lines \
		-- is_zero debug_lines ;;
	esac
done
check_variant() { [[ $(HERMIT_LOG_LEVEL_FILTER=$1 "$BIN/hermit-gcc" --print-variant) == "$2"-* ]]; }
check "log variant names" -- check_variant Trace trace -- check_variant warn warn \
	-- check_variant bogus info -- check_variant "" info
