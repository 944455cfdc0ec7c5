#!/usr/bin/env bash
# threads: the thread programs of tests/guest/thr_*.c. Each runs natively on
# this Linux host first (musl-gcc -static), which proves that its
# expectations are Linux's, then on hermit-c under QEMU (TCG) with 1, 2 and
# 4 CPUs. thr_abort ends the program from a thread in four ways, each with
# Linux's status. The integer-only, printf-free thr_nofloat_* programs run
# on uhyve with 1 and 2 vCPUs where uhyve has -c and /dev/kvm is usable; a
# KVM that emulates instructions and cannot run them makes them SKIP with
# uhyve's reason (musl's pthread_create uses SSE, so only
# thr_nofloat_clone, which makes its threads with the raw clone call, has
# a chance there).
# THREADS_TIMEOUT bounds each run (default 90 s); THREADS_BUDGET bounds the
# whole suite (default 900 s): runs past it are reported as failures, not
# silently left out.
. "$(dirname "$0")/../lib.sh"

SRC=$ROOT/tests/guest
GUEST_TIMEOUT=${THREADS_TIMEOUT:-90}
BUDGET=${THREADS_BUDGET:-900}
CPU_COUNTS="1 2 4"
# The programs and their arguments; @CPUS@ is the CPU count of the run.
PROGRAMS=(
	"thr_basic"
	"thr_sync"
	"thr_tls"
	"thr_timed"
	"thr_futex"
	"thr_sched @CPUS@"
	"thr_compute"
	"thr_fpu"
	"thr_nofloat_clone"
)
NOFLOAT="thr_nofloat_basic thr_nofloat_tls thr_nofloat_clone"
# thr_abort's modes and the status Linux gives each.
ABORT_MODES="abort:134 exit:42 mainexit:7 lastreturn:0"

# in_budget NAME: true while the suite has time left; else a FAIL for NAME.
in_budget() {
	((SECONDS < BUDGET)) && return
	fail "$1" "not run: the suite's time budget of ${BUDGET}s is spent (THREADS_BUDGET)"
	return 1
}

# args_for SPEC CPUS: the program's arguments for a run on CPUS CPUs.
args_for() { local a=${1#* }; [[ $a == "$1" ]] && return; echo "${a//@CPUS@/$2}"; }

native_tests() {
	local spec p args m
	if ! command -v musl-gcc >/dev/null; then
		skip "native thread programs" "musl-gcc is not installed"
		return
	fi
	for spec in "${PROGRAMS[@]}" thr_abort thr_nofloat_basic thr_nofloat_tls; do
		p=${spec%% *}
		if ! musl-gcc -static -O2 -fno-omit-frame-pointer -o "$T/$p.native" "$SRC/$p.c" \
			>"$T/$p.native.log" 2>&1; then
			fail "native $p" "musl-gcc failed"
			sed 's/^/    | /' "$T/$p.native.log"
			continue
		fi
		[[ $p == thr_abort ]] && continue
		args=$(args_for "$spec" "$(nproc)")
		# Other processes move this host's free memory: report, do not check.
		[[ $p == thr_basic ]] && args=nomem
		# shellcheck disable=SC2086 # the arguments are words
		guest "$T/$p.native" $args
		program_result "native $p"
	done
	[[ -x $T/thr_abort.native ]] || return
	for m in $ABORT_MODES; do
		# A shell of its own reports the signal, into the output file.
		guest sh -c '"$1" "$2"' sh "$T/thr_abort.native" "${m%:*}"
		abort_check "native thr_abort ${m%:*}" "${m%:*}" "${m#*:}"
	done
}

# abort_check NAME MODE STATUS: thr_abort's last run in MODE ended with
# STATUS, said why, and its main thread never went on.
abort_check() {
	local name=$1 mode=$2 status=$3 said
	case $mode in
	abort) said="calling abort() in a thread" ;;
	exit) said="calling exit(42) in a thread" ;;
	mainexit) said="the main thread is gone; calling exit(7)" ;;
	lastreturn) said="the last thread returns" ;;
	esac
	if [[ $mode == abort ]]; then
		check "$name -> status $status, with a report" -- rc_is "$status" -- \
			has "$said" -- lacks "main thread: still here" -- lacks "atexit handler ran" -- \
			abort_reported
	else
		check "$name -> status $status" -- rc_is "$status" -- has "$said" -- \
			lacks "main thread: still here" -- has "atexit handler ran"
	fi
}

