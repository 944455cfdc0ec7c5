#!/usr/bin/env bash
# bench/net.sh: network performance of hermit-c against a Linux guest, both
# on QEMU (TCG, 1 vCPU, the same memory) with virtio-net on QEMU user
# networking (restrict=on, the host forward on 127.0.0.1), measured in this
# run (DESIGN.md section 3):
#   hermit-c:    examples/httpd and bench/netbench.c built by hermit-gcc
#                (features default tcp dhcpv4), run by hermit-qemu
#   Linux guest: the same sources built by musl-gcc -static, run as the only
#                process of ../shared/tools/linux-guest
# Figures:
#   HTTP: wrk against httpd's built-in page at /, keep-alive, with
#     BENCH_WRK_CONNS (default 32) connections on 2 threads and with 1
#     connection: requests/s and wrk's mean latency;
#   TCP stream: BENCH_NET_MIB (default 256) MiB guest->host and host->guest
#     through netbench, timed by its host-side client (bench/netbench.c).
# Prints medians of BENCH_RUNS (default 3) runs, one guest boot per program,
# side and run, and the ratios hermit-c/Linux. Beside each figure: how busy
# the QEMU process's vCPU thread (TCG) and its main-loop thread (which runs
# slirp and the virtio-net backend) were, and the whole host, during it,
# from /proc/PID/task/*/stat and /proc/stat; the last line names what
# limits the worst ratio from those figures.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
HTTPD_SRC=$ROOT/examples/httpd/httpd.c
NB_SRC=$ROOT/bench/netbench.c
LINUX_GUEST=$ROOT/../shared/tools/linux-guest
FEATURES="default tcp dhcpv4"
GUEST_PORT=9975
MEM=512M # linux-guest's default; hermit-qemu gets -m to match
RUNS=${BENCH_RUNS:-3}
((RUNS >= 1)) || RUNS=1
MIB=${BENCH_NET_MIB:-256}
SECS=${BENCH_WRK_SECS:-10}
CONNS=${BENCH_WRK_CONNS:-32}
GUEST_LIMIT=600 # seconds a guest may live
T=$(mktemp -d /tmp/hermit-bench-net.XXXXXX)
GPID=

die() {
	echo "bench/net: $*" >&2
	exit 1
}
. "$(dirname "$0")/lib.sh"

# stop_guest: the running guest (its timeout, which passes the signal on to
# its process group: the launcher and QEMU), killed by PID and reaped.
stop_guest() {
	[[ -n $GPID ]] || return 0
	kill "$GPID" 2>/dev/null
	wait "$GPID" 2>/dev/null
	GPID=
}
trap 'stop_guest; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_guest SIDE IMAGE PORT: IMAGE in the background on SIDE (hermit or
# linux), its port 9975 forwarded from 127.0.0.1:PORT; output in $OUT.
start_guest() {
	local side=$1 img=$2 port=$3
	OUT=$T/$side.$RANDOM.out
	if [[ $side == hermit ]]; then
		timeout -k 5 "$GUEST_LIMIT" "$BIN/hermit-qemu" -m "$MEM" \
			--qemu -netdev --qemu "user,id=u1,restrict=on,hostfwd=tcp:127.0.0.1:$port-:$GUEST_PORT" \
			--qemu -device --qemu virtio-net-pci,netdev=u1 \
			"$img" >"$OUT" 2>&1 </dev/null &
	else
		timeout -k 5 "$GUEST_LIMIT" "$LINUX_GUEST" "$img" "$GUEST_PORT" "$port" 1 "$MEM" \
			>"$OUT" 2>&1 </dev/null &
	fi
	GPID=$!
}

# wait_ready SIDE TEXT: the guest printed TEXT (and, for hermit-c, its
# address from DHCP; linux-guest sets its address before it starts the
# program) within 120 s, and still runs.
wait_ready() {
	local side=$1 text=$2
	for _ in $(seq 1200); do
		kill -0 "$GPID" 2>/dev/null || break
		if tr -d '\r' <"$OUT" | grep -qF -- "$text" &&
			{ [[ $side != hermit ]] || grep -q 'en0: address' "$OUT"; }; then
			return 0
		fi
		sleep 0.1
	done
	echo "bench/net: the $side guest did not get ready ('$text'); its output ends:" >&2
	tail -n 15 "$OUT" | sed 's/^/    | /' >&2
	return 1
}

# qemu_pid PORT: the QEMU process whose host forward is on PORT.
qemu_pid() { pgrep -n -f "^qemu-system-x86_64 .*hostfwd=tcp:127\.0\.0\.1:$1-"; }

