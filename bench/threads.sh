#!/usr/bin/env bash
# bench/threads.sh: thread costs on hermit-c under QEMU (TCG) beside the same
# program (bench/thrbench.c, musl-gcc -static) as the only process of a Linux
# guest on the same QEMU (../shared/tools/linux-guest), both with 2 vCPUs,
# as ratios: the null system call (getppid), thread create+join, a futex
# ping-pong between two threads on two CPUs, sched_yield. Then the speedup
# of a CPU-bound parallel loop (2 threads) on 2 vCPUs over 1 vCPU, on each.
# BENCH_THREADS_RUNS runs each (default 3); the figures are the medians.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
LINUX_GUEST=$ROOT/../shared/tools/linux-guest
SRC=$ROOT/bench/thrbench.c
RUNS=${BENCH_THREADS_RUNS:-3}
T=$(mktemp -d /tmp/hermit-bench-threads.XXXXXX)
trap 'rm -rf "$T"' EXIT

die() {
	echo "bench/threads: $*" >&2
	exit 1
}
. "$(dirname "$0")/lib.sh"

# measure KEYS CMD...: one run of CMD; prints the values of KEYS (words) from
# its thrbench line, in that order.
measure() {
	local keys=$1 line k v out=()
	shift
	timeout -k 5 600 "$@" </dev/null >"$T/out" 2>&1
	line=$(tr -d '\r' <"$T/out" | grep -m1 '^thrbench: [a-z_]*=') ||
		{ tail -n 5 "$T/out" >&2; die "$* printed no thrbench line"; }
	for k in $keys; do
		v=$(sed -n "s/.* $k=\([0-9-]*\).*/\1/p" <<<"$line")
		[[ -n $v ]] || die "no $k in: $line"
		out+=("$v")
	done
	echo "${out[*]}"
}

hermit() { measure "$1" "$BIN/hermit-qemu" -c "$2" "$T/tb.hermit" "${@:3}"; }
linux() { LINUX_GUEST_ARGS="${*:3}" measure "$1" "$LINUX_GUEST" "$T/tb.linux" 9975 "$(free_port)" "$2"; }

[[ -x $LINUX_GUEST ]] || die "$LINUX_GUEST is missing"
"$BIN/hermit-gcc" -O2 -o "$T/tb.hermit" "$SRC" -lpthread || die "hermit-gcc failed"
musl-gcc -static -O2 -o "$T/tb.linux" "$SRC" || die "musl-gcc failed"

KEYS="getppid_ns create_join_ns pingpong_ns yield_ns par_us pinned"
load0=$(cut -d' ' -f1 /proc/loadavg)
declare -A h l
for ((i = 1; i <= RUNS; i++)); do
	read -r a b c d e f < <(hermit "$KEYS" 2 all)
	h[sys]+=" $a" h[cj]+=" $b" h[pp]+=" $c" h[y]+=" $d" h[par2]+=" $e" h[pin]=$f
	read -r a < <(hermit par_us 1 par 2)
	h[par1]+=" $a"
	read -r a b c d e f < <(linux "$KEYS" 2 all)
	l[sys]+=" $a" l[cj]+=" $b" l[pp]+=" $c" l[y]+=" $d" l[par2]+=" $e" l[pin]=$f
	read -r a < <(linux par_us 1 par 2)
	l[par1]+=" $a"
done
for k in sys cj pp y par1 par2; do
	# shellcheck disable=SC2086 # the values are words
	h[$k]=$(median ${h[$k]}) l[$k]=$(median ${l[$k]})
done

row() { printf '%-34s %12s %12s %10s\n' "$@"; }
echo "threads on QEMU (TCG), 2 vCPUs, $RUNS runs each (medians); below 1: hermit-c is faster"
row "" "hermit-c" "Linux guest" "ratio"
row "null system call (getppid), ns" "${h[sys]}" "${l[sys]}" "$(ratio "${h[sys]}" "${l[sys]}")"
row "thread create+join, us" "$((h[cj] / 1000))" "$((l[cj] / 1000))" "$(ratio "${h[cj]}" "${l[cj]}")"
row "futex ping-pong round trip, us" "$((h[pp] / 1000))" "$((l[pp] / 1000))" \
	"$(ratio "${h[pp]}" "${l[pp]}")"
row "sched_yield, ns" "${h[y]}" "${l[y]}" "$(ratio "${h[y]}" "${l[y]}")"
pinned() { (($1)) && echo "pinned to CPUs 0 and 1" || echo "not pinned (sched_setaffinity failed)"; }
echo "(ping-pong threads: hermit-c $(pinned "${h[pin]}"), Linux guest $(pinned "${l[pin]}"))"
echo
echo "parallel loop (2 threads, 256 Mi iterations): ms on 1 vCPU, on 2, and the speedup"
row "" "1 vCPU" "2 vCPUs" "speedup"
row "hermit-c" "$((h[par1] / 1000))" "$((h[par2] / 1000))" "$(ratio "${h[par1]}" "${h[par2]}")"
row "Linux guest" "$((l[par1] / 1000))" "$((l[par2] / 1000))" "$(ratio "${l[par1]}" "${l[par2]}")"
echo
echo "host: $(nproc) CPUs, load average $load0 before and $(cut -d' ' -f1 /proc/loadavg) after;" \
	"a speedup needs as many idle host CPUs as vCPUs"