lacks() { ! has "$1"; }

# abort_reported: besides the program's own line, something (the kernel's
# report, or natively the shell) says that the program was aborted.
abort_reported() { lines | grep -v '^thr_abort:' | grep -qiE 'abort|SIGABRT|signal 6'; }

# hermit_build NAME: tests/guest/NAME.c built with hermit-gcc into $T/NAME
# (once; the thr_nofloat_* ones without SSE in their own code, for uhyve);
# prints why not and returns non-zero if it cannot be.
hermit_build() {
	local p=$1 flags=()
	[[ $p == thr_nofloat_* ]] && flags=(-mgeneral-regs-only -fno-omit-frame-pointer)
	if [[ ! -x $BIN/hermit-gcc || ! -x $BIN/hermit-qemu ]]; then
		echo "build/bin/hermit-gcc or build/bin/hermit-qemu is missing (run make)"
		return 1
	fi
	[[ -f $T/$p ]] && return
	build "$p" "$SRC/$p.c" -lpthread "${flags[@]}" >&2 || { echo "hermit-gcc failed on $p.c"; return 1; }
}

hermit_tests() {
	local spec p n why args
	for spec in "${PROGRAMS[@]}"; do
		p=${spec%% *}
		why=$(hermit_build "$p") || { fail "hermit $p" "$why"; continue; }
		for n in $CPU_COUNTS; do
			in_budget "hermit $p -c $n" || continue
			args=$(args_for "$spec" "$n")
			# shellcheck disable=SC2086 # the arguments are words
			qemu --timeout "$GUEST_TIMEOUT" -c "$n" "$T/$p" $args
			# Known issue (noted on issue 5): with 4 vCPUs on this 2-core
			# host a run has been seen to hang once in many; a timed-out
			# run is retried once, and the retry is said in the output.
			if [[ $RC == 124 ]]; then
				echo "# hermit $p -c $n timed out; retried once (known intermittent hang)"
				qemu --timeout "$GUEST_TIMEOUT" -c "$n" "$T/$p" $args
			fi
			program_result "hermit $p -c $n"
		done
	done
}

hermit_abort_tests() {
	local why m n
	why=$(hermit_build thr_abort) || { fail "hermit thr_abort" "$why"; return; }
	for n in 1 2; do
		for m in $ABORT_MODES; do
			in_budget "hermit thr_abort ${m%:*} -c $n" || continue
			qemu --timeout "$GUEST_TIMEOUT" -c "$n" "$T/thr_abort" "${m%:*}"
			abort_check "hermit thr_abort ${m%:*} -c $n" "${m%:*}" "${m#*:}"
		done
	done
}

# uhyve_tests: the printf-free programs on uhyve with 1 and 2 vCPUs.
uhyve_tests() {
	local p n why
	if [[ ! -x $BIN/uhyve ]]; then
		skip "uhyve thread programs" "build/bin/uhyve is missing (run make)"
		return
	fi
	if ! "$BIN/uhyve" --help 2>&1 | grep -q -- '--cpus'; then
		skip "uhyve thread programs" "uhyve has no -c/--cpus option yet"
		return
	fi
	if [[ ! -w /dev/kvm ]]; then
		skip "uhyve thread programs" "/dev/kvm is missing or not usable"
		return
	fi
	for p in $NOFLOAT; do
		why=$(hermit_build "$p") || { fail "uhyve $p" "$why"; continue; }
		for n in 1 2; do
			in_budget "uhyve $p -c $n" || continue
			guest "$BIN/uhyve" -c "$n" "$T/$p"
			if [[ $RC == 72 ]] && has "cannot run this guest"; then
				skip "uhyve $p -c $n" "$(lines | grep -m1 'cannot run this guest' | sed 's/^uhyve: //')"
				continue
			fi
			program_result "uhyve $p -c $n"
		done
	done
}

native_tests
hermit_tests
hermit_abort_tests
uhyve_tests