# cpu_snap PID: "TID RUN_NS WAIT_NS" for each thread of PID (schedstat: time
# on a CPU, time runnable but waiting for one), then "host BUSY TOTAL" (ticks
# of all CPUs, /proc/stat) and "wall NS". (top -H and ps -L show the whole
# process's time on the main thread's line; schedstat is per thread.)
cpu_snap() {
	local f t
	for f in /proc/"$1"/task/*/schedstat; do
		t=${f%/schedstat}
		echo "${t##*/} $(cat "$f" 2>/dev/null)"
	done | awk 'NF >= 3 {print $1, $2, $3}'
	awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print "host", t - $5 - $6, t}' /proc/stat
	echo "wall $(date +%s%N)"
}

# cpu_busy PID BEFORE AFTER: "VCPU VCPU_WAIT MAIN HOST" in percent of one
# core: the busiest thread but the main one (the TCG vCPU thread) on a CPU
# and waiting for one, QEMU's main thread (TID = PID: the main loop, slirp
# and the virtio-net backend) on a CPU, and the host's CPUs together (up to
# 100 * cores).
cpu_busy() {
	awk -v pid="$1" -v cores="$(nproc)" '
		FNR == NR { r[$1] = $2; w[$1] = $3; next }
		$1 == "host" { hb = $2 - r["host"]; ht = $3 - w["host"]; next }
		$1 == "wall" { wall = $2 - r["wall"]; next }
		{ dr[$1] = $2 - r[$1]; dw[$1] = $3 - w[$1] }
		END {
			if (wall <= 0) wall = 1
			v = ""; for (k in dr) if (k != pid && (v == "" || dr[k] > dr[v])) v = k
			printf "%d %d %d %d\n", 100 * dr[v] / wall, 100 * dw[v] / wall,
				100 * dr[pid] / wall, 100 * cores * hb / (ht ? ht : 1)
		}' "$2" "$3"
}

# measure PORT CMD...: runs CMD (output in $T/m.out); sets BUSY to the
# "VCPU VCPU_WAIT MAIN HOST" percentages of cpu_busy during it.
measure() {
	local port=$1 qp rc
	shift
	qp=$(qemu_pid "$port") || { echo "bench/net: no QEMU process for port $port" >&2; return 1; }
	cpu_snap "$qp" >"$T/cpu.0"
	"$@" >"$T/m.out" 2>&1
	rc=$?
	cpu_snap "$qp" >"$T/cpu.1"
	BUSY=$(cpu_busy "$qp" "$T/cpu.0" "$T/cpu.1")
	if ((rc != 0)); then
		echo "bench/net: $* failed (exit status $rc):" >&2
		sed 's/^/    | /' "$T/m.out" >&2
		return 1
	fi
}

# wrk_result: "RPS_x100 MEAN_LATENCY_US ERRORS MEDIAN_LATENCY_US" from
# $T/m.out (the median when wrk ran with --latency, else 0).
wrk_result() {
	awk '
		function us(v, u, m) {
			u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
			m = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : -1
			return m < 0 ? -1 : int(v * m + 0.5)
		}
		/^ *Latency +[0-9]/ { lat = us($2) }
		/^ *50% / { med = us($2) }
		/^Requests\/sec:/ { rps = int($2 * 100 + 0.5) }
		/Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
		/Non-2xx/ { bad = 1 }
		END {
			if (bad || !rps || lat < 0 || med < 0) exit 1
			printf "%d %d %d %d\n", rps, lat, err, med + 0
		}' "$T/m.out"
}

# nb_result: 10^3 bytes/s of the client's transfer in $T/m.out.
nb_result() {
	sed -n 's/^netbench: bytes=\([0-9]*\) us=\([0-9]*\)$/\1 \2/p' "$T/m.out" |
		awk '$2 > 0 {printf "%d\n", $1 * 1000 / $2; ok = 1} END {exit !ok}'
}

