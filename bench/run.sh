#!/usr/bin/env bash
# bench/run.sh: boot-to-exit time of hello on hermit-c against a Linux guest,
# both on QEMU with TCG, measured in the same run (DESIGN.md section 3).
#   hermit-c:    tests/guest/hello.c built by hermit-gcc, run by hermit-qemu
#   Linux guest: the same source built by musl-gcc -static, run as the only
#                process of a Linux guest by ../shared/tools/linux-guest
# The time of a run is QEMU's lifetime: a qemu-system-x86_64 wrapper put first
# on PATH notes when QEMU starts and ends, which leaves out the launchers' own
# set-up (linux-guest builds an initramfs each time). If a launcher's QEMU
# escapes the wrapper, whole launcher times are compared instead, and the
# output says so. Prints the medians, min/max and their ratio, and hello's
# image size. BENCH_RUNS sets the number of runs (default and minimum 10).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
SRC=$ROOT/tests/guest/hello.c
LINUX_GUEST=$ROOT/../shared/tools/linux-guest
GUEST_PORT=9975
RUNS=${BENCH_RUNS:-10}
((RUNS >= 10)) || RUNS=10
RUN_TIMEOUT=120
T=$(mktemp -d /tmp/hermit-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

die() {
	echo "bench: $*" >&2
	exit 1
}
. "$(dirname "$0")/lib.sh"

# wrap_qemu: puts the timing qemu-system-x86_64 wrapper into $T/path.
wrap_qemu() {
	local real
	real=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 is not installed"
	mkdir -p "$T/path"
	cat >"$T/path/qemu-system-x86_64" <<-EOF
		#!/bin/sh
		# bench/run.sh's timer: notes QEMU's start and end, keeps its status.
		start=\$(date +%s%N)
		"$real" "\$@"
		rc=\$?
		echo "\$start \$(date +%s%N)" >>"\${BENCH_QEMU_TIMES:-/dev/null}"
		exit \$rc
	EOF
	chmod +x "$T/path/qemu-system-x86_64"
}

# run_once TIMEOUT EXPECT CMD...: runs CMD; sets WHOLE_MS (the command's wall
# time) and QEMU_MS (QEMU's lifetime, empty if the wrapper did not see it).
# Fails unless CMD exits 0 and its output has the line EXPECT.
run_once() {
	local limit=$1 expect=$2 t0 t1 s e
	shift 2
	: >"$T/qemu.times"
	t0=$(date +%s%N)
	BENCH_QEMU_TIMES=$T/qemu.times PATH=$T/path:$PATH \
		timeout -k 5 "$limit" "$@" >"$T/run.out" 2>&1 </dev/null
	local rc=$?
	t1=$(date +%s%N)
	WHOLE_MS=$(((t1 - t0) / 1000000))
	QEMU_MS=
	if read -r s e < <(tail -n 1 "$T/qemu.times") && [[ -n ${e:-} ]]; then
		QEMU_MS=$(((e - s) / 1000000))
	fi
	if ((rc != 0)) || ! tr -d '\r' <"$T/run.out" | grep -qxF -- "$expect"; then
		echo "bench: $* failed (exit status $rc); its output ends:" >&2
		tail -n 15 "$T/run.out" | sed 's/^/    | /' >&2
		return 1
	fi
}

# stats MS...: "median min max" of the numbers.
stats() {
	local sorted n
	sorted=($(printf '%s\n' "$@" | sort -n))
	n=${#sorted[@]}
	echo "$(((sorted[(n - 1) / 2] + sorted[n / 2]) / 2)) ${sorted[0]} ${sorted[n - 1]}"
}

# has_empty ARGS...: one of the arguments is empty.
has_empty() {
	local x
	for x in "$@"; do [[ -n $x ]] || return 0; done
	return 1
}

size_line() {
	local img=$1 label=$2
	strip -o "$img.stripped" "$img" 2>/dev/null || die "strip failed on $img"
	printf '%-34s %9d bytes, %9d stripped\n' "$label" "$(stat -c %s "$img")" \
		"$(stat -c %s "$img.stripped")"
}

command -v musl-gcc >/dev/null || die "musl-gcc is not installed"
[[ -x $LINUX_GUEST ]] || die "$LINUX_GUEST is missing"
wrap_qemu
timeout 300 musl-gcc -static -O2 -o "$T/hello.linux" "$SRC" || die "musl-gcc failed on $SRC"
hermit=yes
if [[ ! -x $BIN/hermit-gcc || ! -x $BIN/hermit-qemu ]]; then
	hermit="build/bin/hermit-gcc or build/bin/hermit-qemu is missing"
elif ! timeout 600 "$BIN/hermit-gcc" -O2 -o "$T/hello.hermit" "$SRC"; then
	hermit="hermit-gcc failed on $SRC"
fi
port=$(free_port)
linux=("$LINUX_GUEST" "$T/hello.linux" "$GUEST_PORT" "$port")

# Untimed first runs: linux-guest downloads its kernel once; caches warm up.
echo "warming up (the first linux-guest run may download a kernel)..."
run_once 900 "Hello, world!" "${linux[@]}" || die "the Linux guest does not run hello"
if [[ $hermit == yes ]]; then
	run_once "$RUN_TIMEOUT" "Hello, world!" "$BIN/hermit-qemu" "$T/hello.hermit" ||
		die "hermit-qemu does not run hello"
fi

hq=() hw=() lq=() lw=()
for ((i = 1; i <= RUNS; i++)); do
	[[ -t 1 ]] && printf '\rrun %d/%d' "$i" "$RUNS"
	if [[ $hermit == yes ]]; then
		run_once "$RUN_TIMEOUT" "Hello, world!" "$BIN/hermit-qemu" "$T/hello.hermit" || exit 1
		hw+=("$WHOLE_MS") hq+=("$QEMU_MS")
	fi
	run_once "$RUN_TIMEOUT" "Hello, world!" "${linux[@]}" || exit 1
	lw+=("$WHOLE_MS") lq+=("$QEMU_MS")
done
[[ -t 1 ]] && printf '\r'

# QEMU lifetimes if the wrapper saw every QEMU, else whole launcher times.
what="QEMU start to exit"
if has_empty "${lq[@]}" || { [[ $hermit == yes ]] && has_empty "${hq[@]}"; }; then
	what="whole launcher (a QEMU escaped the timing wrapper)"
	hq=("${hw[@]}") lq=("${lw[@]}")
fi
read -r lmed lmin lmax < <(stats "${lq[@]}")
read -r lwhole _ _ < <(stats "${lw[@]}")
echo "hello, boot to exit on QEMU (TCG), $RUNS runs each; times in ms, $what"
printf '%-34s %8s %8s %8s %14s\n' "" median min max "whole command"
if [[ $hermit == yes ]]; then
	read -r hmed hmin hmax < <(stats "${hq[@]}")
	read -r hwhole _ _ < <(stats "${hw[@]}")
	printf '%-34s %8d %8d %8d %14d\n' "hermit-c (hermit-qemu)" \
		"$hmed" "$hmin" "$hmax" "$hwhole"
fi
printf '%-34s %8d %8d %8d %14d\n' "Linux guest (linux-guest)" \
	"$lmed" "$lmin" "$lmax" "$lwhole"
if [[ $hermit == yes ]]; then
	printf '%-34s %8s   (ratio of medians; below 1 is faster)\n' \
		"hermit-c / Linux guest" "$(ratio "$hmed" "$lmed")"
	size_line "$T/hello.hermit" "hello image (hermit-c)"
fi
size_line "$T/hello.linux" "hello (musl-gcc -static, no kernel)"
if [[ $hermit != yes ]]; then
	echo "hermit-c: not measured: $hermit"
	exit 1
fi
