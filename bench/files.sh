#!/usr/bin/env bash
# bench/files.sh: sequential write and read throughput of a 256 MiB file in
# a host directory (bench/filesbench.c: 1 MiB writes + fsync, 1 MiB reads
# of a file the host made), measured in this run:
#   hermit-c on QEMU (TCG) through virtio-fs (Debian's virtiofsd, tag root)
#   the same source built with musl-gcc -static in the Linux guest of
#     ../shared/tools/linux-guest, through the same virtiofsd
#     (LINUX_GUEST_SHARE)
#   the same image on uhyve with --mount DIR:/root, with the kind of this
#     host's KVM (uhyve --check); on a KVM that emulates instructions the
#     file is BENCH_UHYVE_MIB (default 8) MiB instead, since 256 MiB take
#     minutes there, and the figure measures the emulator.
# Prints MB/s (10^6 bytes per second) and hermit/linux ratios (above 1:
# hermit-c is faster). BENCH_RUNS (default 3) runs each, medians.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
SRC=$ROOT/bench/filesbench.c
LINUX_GUEST=$ROOT/../shared/tools/linux-guest
VIRTIOFSD=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
MIB=256
RUNS=${BENCH_RUNS:-3}
((RUNS >= 1)) || RUNS=1
T=$(mktemp -d /tmp/hermit-bench-files.XXXXXX)
VPID=
stop_vfsd() { [[ -n $VPID ]] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null; VPID=; }
trap 'stop_vfsd; rm -rf "$T"' EXIT

die() {
	echo "bench/files: $*" >&2
	exit 1
}
. "$(dirname "$0")/lib.sh"

# fresh_share MIB: $T/share with host.bin of MIB MiB, no guest.bin.
fresh_share() {
	rm -rf "$T/share" && mkdir -p "$T/share"
	head -c "${1}M" /dev/urandom >"$T/share/host.bin"
}

# result: "WRITE_KBPS READ_KBPS" (10^3 bytes/s) from $T/out's filesbench line.
result() {
	local line w wu r ru
	line=$(tr -d '\r' <"$T/out" | grep -m1 '^filesbench:') ||
		{ tail -n 5 "$T/out" >&2; return 1; }
	read -r w wu r ru < <(sed 's/.*bytes_written=\([0-9]*\) write_us=\([0-9]*\) bytes_read=\([0-9]*\) read_us=\([0-9]*\).*/\1 \2 \3 \4/' <<<"$line")
	((wu > 0 && ru > 0)) || return 1
	echo "$((w * 1000 / wu)) $((r * 1000 / ru))"
}

hermit_run() {
	fresh_share "$MIB"
	rm -f "$T/vfsd.sock"
	"$VIRTIOFSD" --socket-path="$T/vfsd.sock" -o source="$T/share" -o cache=auto \
		>"$T/vfsd.log" 2>&1 &
	VPID=$!
	for _ in $(seq 100); do [[ -S $T/vfsd.sock ]] && break; sleep 0.1; done
	timeout -k 5 600 "$BIN/hermit-qemu" --timeout 590 \
		--qemu -chardev --qemu "socket,id=vfs,path=$T/vfsd.sock" \
		--qemu -device --qemu vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=root \
		--qemu -object --qemu memory-backend-file,id=mem,size=1G,mem-path=/dev/shm,share=on \
		--qemu -numa --qemu node,memdev=mem -m 1G "$T/fb.hermit" "$MIB" >"$T/out" 2>&1 </dev/null
	stop_vfsd
	result || die "hermit-c on QEMU gave no result"
}

linux_run() {
	fresh_share "$MIB"
	LINUX_GUEST_SHARE=$T/share LINUX_GUEST_ARGS=$MIB timeout -k 5 600 \
		"$LINUX_GUEST" "$T/fb.linux" 9975 "$(free_port)" 1 1G >"$T/out" 2>&1 </dev/null
	result || die "the Linux guest gave no result"
}

uhyve_run() {
	fresh_share "$1"
	timeout -k 5 900 "$BIN/uhyve" --mount "$T/share:/root" "$T/fb.hermit" "$1" \
		>"$T/out" 2>&1 </dev/null
	result || die "uhyve gave no result"
}

# mbps KBPS: 10^3 bytes/s as MB/s with one decimal.
mbps() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

[[ -x $BIN/hermit-gcc && -x $BIN/hermit-qemu && -x $BIN/uhyve ]] || die "run make first"
[[ -x $VIRTIOFSD ]] || die "no $VIRTIOFSD (Debian's qemu-system-common)"
[[ -x $LINUX_GUEST ]] || die "$LINUX_GUEST is missing"
command -v musl-gcc >/dev/null || die "musl-gcc is not installed"
# -mgeneral-regs-only: no SSE in the program itself, so that uhyve can run
# it on a KVM that emulates instructions; the same flags for every build.
"$BIN/hermit-gcc" -O2 -mgeneral-regs-only -o "$T/fb.hermit" "$SRC" || die "hermit-gcc failed"
musl-gcc -static -O2 -mgeneral-regs-only -o "$T/fb.linux" "$SRC" || die "musl-gcc failed"

hw=() hr=() lw=() lr=()
for ((i = 1; i <= RUNS; i++)); do
	read -r w r < <(hermit_run) || exit 1
	hw+=("$w") hr+=("$r")
	read -r w r < <(linux_run) || exit 1
	lw+=("$w") lr+=("$r")
done
hwm=$(median "${hw[@]}") hrm=$(median "${hr[@]}") lwm=$(median "${lw[@]}") lrm=$(median "${lr[@]}")

"$BIN/uhyve" --check >"$T/check" 2>&1
check_rc=$?
kind=$(grep -o 'speed: .*' "$T/check" | sed 's/^speed: //')
umib=$MIB
((check_rc == 0)) || umib=${BENCH_UHYVE_MIB:-8}
read -r uw ur < <(uhyve_run "$umib") || exit 1

echo "files: sequential throughput in a host directory, $MIB MiB, 1 MiB requests; medians of $RUNS runs, MB/s"
printf '%-44s %10s %10s\n' "" "write" "read"
printf '%-44s %10s %10s\n' "hermit-c, QEMU TCG, virtio-fs" "$(mbps "$hwm")" "$(mbps "$hrm")"
printf '%-44s %10s %10s\n' "Linux guest, QEMU TCG, virtio-fs" "$(mbps "$lwm")" "$(mbps "$lrm")"
printf '%-44s %10s %10s   (above 1: hermit-c is faster)\n' "hermit-c / Linux" \
	"$(ratio "$hwm" "$lwm")" "$(ratio "$hrm" "$lrm")"
printf '%-44s %10s %10s\n' "hermit-c, uhyve --mount ($umib MiB, 1 run)" "$(mbps "$uw")" "$(mbps "$ur")"
echo "uhyve: this host's KVM: ${kind:-unknown}"
((check_rc == 0)) || echo "uhyve: $(tail -n 1 "$T/check" | sed 's/^uhyve: //') -- the uhyve figure measures KVM's instruction emulator"
