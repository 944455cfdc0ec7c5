#!/usr/bin/env bash
# guest: the guest test programs of tests/guest/ on hermit-c under QEMU (TCG).
# Every system-call program also runs natively on this Linux host (musl-gcc
# -static), which proves that its expectations are Linux's. Then: exit codes,
# arguments and environment, fault reports, and a malloc leak check.
. "$(dirname "$0")/../lib.sh"

SRC=$ROOT/tests/guest
SYS_PROGRAMS="sys_mem sys_io sys_time sys_proc sys_fd sys_file sys_proc_fs"

# in_backtrace NAME: the fault report's backtrace names the function NAME.
in_backtrace() { lines | sed -n '/backtrace:/,$p' | grep -qw -- "$1"; }

# in_report NAME: the fault report (from its FAULT: line on) names NAME.
in_report() { lines | sed -n '/FAULT:/,$p' | grep -qw -- "$1"; }

# fault_line WORDS: the report's FAULT: line names the exception WORDS.
fault_line() { lines | grep 'FAULT:' | grep -qF -- "$1"; }

# native_build NAME: tests/guest/NAME.c built for this host into $T/NAME.native.
native_build() {
	musl-gcc -static -O2 -fno-omit-frame-pointer -o "$T/$1.native" \
		"$SRC/$1.c" -lpthread >"$T/$1.native.log" 2>&1 && return
	sed 's/^/build: /' "$T/$1.native.log"
	return 1
}

# hermit_build NAME: tests/guest/NAME.c built with hermit-gcc into $T/NAME;
# prints why not (and returns non-zero) if that cannot be done. The
# compiler's messages go to stderr, which the runner shows as details.
hermit_build() {
	if [[ ! -x $BIN/hermit-gcc || ! -x $BIN/hermit-qemu ]]; then
		echo "build/bin/hermit-gcc or build/bin/hermit-qemu is missing (run make)"
		return 1
	fi
	[[ -f $T/$1 ]] && return
	build "$1" "$SRC/$1.c" -lpthread >&2 || { echo "hermit-gcc failed on $1.c"; return 1; }
}

# writev_whole: sys_io's line written by one writev of four pieces is whole.
writev_whole() { has_line "writev gathers in order: one two three"; }

NATIVE_FAULTS="fault_null:139 fault_div0:136 fault_stack:139"

native_tests() {
	local p
	if ! command -v musl-gcc >/dev/null; then
		for p in $SYS_PROGRAMS $NATIVE_FAULTS; do
			skip "native ${p%:*}" "musl-gcc is not installed"
		done
		return
	fi
	for p in $SYS_PROGRAMS; do
		native_build "$p" || { fail "native $p" "musl-gcc failed"; continue; }
		# In $T: sys_file works in a scratch directory under its cwd.
		guest sh -c 'cd "$1" && exec "$2"' sh "$T" "$T/$p.native"
		program_result "native $p"
		[[ $p == sys_io ]] && check "native writev output arrives whole" -- writev_whole
	done
	# The fault programs do fault on Linux, with the signal's status.
	for p in $NATIVE_FAULTS; do
		native_build "${p%:*}" || { fail "native ${p%:*}" "musl-gcc failed"; continue; }
		# A shell of its own reports the signal, into the output file.
		guest sh -c '"$1"' sh "$T/${p%:*}.native"
		check "native ${p%:*} dies with status ${p#*:}" -- rc_is "${p#*:}"
	done
}

sys_tests() {
	local p why
	for p in $SYS_PROGRAMS; do
		why=$(hermit_build "$p") || { fail "hermit $p" "$why"; continue; }
		qemu "$T/$p"
		program_result "hermit $p"
		[[ $p == sys_io ]] && check "hermit writev output arrives whole" -- writev_whole
	done
}

exit_tests() {
	local t code how expect why
	why=$(hermit_build exitcode) || {
		fail "hermit exit codes" "$why"
		return
	}
	for t in 0:exit:0 1:exit:1 42:exit:42 255:exit:255 42:return:42 \
		42:exit_group:42 42:exit_thread:42 256:exit:0; do
		IFS=: read -r code how expect <<<"$t"
		qemu "$T/exitcode" "$code" "$how"
		check "hermit exit($code) by $how -> status $expect" -- \
			rc_is "$expect" -- has "exiting with $code by $how"
	done
}

