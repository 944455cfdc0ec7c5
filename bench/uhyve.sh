#!/usr/bin/env bash
# bench/uhyve.sh: boot-to-exit of hello (tests/guest/hello.c) on uhyve, beside
# the same image on QEMU (TCG, through hermit-qemu) and beside the same source
# built natively with musl-gcc -static, all measured in this run; prints the
# medians, their ratios, and the kind of this host's KVM (from uhyve --check:
# on a KVM that emulates instructions, uhyve's figure measures the emulator).
# BENCH_RUNS sets the number of runs (default and minimum 10).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
SRC=$ROOT/tests/guest/hello.c
RUNS=${BENCH_RUNS:-10}
((RUNS >= 10)) || RUNS=10
T=$(mktemp -d /tmp/hermit-bench-uhyve.XXXXXX)
trap 'rm -rf "$T"' EXIT

die() {
	echo "bench/uhyve: $*" >&2
	exit 1
}

# run_ms CMD...: runs CMD (which must print "Hello, world!" and exit 0) and
# prints its wall time in microseconds.
run_us() {
	local t0 t1
	t0=$(date +%s%N)
	timeout -k 5 120 "$@" >"$T/out" 2>&1 </dev/null || {
		echo "bench/uhyve: $* failed:" >&2
		tail -n 5 "$T/out" >&2
		return 1
	}
	t1=$(date +%s%N)
	grep -qxF "Hello, world!" <(tr -d '\r' <"$T/out") || { echo "bench/uhyve: $*: no hello" >&2; return 1; }
	echo $(((t1 - t0) / 1000))
}

# median US...
median() {
	local s
	s=($(printf '%s\n' "$@" | sort -n))
	echo $(((s[(${#s[@]} - 1) / 2] + s[${#s[@]} / 2]) / 2))
}

# ratio A B: A/B with two decimals.
ratio() {
	local r=$(((100 * $1 + $2 / 2) / $2))
	printf '%d.%02d' $((r / 100)) $((r % 100))
}

ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

[[ -x $BIN/uhyve && -x $BIN/hermit-gcc && -x $BIN/hermit-qemu ]] || die "run make first"
command -v musl-gcc >/dev/null || die "musl-gcc is not installed"
"$BIN/hermit-gcc" -O2 -o "$T/hello" "$SRC" || die "hermit-gcc failed on $SRC"
musl-gcc -static -O2 -o "$T/hello.native" "$SRC" || die "musl-gcc failed on $SRC"

"$BIN/uhyve" --check >"$T/check" 2>&1
check_rc=$?
kind=$(grep -o 'speed: .*' "$T/check" | sed 's/^speed: //')
verdict=$(tail -n 1 "$T/check" | sed 's/^uhyve: //')

u=() q=() n=() b=()
run_us "$BIN/uhyve" "$T/hello" >/dev/null || die "uhyve does not run hello"
run_us "$BIN/hermit-qemu" "$T/hello" >/dev/null || die "hermit-qemu does not run hello"
for ((i = 1; i <= RUNS; i++)); do
	[[ -t 1 ]] && printf '\rrun %d/%d' "$i" "$RUNS"
	u+=("$(run_us "$BIN/uhyve" "$T/hello")") || exit 1
	b+=("$("$BIN/uhyve" -v "$T/hello" 2>&1 | sed -n 's/^uhyve: boot to exit: \([0-9]*\)\.\([0-9]*\) ms$/\1\2/p')")
	q+=("$(run_us "$BIN/hermit-qemu" "$T/hello")") || exit 1
	n+=("$(run_us "$T/hello.native")") || exit 1
done
[[ -t 1 ]] && printf '\r'
um=$(median "${u[@]}") qm=$(median "${q[@]}") nm=$(median "${n[@]}") bm=$(median "${b[@]}")
echo "hello, boot to exit (whole command), $RUNS runs each; medians in ms"
printf '%-44s %10s\n' "uhyve (this host's KVM)" "$(ms "$um")"
printf '%-44s %10s\n' "uhyve -v: first KVM_RUN to EXIT hypercall" "$(ms "$((bm * 10))")"
printf '%-44s %10s\n' "QEMU TCG (hermit-qemu)" "$(ms "$qm")"
printf '%-44s %10s\n' "native (musl-gcc -static, Linux process)" "$(ms "$nm")"
printf '%-44s %10s\n' "uhyve / QEMU TCG" "$(ratio "$um" "$qm")"
printf '%-44s %10s\n' "uhyve / native" "$(ratio "$um" "$nm")"
printf '%-44s %10s\n' "QEMU TCG / native" "$(ratio "$qm" "$nm")"
echo "this host's KVM: ${kind:-unknown}"
echo "uhyve --check (status $check_rc): $verdict"
