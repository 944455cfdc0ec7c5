#!/usr/bin/env bash
# rtl8139 (feature rtl8139): the RTL8139 driver on QEMU's `-device rtl8139`
# behind user networking with restrict=on, with 1 and 2 CPUs:
#   - the frame-level self-test (an ARP request for the gateway, its reply);
#   - tests/guest/net_echo.c with DHCP: the lease (10.0.2.15), 20 MiB of TCP
#     echoed through a hostfwd on 127.0.0.1 with SHA-256 both ways, 100
#     connections open at once all answered, and a clean exit after them;
#   - UDP echo. slirp with restrict=on drops every UDP datagram the guest
#     sends (only DHCP and TFTP pass), so the echo cannot come back to the
#     host; the test sends datagrams through a udp hostfwd and checks, in a
#     QEMU filter-dump capture of the NIC's traffic, that the guest answered
#     each one with the same bytes;
#   - the link taken down and up through QMP (set_link), seen by the guest,
#     and traffic afterwards.
# Every guest runs under a timeout; a guest in the background is stopped by
# its PID and reaped.
. "$(dirname "$0")/../lib.sh"
SRC=$ROOT/tests/guest
command -v qemu-system-x86_64 >/dev/null || { skip "rtl8139" "no qemu-system-x86_64"; exit 0; }
command -v python3 >/dev/null || { skip "rtl8139" "no python3"; exit 0; }

GPID=
stop_guest() { [[ -n $GPID ]] && kill "$GPID" 2>/dev/null; [[ -n $GPID ]] && wait "$GPID" 2>/dev/null; GPID=; }
trap 'stop_guest; rm -rf "$T"' EXIT

# free_port: a port below the kernel's ephemeral range that no socket at
# all (TCP or UDP, any state) uses.
free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	((lo > 21000)) || lo=30000
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % (lo - 20000)))
		ss -Htuan "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	return 1
}

# nic [hostfwd options] [device options]: QEMU arguments for an RTL8139 on
# restricted user networking.
nic() {
	NIC=(--qemu -netdev --qemu "user,id=u1,restrict=on$1" --qemu -device --qemu "rtl8139,netdev=u1${2:-}")
}

if ! build hello "$SRC/hello.c" --features=default,tcp,rtl8139; then
	fail "rtl8139 build" "hermit-gcc failed"
	exit 0
fi
for cpus in 1 2; do
	nic ""
	qemu -c "$cpus" --timeout 60 -e HERMIT_SELFTEST=net "${NIC[@]}" "$T/hello"
	check "rtl8139 ARP self-test on $cpus CPU(s)" -- rc_is 0 -- has "en0: rtl8139, MAC 52:54:00:12:34:56, MTU 1500, link up" \
		-- has "selftest net en0: ARP reply: 10.0.2.2 is at 52:55:0a:00:02:02"
done

if ! build net_echo "$SRC/net_echo.c" --features=default,tcp,dhcpv4,rtl8139 -lpthread; then
	fail "rtl8139 net_echo build" "hermit-gcc failed"
	exit 0
fi

# wait_for TEXT SECONDS: the background guest's output has TEXT in time.
wait_for() {
	for _ in $(seq $(($2 * 5))); do
		has "$1" && return 0
		kill -0 "$GPID" 2>/dev/null || { has "$1"; return; }
		sleep 0.2
	done
	return 1
}

