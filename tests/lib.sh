# Helpers for test suites; source it from a suite: . "$(dirname "$0")/../lib.sh"
# Every suite gets a private temporary directory $T, removed on exit.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/build/bin
T=$(mktemp -d /tmp/hermit-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
GUEST_TIMEOUT=${GUEST_TIMEOUT:-120}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# build OUT SRC... [gcc options]: hermit-gcc -O2 into $T/OUT; prints the
# compiler's messages and returns its status.
build() {
	local out=$1
	shift
	"$BIN/hermit-gcc" -O2 -o "$T/$out" "$@" >"$T/$out.build.log" 2>&1
	local rc=$?
	((rc == 0)) || sed 's/^/build: /' "$T/$out.build.log"
	return $rc
}

# guest CMD...: runs a guest (hermit-qemu, uhyve, ...) under a hard timeout
# (15 s past GUEST_TIMEOUT, so that a `hermit-qemu --timeout $GUEST_TIMEOUT`
# inside gets to ask the guest for its hang report first); sets OUT (the
# file with stdout and stderr) and RC (the exit status).
guest() {
	OUT=$T/out.$RANDOM$RANDOM
	timeout -k 5 "$((GUEST_TIMEOUT + 15))" "$@" >"$OUT" 2>&1 </dev/null
	RC=$?
}

# qemu IMAGE [args...]: guest on QEMU through hermit-qemu.
qemu() { guest "$BIN/hermit-qemu" "$@"; }

# has TEXT: the last guest's output contains TEXT (a fixed string).
has() { grep -qF -- "$1" "$OUT"; }

# show: the last guest's output, for a failure's details.
show() { sed 's/^/    | /' "$OUT" | tail -n "${1:-20}"; }

# check NAME COND-DESCRIPTION: PASS if every command given after -- holds.
#   check name -- [[ $RC == 0 ]] -- has "hello"
check() {
	local name=$1 why="" cmd=()
	shift
	[[ ${1:-} == -- ]] && shift
	while (($#)); do
		cmd=()
		while (($#)) && [[ $1 != -- ]]; do cmd+=("$1"); shift; done
		(($#)) && shift
		if ! "${cmd[@]}"; then why="${cmd[*]}"; break; fi
	done
	if [[ -z $why ]]; then
		pass "$name"
	else
		fail "$name" "failed: $why (exit status $RC)"
		show
	fi
}

# rc_is N: the last guest exited with status N.
rc_is() { [[ $RC == "$1" ]]; }

# lines: the last guest's output without the console's \r.
lines() { tr -d '\r' <"$OUT"; }

# has_line TEXT: the last guest's output has the line TEXT, exactly.
has_line() { lines | grep -qxF -- "$1"; }

# all_passed: the program's summary line says "N checks, 0 failed".
all_passed() { lines | grep -qE '^[0-9]+ checks, 0 failed$'; }

# not_timed_out: the guest ended by itself, not killed by the timeout.
not_timed_out() { [[ $RC != 124 && $RC != 137 ]]; }

# program_result NAME: PASS or FAIL (with the failed checks and the output's
# tail) for a check-printing program's last run (tests/guest/check.h).
program_result() {
	if [[ $RC == 0 ]] && all_passed; then
		pass "$1"
		lines | grep '^# ' | sed 's/^/    /' || true
		return
	fi
	if ! not_timed_out; then
		fail "$1" "timed out after ${GUEST_TIMEOUT}s"
	elif lines | grep -q '^not ok'; then
		fail "$1" "$(lines | grep -c '^not ok') checks failed (exit status $RC)"
		lines | grep '^not ok' | sed 's/^/    | /'
		return
	else
		fail "$1" "exit status $RC, no '0 failed' summary"
	fi
	show 30
}