args_tests() {
	local why
	why=$(hermit_build args) || {
		fail "hermit arguments and environment" "$why"
		return
	}
	qemu -e 'GREETING=héllo wörld' "$T/args" 'a b' 'ü ñ' ''
	check "hermit argv with spaces, UTF-8 and an empty string" -- rc_is 0 -- \
		has_line "argc=4" -- has_line "argv[1]=<a b>" -- \
		has_line "argv[2]=<ü ñ>" -- has_line "argv[3]=<>"
	qemu -e 'GREETING=héllo wörld' -e 'EQ=a=b' -e 'EMPTY=' -e 'SPACES=  two  ' "$T/args"
	check "hermit environment with spaces, UTF-8, '=' and empty values" -- \
		rc_is 0 -- has_line "argc=1" -- env_has "GREETING=héllo wörld" -- \
		env_has "EQ=a=b" -- env_has "EMPTY=" -- env_has "SPACES=  two  "
	qemu "$T/args" -- -freq env=FOO=bar 'a,b' "it's" 'q"uote' 'back\slash'
	check "hermit argv that look like kernel options or need quoting" -- \
		rc_is 0 -- has_line "argc=8" -- has_line "argv[1]=<-->" -- \
		has_line "argv[2]=<-freq>" -- has_line "argv[3]=<env=FOO=bar>" -- \
		has_line "argv[4]=<a,b>" -- has_line "argv[5]=<it's>" -- \
		has_line 'argv[6]=<q"uote>' -- has_line 'argv[7]=<back\slash>' -- \
		no_env "FOO=bar"
}

# env_has KV / no_env KV: args printed (or did not print) the variable KV.
env_has() { lines | sed -n 's/^env\[[0-9]*\]=<\(.*\)>$/\1/p' | grep -qxF -- "$1"; }
no_env() { ! env_has "$1"; }

# fault_test PROGRAM STATUS EXCEPTION WORDS FAULTING CALLER: the app faults;
# the report's FAULT: line names EXCEPTION, the report says WORDS and names
# the function FAULTING, its backtrace names CALLER, QEMU ends by itself with
# STATUS.
fault_test() {
	local prog=$1 status=$2 exception=$3 words=$4 faulting=$5 caller=$6 why
	why=$(hermit_build "$prog") || { fail "hermit $prog" "$why"; return; }
	qemu "$T/$prog"
	check "hermit $prog: $words report, status $status" -- \
		not_timed_out -- has "$prog: " -- fault_line "$exception" -- \
		has "$words" -- in_report "$faulting" -- \
		in_backtrace "$caller" -- rc_is "$status"
}

fault_tests() {
	fault_test fault_null 139 "page fault" "NULL pointer dereference" \
		null_store null_caller
	fault_test fault_div0 136 "divide error" "divide error" \
		div0_divide div0_caller
	# A stack overflow is a page fault, but it may be reported as such only
	# in words: any FAULT: line will do, along with "stack overflow".
	fault_test fault_stack 139 "" "stack overflow" \
		stack_recurse stack_recurse
}

# A hang: hermit-qemu --timeout sends an NMI first, and the kernel reports
# every CPU and every thread with where it waits (a backtrace from its
# saved context): here a read() on a pipe and the join's futex.
hang_test() {
	local why
	why=$(hermit_build hang) || { fail "hermit hang report" "$why"; return; }
	qemu --timeout 5 -c 2 "$T/hang"
	check "hermit hang report at --timeout: CPUs, threads and where they wait" -- \
		rc_is 124 -- has_line "hang: waiting" -- fault_line "NMI" -- has "  CPUs:" -- \
		has "CPU 1: running idle" -- in_report pipe_read -- in_report sys_futex -- \
		has "did not end within 5s"
}

churn_test() {
	local why
	why=$(hermit_build malloc_churn) || { fail "hermit malloc_churn" "$why"; return; }
	qemu "$T/malloc_churn"
	program_result "hermit malloc_churn"
	lines | grep '^# freeram' || true
}

native_tests
sys_tests
exit_tests
args_tests
fault_tests
hang_test
churn_test