# start_echo LOG CPUS UDP DEVOPTS [QEMU args...] -- [net_echo args]: net_echo
# in the background (GPID) with its output in LOG (OUT), forwarding
# 127.0.0.1:P to its port 9975 (TCP, and UDP when UDP is "udp"). Another
# program may take the port between free_port and QEMU's bind: then it
# tries another. 0 once net_echo listens.
start_echo() {
	local log=$1 cpus=$2 udp=$3 dev=$4 fwd qargs=()
	shift 4
	while (($#)) && [[ $1 != -- ]]; do qargs+=("$1"); shift; done
	(($#)) && shift
	for _ in 1 2 3 4 5; do
		P=$(free_port) || return 1
		fwd=",hostfwd=tcp:127.0.0.1:$P-:9975"
		[[ $udp == udp ]] && fwd+=",hostfwd=udp:127.0.0.1:$P-:9975"
		nic "$fwd" "$dev"
		OUT=$log
		: >"$OUT"
		timeout -k 5 "$GUEST_TIMEOUT" "$BIN/hermit-qemu" -c "$cpus" \
			--timeout $((GUEST_TIMEOUT - 10)) "${NIC[@]}" "${qargs[@]}" \
			"$T/net_echo" 9975 "$@" >"$OUT" 2>&1 </dev/null &
		GPID=$!
		RC=running
		wait_for "net_echo: listening on 9975" 60 && return 0
		stop_guest
		has "Could not set up host forwarding rule" || return 1
	done
	return 1
}

# udp_echo PORT COUNT PCAP: COUNT datagrams of 1..1400 bytes to the guest;
# then, in the capture, each must reach the guest and go back out of it
# from port 9975 with the same bytes.
udp_echo() {
	python3 - "$@" <<'PY'
import random, socket, struct, sys, time
port, count, pcap = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rng = random.Random(11)
sent = [rng.randbytes(rng.randint(1, 1400)) for _ in range(count)]
for m in sent:
    s.sendto(m, ("127.0.0.1", port))
    time.sleep(0.005)

def udp_frames():
    with open(pcap, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        f = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
            continue
        ihl = (f[14] & 15) * 4
        u = f[14 + ihl:]
        sport, dport, ulen = struct.unpack_from(">HHH", u, 0)
        yield sport, dport, u[8:ulen]

deadline = time.time() + 30
while True:
    into = [p for sp, dp, p in udp_frames() if dp == 9975]
    back = [p for sp, dp, p in udp_frames() if sp == 9975]
    if len(back) >= count or time.time() > deadline:
        break
    time.sleep(0.5)
ok = sorted(into) == sorted(sent) and sorted(back) == sorted(sent)
print(f"udp: {count} datagrams sent, {len(into)} reached the guest, {len(back)} echoed "
      f"by it (in the capture): {'intact' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
PY
}

for cpus in 1 2; do
	name="rtl8139 on $cpus CPU(s)"
	PCAP=$T/echo.$cpus.pcap
	# 101 connections (the echo, then 100 at once) and net_echo exits.
	if ! start_echo "$T/echo.$cpus.log" "$cpus" udp "" \
		--qemu -object --qemu "filter-dump,id=f1,netdev=u1,file=$PCAP" -- 101 ||
		! wait_for "(DHCP)" 30; then
		stop_guest
		fail "$name" "the guest did not come up"
		show
		continue
	fi
	check "$name: DHCP lease" -- has "en0: address 10.0.2.15, mask 255.255.255.0"

	if r=$(udp_echo "$P" 200 "$PCAP" 2>&1); then
		pass "$name: UDP echo (checked in the capture)"
	else
		fail "$name: UDP echo (checked in the capture)" "$r"
	fi
	echo "    $r"

	if r=$(timeout 300 python3 "$ROOT/tests/netclient.py" echo 127.0.0.1 "$P" $((20 << 20)) 2>&1); then
		pass "$name: TCP echo of 20 MiB"
	else
		fail "$name: TCP echo of 20 MiB" "$r"
	fi
	echo "    $r"

	if r=$(timeout 300 python3 "$ROOT/tests/netclient.py" many 127.0.0.1 "$P" 100 2>&1); then
		pass "$name: 100 concurrent connections"
	else
		fail "$name: 100 concurrent connections" "$r"
	fi
	echo "    $r"

	# net_echo ends by itself once it has served them all.
	for _ in $(seq 150); do kill -0 "$GPID" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$GPID" 2>/dev/null; then
		stop_guest
		RC=killed
	else
		wait "$GPID"
		RC=$?
		GPID=
	fi
	check "$name: guest served every connection and exited" -- rc_is 0 -- not_timed_out
done

# Link changes: QEMU's set_link (over QMP) takes the link down and up
# again; the driver must see both in the media status register, and the
# device must carry traffic afterwards.
set_link() {
	python3 - "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
def cmd(c, **a):
    f.write(json.dumps({"execute": c, "arguments": a} if a else {"execute": c}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
f.readline()
cmd("qmp_capabilities")
sys.exit(0 if "return" in cmd("set_link", name="n1", up=sys.argv[2] == "up") else 1)
PY
}

name="rtl8139 link down and up"
why=
if ! start_echo "$T/link.log" 1 tcp ",id=n1" --qemu -qmp --qemu "unix:$T/qmp.sock,server=on,wait=off"; then
	why="the guest did not come up"
elif ! set_link "$T/qmp.sock" down || ! wait_for "en0: link down" 20; then
	why="no 'en0: link down' after set_link down"
elif ! set_link "$T/qmp.sock" up || ! wait_for "en0: link up" 20; then
	why="no 'en0: link up' after set_link up"
elif ! r=$(timeout 120 python3 "$ROOT/tests/netclient.py" echo 127.0.0.1 "$P" $((1 << 20)) 2>&1); then
	why="TCP echo after the link came back: $r"
fi
stop_guest
if [[ -z $why ]]; then
	pass "$name"
	echo "    $r"
else
	fail "$name" "$why"
	show
fi