# http_run SIDE: one boot of httpd; appends to the SIDE's arrays.
http_run() {
	local side=$1 port r rps lat err med
	port=$(free_port)
	start_guest "$side" "$T/httpd.$side" "$port"
	wait_ready "$side" "httpd: listening on port $GUEST_PORT" || return 1
	# a first request, retried: slirp answers the host's connect before the
	# guest does
	curl -s -o /dev/null --retry 20 --retry-all-errors --retry-delay 1 -m 10 \
		"http://127.0.0.1:$port/" || { echo "bench/net: no page from the $side httpd" >&2; return 1; }
	measure "$port" wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$port/" || return 1
	r=$(wrk_result) || { sed 's/^/    | /' "$T/m.out" >&2; return 1; }
	read -r rps lat err med <<<"$r"
	eval "${side}_rps+=($rps) ${side}_lat+=($lat) ${side}_med+=($med) ${side}_busy_rps+=(\"$BUSY\")"
	((err > WRK_ERRS)) && WRK_ERRS=$err
	measure "$port" wrk -t1 -c1 -d"${SECS}s" "http://127.0.0.1:$port/" || return 1
	r=$(wrk_result) || { sed 's/^/    | /' "$T/m.out" >&2; return 1; }
	read -r rps lat err med <<<"$r"
	eval "${side}_rps1+=($rps) ${side}_lat1+=($lat) ${side}_busy_rps1+=(\"$BUSY\")"
	((err > WRK_ERRS)) && WRK_ERRS=$err
	stop_guest
}

# stream_run SIDE: one boot of netbench, both directions.
stream_run() {
	local side=$1 port r
	port=$(free_port)
	start_guest "$side" "$T/nb.$side" "$port"
	wait_ready "$side" "netbench: listening on $GUEST_PORT" || return 1
	"$T/nb.host" client 127.0.0.1 "$port" send 65536 >/dev/null ||
		{ echo "bench/net: the $side netbench does not answer" >&2; return 1; }
	measure "$port" "$T/nb.host" client 127.0.0.1 "$port" send $((MIB << 20)) || return 1
	r=$(nb_result) || return 1
	eval "${side}_g2h+=($r) ${side}_busy_g2h+=(\"$BUSY\")"
	measure "$port" "$T/nb.host" client 127.0.0.1 "$port" recv $((MIB << 20)) || return 1
	r=$(nb_result) || return 1
	eval "${side}_h2g+=($r) ${side}_busy_h2g+=(\"$BUSY\")"
	stop_guest
}

# dec N DIV DIGITS: N/DIV with DIGITS decimals (integers only).
dec() {
	local n=$1 div=$2 d=$3 s
	s=$(((n * 10 ** d + div / 2) / div))
	if ((d == 0)); then echo "$s"; else printf '%d.%0*d' $((s / 10 ** d)) "$d" $((s % 10 ** d)); fi
}

# busy_med NAME: the medians of the "VCPU VCPU_WAIT MAIN HOST" fields in
# array NAME.
busy_med() {
	local -n a=$1
	local f=() t x i
	for t in "${a[@]}"; do
		read -r -a x <<<"$t"
		for i in 0 1 2 3; do f[i]+="${x[i]} "; done
	done
	echo "$(median ${f[0]}) $(median ${f[1]}) $(median ${f[2]}) $(median ${f[3]})"
}

command -v wrk >/dev/null || die "wrk is not installed (scripts/setup.sh installs it)"
command -v curl >/dev/null || die "curl is not installed"
command -v musl-gcc >/dev/null || die "musl-gcc is not installed"
command -v cc >/dev/null || die "no host C compiler (cc)"
[[ -x $BIN/hermit-gcc && -x $BIN/hermit-qemu ]] || die "run make first"
[[ -x $LINUX_GUEST ]] || die "$LINUX_GUEST is missing"
HERMIT_FEATURES=$FEATURES timeout 600 "$BIN/hermit-gcc" -O2 -o "$T/httpd.hermit" "$HTTPD_SRC" ||
	die "hermit-gcc failed on $HTTPD_SRC"
HERMIT_FEATURES=$FEATURES timeout 600 "$BIN/hermit-gcc" -O2 -o "$T/nb.hermit" "$NB_SRC" ||
	die "hermit-gcc failed on $NB_SRC"
musl-gcc -static -O2 -o "$T/httpd.linux" "$HTTPD_SRC" || die "musl-gcc failed on $HTTPD_SRC"
musl-gcc -static -O2 -o "$T/nb.linux" "$NB_SRC" || die "musl-gcc failed on $NB_SRC"
cc -O2 -o "$T/nb.host" "$NB_SRC" || die "cc failed on $NB_SRC"

hermit_med=() linux_med=()
hermit_rps=() hermit_lat=() hermit_rps1=() hermit_lat1=() hermit_g2h=() hermit_h2g=()
linux_rps=() linux_lat=() linux_rps1=() linux_lat1=() linux_g2h=() linux_h2g=()
hermit_busy_rps=() hermit_busy_rps1=() hermit_busy_g2h=() hermit_busy_h2g=()
linux_busy_rps=() linux_busy_rps1=() linux_busy_g2h=() linux_busy_h2g=()
WRK_ERRS=0
# The sides alternate within each run, so that the other load on this
# machine falls on both alike.
for ((i = 1; i <= RUNS; i++)); do
	[[ -t 1 ]] && printf '\rrun %d/%d' "$i" "$RUNS"
	for side in hermit linux; do
		http_run "$side" || exit 1
	done
	for side in hermit linux; do
		stream_run "$side" || exit 1
	done
