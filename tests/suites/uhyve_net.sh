#!/usr/bin/env bash
# uhyve_net: uhyve's NIC (--tap IFNAME, a virtio-net device on a tap
# device). The option's errors; then the integer-only echo server
# tests/guest/net_nofloat.c on uhyve, reached by a Python client over UDP
# and TCP, with the default address and again with -e HERMIT_IP and --mac.
#
# Network rules: everything happens in a network namespace of this run's
# own (hermit-uhyve-PID): the tap device and 10.0.5.1 are made inside it,
# uhyve and the client run inside it, and it is deleted at the end, also
# on failure. Nothing is made in the root namespace; no traffic leaves the
# namespace. Skipped without /dev/kvm, /dev/net/tun or root (ip netns);
# a guest that this host's KVM cannot run is reported as skipped.
. "$(dirname "$0")/../lib.sh"

U=$BIN/uhyve
NS=hermit-uhyve-$$
GUEST_TIMEOUT=${UHYVE_TEST_TIMEOUT:-180}
UPID=

cleanup() {
	if [[ -n $UPID ]]; then
		kill "$UPID" 2>/dev/null
		wait "$UPID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

why=
[[ -c /dev/kvm && -r /dev/kvm && -w /dev/kvm ]] || why="no usable /dev/kvm"
[[ -z $why && ! -c /dev/net/tun ]] && why="no /dev/net/tun"
[[ -z $why ]] && ((EUID != 0)) && why="needs root for ip netns and a tap device"
[[ -z $why ]] && ! command -v ip >/dev/null && why="no ip(8)"
[[ -z $why ]] && ! command -v python3 >/dev/null && why="no python3 for the client"
if [[ -n $why ]]; then
	skip "uhyve --tap" "$why"
	exit 0
fi

in_ns() { ip netns exec "$NS" "$@"; }
no_link() { ! in_ns ip link show "$1" >/dev/null 2>&1 && ! ip link show "$1" >/dev/null 2>&1; }

if ! { ip netns add "$NS" && in_ns ip link set lo up && in_ns ip tuntap add tap0 mode tap &&
	in_ns ip addr add 10.0.5.1/24 dev tap0 && in_ns ip link set tap0 up; } >"$T/ns.log" 2>&1; then
	skip "uhyve --tap" "cannot make a network namespace with a tap device: $(tail -n1 "$T/ns.log")"
	exit 0
fi

cat >"$T/client.py" <<'EOF'
# client.py HOST PORT BYTES: one UDP echo (retried), then BYTES over TCP
# echoed back; prints "udp ok", the guest's MAC from the ARP table
# ("arp MAC"), "tcp ok N" or why not; exits 0 if both echoes held.
import socket, sys
host, port, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ok = True
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(10)
for attempt in range(3):
    u.sendto(b"hello over udp", (host, port))
    try:
        data, _ = u.recvfrom(100)
        print("udp ok" if data == b"hello over udp" else "udp wrong reply %r" % data)
        ok = ok and data == b"hello over udp"
        break
    except socket.timeout:
        print("udp timeout, attempt %d" % (attempt + 1))
else:
    ok = False
for line in open("/proc/net/arp"):
    f = line.split()
    if f[0] == host:
        print("arp " + f[3])
s = socket.create_connection((host, port), timeout=60)
data = bytes((i * 7 + 3) & 0xff for i in range(nbytes))
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
print("tcp ok %d" % len(got) if got == data else "tcp got %d bytes, not the %d sent" % (len(got), nbytes))
sys.exit(0 if ok and got == data else 1)
EOF

option_tests() {
	guest "$U" --help
	check "uhyve --help documents --tap and --mac" -- rc_is 0 -- has "--tap IFNAME" -- \
		has "HERMIT_TAP=IFNAME" -- has "--mac MAC"
	guest ip netns exec "$NS" "$U" --tap hermit-nosuch "$T/net_nofloat"
	check "uhyve --tap of a missing interface: usage error, nothing created" -- rc_is 64 -- \
		has "uhyve: --tap hermit-nosuch: no such network interface" -- \
		no_link hermit-nosuch
	guest ip netns exec "$NS" "$U" --tap lo "$T/net_nofloat"
	check "uhyve --tap lo: not a tap device" -- rc_is 69 -- \
		has "uhyve: --tap lo: not a tap device"
	guest ip netns exec "$NS" env HERMIT_TAP=hermit-nosuch "$U" "$T/net_nofloat"
	check "uhyve HERMIT_TAP stands in for --tap" -- rc_is 64 -- \
		has "uhyve: --tap hermit-nosuch: no such network interface"
	guest "$U" --mac 01:00:5e:00:00:01 --tap tap0 "$T/net_nofloat"
	check "uhyve --mac refuses a multicast address" -- rc_is 64 -- \
		has "uhyve: --mac '01:00:5e:00:00:01': expected a unicast MAC address"
}

# echo_test NAME IP [uhyve options]: boot net_nofloat with the NIC, run the
# client against IP, check both sides.
echo_test() {
	local name=$1 ip=$2 i
	shift 2
	OUT=$T/out.$RANDOM$RANDOM
	: >"$OUT"
	in_ns timeout -k 5 "$GUEST_TIMEOUT" "$U" -v --tap tap0 "$@" "$T/net_nofloat" 7777 \
		>"$OUT" 2>&1 </dev/null &
	UPID=$!
	for ((i = 0; i < 600; i++)); do
		has "net_nofloat: listening on 7777" && break
		kill -0 "$UPID" 2>/dev/null || break
		sleep 0.1
	done
	if has "net_nofloat: listening on 7777"; then
		in_ns timeout -k 5 120 python3 "$T/client.py" "$ip" 7777 4000 >"$T/client.log" 2>&1
		CRC=$?
	else
		CRC=none
	fi
	wait "$UPID"
	RC=$?
	UPID=
	if [[ $RC == 72 ]] && has "cannot run this guest"; then
		skip "$name" "$(lines | grep -m1 'cannot run this guest' | sed 's/^uhyve: //')"
		return
	fi
	check "$name" -- rc_is 0 -- [ "$CRC" = 0 ] -- grep -qx "udp ok" "$T/client.log" -- \
		grep -qx "tcp ok 4000" "$T/client.log" -- has "net_nofloat: udp echoed 14 bytes" -- \
		has "net_nofloat: tcp echoed 4000 bytes" -- has "uhyve: virtio-net "
	[[ $CRC == 0 ]] || sed 's/^/    client| /' "$T/client.log" 2>/dev/null
	lines | grep '^uhyve: virtio-net' | sed 's/^/    /'
}

if ! build net_nofloat "$ROOT/tests/guest/net_nofloat.c" --features=default,tcp; then
	fail "uhyve --tap: net_nofloat" "hermit-gcc failed"
	exit 0
fi
option_tests
echo_test "uhyve --tap: UDP and TCP echo at the default 10.0.5.3" 10.0.5.3
echo_test "uhyve --tap: -e HERMIT_IP=10.0.5.7 and --mac 02:00:00:00:00:42" 10.0.5.7 \
	-e HERMIT_IP=10.0.5.7 --mac 02:00:00:00:00:42
if [[ $RC == 0 ]]; then
	check "uhyve --mac: the host saw the guest's MAC" -- \
		grep -qx "arp 02:00:00:00:00:42" "$T/client.log"
fi
echo_test "uhyve --tap with 2 vCPUs: UDP and TCP echo" 10.0.5.3 -c 2
