#!/usr/bin/env bash
# bench/timer.sh: timer precision, requested against actual sleep (median and
# worst overshoot over 1000 sleeps of 1 ms), on hermit-c under QEMU (TCG)
# beside the same program as the only process of a Linux guest on the same
# QEMU (../shared/tools/linux-guest), as ratios. Three runs each; the
# figures are the medians of the runs' medians and worsts.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
LINUX_GUEST=$ROOT/../shared/tools/linux-guest
SRC=$ROOT/bench/timerbench.c
RUNS=${BENCH_TIMER_RUNS:-3}
T=$(mktemp -d /tmp/hermit-bench-timer.XXXXXX)
trap 'rm -rf "$T"' EXIT

die() {
	echo "bench/timer: $*" >&2
	exit 1
}
. "$(dirname "$0")/lib.sh"

# One run of CMD; prints "median worst" from its timerbench line.
measure() {
	timeout -k 5 600 "$@" </dev/null >"$T/out" 2>&1
	local line
	line=$(tr -d '\r' <"$T/out" | grep -m1 '^timerbench:') ||
		{ tail -n 5 "$T/out" >&2; die "$* printed no timerbench line"; }
	sed 's/.*median_us=\([0-9-]*\) worst_us=\([0-9-]*\).*/\1 \2/' <<<"$line"
}

[[ -x $LINUX_GUEST ]] || die "$LINUX_GUEST is missing"
"$BIN/hermit-gcc" -O2 -o "$T/tb.hermit" "$SRC" || die "hermit-gcc failed"
musl-gcc -static -O2 -o "$T/tb.linux" "$SRC" || die "musl-gcc failed"

hm=() hw=() lm=() lw=()
for ((i = 1; i <= RUNS; i++)); do
	read -r m w < <(measure "$BIN/hermit-qemu" "$T/tb.hermit")
	hm+=("$m") hw+=("$w")
	read -r m w < <(measure "$LINUX_GUEST" "$T/tb.linux" 9975 "$(free_port)")
	lm+=("$m") lw+=("$w")
done
h_med=$(median "${hm[@]}") h_worst=$(median "${hw[@]}")
l_med=$(median "${lm[@]}") l_worst=$(median "${lw[@]}")
echo "timer precision, 1000 sleeps of 1 ms on QEMU (TCG), $RUNS runs each; overshoot in us"
printf '%-28s %10s %10s\n' "" "median" "worst"
printf '%-28s %10d %10d\n' "hermit-c (hermit-qemu)" "$h_med" "$h_worst"
printf '%-28s %10d %10d\n' "Linux guest (linux-guest)" "$l_med" "$l_worst"
printf '%-28s %10s %10s   (below 1: hermit-c is more precise)\n' "hermit-c / Linux" \
	"$(ratio "$h_med" "$l_med")" "$(ratio "$h_worst" "$l_worst")"