done
[[ -t 1 ]] && printf '\r'

echo "net: QEMU TCG, 1 vCPU, $MEM, virtio-net-pci on user networking (restrict=on, hostfwd on 127.0.0.1); medians of $RUNS runs"
printf '%-36s %10s %10s %8s   %s\n' "" "hermit-c" "Linux" "ratio" "hermit-c/Linux"
worst= worst_r=1000000 # the ratio oriented "above 1: hermit-c is better", x100
# row LABEL KEY SCALE DIGITS HIGHER_IS_BETTER BUSYKEY [NOTE]: a figure;
# ranked for the worst ratio unless NOTE is given.
row() {
	local label=$1 key=$2 scale=$3 d=$4 up=$5 bkey=$6 h l r o note
	h=$(eval median "\${hermit_$key[@]}") l=$(eval median "\${linux_$key[@]}")
	r=$(ratio "$h" "$l")
	if ((up)); then
		note="above 1: hermit-c is faster"
		o=$(((100 * h + l / 2) / (l > 0 ? l : 1)))
	else
		note="below 1: hermit-c is faster"
		o=$(((100 * l + h / 2) / (h > 0 ? h : 1)))
	fi
	printf '%-36s %10s %10s %8s   (%s)\n' "$label" "$(dec "$h" "$scale" "$d")" \
		"$(dec "$l" "$scale" "$d")" "$r" "$note${7:+; $7}"
	if [[ -z ${7:-} ]] && ((o < worst_r)); then
		worst_r=$o worst="$label: hermit-c/Linux $r" WORST_BUSY=$bkey
	fi
}
row "HTTP -c$CONNS, requests/s" rps 100 1 1 rps
row "HTTP -c$CONNS, mean latency (ms)" lat 1000 2 0 rps \
	"not ranked: the slowest 1%, near 1 s on both sides, rule it"
row "HTTP -c$CONNS, median latency (ms)" med 1000 2 0 rps
row "HTTP -c1, requests/s" rps1 100 1 1 rps1
row "HTTP -c1, mean latency (ms)" lat1 1000 3 0 rps1
row "TCP guest->host $MIB MiB (MB/s)" g2h 1000 1 1 g2h
row "TCP host->guest $MIB MiB (MB/s)" h2g 1000 1 1 h2g
((WRK_ERRS > 0)) && echo "(wrk counted up to $WRK_ERRS socket errors (connect, read, write, timeout) in one run)"

echo "CPU during each measurement, % of one core (medians): QEMU's vCPU thread running+waiting for a CPU / QEMU's main loop (slirp) / whole host of $(nproc) cores"
printf '%-36s %20s %20s\n' "" "hermit-c" "Linux"
for k in rps:"HTTP -c$CONNS" rps1:"HTTP -c1" g2h:"TCP guest->host" h2g:"TCP host->guest"; do
	read -r hv hw hm hh < <(busy_med "hermit_busy_${k%%:*}")
	read -r lv lw lm lh < <(busy_med "linux_busy_${k%%:*}")
	printf '%-36s %20s %20s\n' "${k#*:}" "$hv+$hw / $hm / $hh" "$lv+$lw / $lm / $lh"
done

# What limits the worst ratio: which of hermit-c's QEMU threads wanted a
# whole core during it (90% or more, on a CPU or waiting for one).
read -r hv hw hm hh < <(busy_med "hermit_busy_$WORST_BUSY")
read -r lv lw lm lh < <(busy_med "linux_busy_$WORST_BUSY")
if ((hv + hw >= 90)); then
	why="hermit-c's vCPU thread wants a whole core ($hv% running + $hw% waiting for a CPU; main loop $hm%; Linux: vCPU $lv+$lw%, main loop $lm%): the guest's own instructions under TCG"
elif ((hm >= 90)); then
	why="QEMU's main loop (slirp) is saturated ($hm%; vCPU $hv+$hw%; Linux: main loop $lm%, vCPU $lv+$lw%)"
else
	why="no thread is saturated (vCPU $hv+$hw%, main loop $hm%, host $hh%): hermit-c waits (timers, acks, interrupts)"
fi
echo "worst ratio: $worst; limit: $why"
