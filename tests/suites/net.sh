#!/usr/bin/env bash
# net (features tcp, dhcpv4, rtl8139): the network as a user sees it, on
# QEMU (TCG). For each NIC (virtio-net, RTL8139): httpd gets its address
# from QEMU's DHCP server (user networking, restrict=on), serves its page
# and files from a virtio-fs host directory to curl through a host forward
# on 127.0.0.1, and holds up HTTP/1.1 (keep-alive, pipelining, HEAD,
# HTTP/1.0, malformed requests, clients that vanish mid-transfer, clients
# at once); a filter-dump capture read by tshark shows the DHCP exchange
# and the request. net_echo: 100 MiB of TCP echoed with SHA-256 both ways.
# Then virtio-net over a tap device with static addresses, inside a network
# namespace this suite makes and deletes: httpd's page to curl, 200 HTTP
# clients at once, UDP echo, 200 concurrent TCP connections, a TCP echo,
# getaddrinfo against a DNS server of ours there, the guest as a client
# (connected, and ECONNREFUSED from a closed port). Nothing leaves this machine: slirp is restricted,
# forwards listen on 127.0.0.1, the tap lives in the private namespace.
. "$(dirname "$0")/../lib.sh"
SRC=$ROOT/tests/guest
VIRTIOFSD=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
FEATURES=${NET_FEATURES:-"default tcp dhcpv4 rtl8139"}
GUEST_TIMEOUT=${NET_TIMEOUT:-300}

GPID= VPID= NS=
stop_guest() { [[ -n $GPID ]] && kill "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null; GPID=; }
stop_vfsd() { [[ -n $VPID ]] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null; VPID=; }
cleanup() {
	stop_guest
	stop_vfsd
	[[ -n $NS ]] && ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# free_port: a TCP port on 127.0.0.1 that nobody listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_vfsd: virtiofsd sharing $T/www, for httpd's working directory.
start_vfsd() {
	rm -f "$T/vfsd.sock"
	"$VIRTIOFSD" --socket-path="$T/vfsd.sock" -o source="$T/www" -o cache=auto >"$T/vfsd.log" 2>&1 &
	VPID=$!
	for _ in $(seq 100); do [[ -S $T/vfsd.sock ]] && return 0; sleep 0.1; done
	return 1
}

# start_guest NIC IMAGE PORT [args]: the image on QEMU in the background,
# on user networking with its port 9975 forwarded from 127.0.0.1:PORT,
# traffic captured to $T/dump.pcap, the share as tag root.
# Output in $OUT.
start_guest() {
	local nic=$1 img=$2 port=$3
	shift 3
	OUT=$T/guest.$RANDOM.out
	rm -f "$T/dump.pcap"
	# virtiofsd serves one guest and ends with it: one each.
	stop_vfsd
	start_vfsd || echo "virtiofsd did not start: $(tail -1 "$T/vfsd.log")"
	timeout -k 5 "$GUEST_TIMEOUT" "$BIN/hermit-qemu" -m 1G \
		--qemu -netdev --qemu "user,id=u1,restrict=on,hostfwd=tcp:127.0.0.1:$port-:9975" \
		--qemu -device --qemu "$nic,netdev=u1" \
		--qemu -object --qemu "filter-dump,id=f1,netdev=u1,file=$T/dump.pcap" \
		--qemu -chardev --qemu "socket,id=vfs,path=$T/vfsd.sock" \
		--qemu -device --qemu vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=root \
		--qemu -object --qemu memory-backend-file,id=mem,size=1G,mem-path=/dev/shm,share=on \
		--qemu -numa --qemu node,memdev=mem \
		"$img" "$@" >"$OUT" 2>&1 </dev/null &
	GPID=$!
}

# wait_for TEXT: the guest printed TEXT within 60 s (and still runs).
wait_for() {
	for _ in $(seq 600); do
		has "$1" && return 0
		kill -0 "$GPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# got_lease: the boot log has the DHCP line with slirp's first address.
got_lease() { lines | grep -qE 'en0: address 10\.0\.2\.15, mask 255\.255\.255\.0, .*\(DHCP\)'; }

# page_ok PORT: curl gets httpd's page.
page_ok() {
	curl -sS -m 30 -o "$T/page.html" -w '%{http_code}' "http://127.0.0.1:$1/" >"$T/code" 2>&1 &&
		[[ $(cat "$T/code") == 200 ]] && grep -q 'Hello from hermit-c!' "$T/page.html"
}

# hc NAME PORT CHECK [ARGS]: one httpcheck.py check as a test.
hc() {
	local name=$1 port=$2
	shift 2
	if python3 "$ROOT/tests/httpcheck.py" 127.0.0.1 "$port" "$@" >"$T/hc.out" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(tail -1 "$T/hc.out")"
	fi
	sed 's/^/    /' "$T/hc.out"
}

# tshark_shows WHAT: the capture, read by tshark, shows WHAT (an egrep).
tshark_shows() { tshark -r "$T/dump.pcap" 2>/dev/null | grep -qE "$1"; }

httpd_tests() {
	local nic=$1 port
	port=$(free_port)
	start_guest "$nic" "$T/httpd" "$port"
	if ! wait_for "httpd: listening on port 9975"; then
		fail "$nic: httpd starts" "no 'listening' line"
		show
		stop_guest
		return
	fi
	for _ in $(seq 300); do got_lease && break; sleep 0.1; done
	check "$nic: DHCP lease from QEMU (10.0.2.15) logged" -- got_lease
	check "$nic: curl gets the page through hostfwd on 127.0.0.1" -- page_ok "$port"
	hc "$nic: a host file served byte for byte" "$port" file big.bin "$BIG_SHA"
	hc "$nic: keep-alive" "$port" keepalive
	hc "$nic: pipelined requests" "$port" pipeline
	hc "$nic: HEAD" "$port" head small.txt
	hc "$nic: HTTP/1.0 closes" "$port" http10
	hc "$nic: malformed requests get 400, the server goes on" "$port" malformed
	hc "$nic: clients that disconnect mid-transfer" "$port" abort big.bin
	hc "$nic: 20 concurrent clients" "$port" concurrent 20
	check "$nic: httpd still serving after all that" -- page_ok "$port"
	stop_guest
	if ! command -v tshark >/dev/null; then
		skip "$nic: tshark reads the capture" "tshark is not installed"
		return
	fi
	tshark -r "$T/dump.pcap" 2>/dev/null | grep -E 'DHCP|GET / ' | head -6 | sed 's/^/    /'
	check "$nic: tshark shows the DHCP exchange" -- \
		tshark_shows 'DHCP Discover' -- tshark_shows 'DHCP Offer' -- \
		tshark_shows 'DHCP Request' -- tshark_shows 'DHCP ACK'
	check "$nic: tshark shows the HTTP request and answer" -- \
		tshark_shows 'HTTP.*GET / HTTP/1.1' -- tshark_shows 'HTTP/1.1 200 OK'
}

# nc_test NAME PORT MODE N: one netclient.py run as a test.
nc_test() {
	local name=$1 port=$2
	shift 2
	if timeout 600 python3 "$ROOT/tests/netclient.py" "$1" 127.0.0.1 "$port" "$2" >"$T/nc.out" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(tail -1 "$T/nc.out")"
	fi
	sed 's/^/    /' "$T/nc.out"
}

echo_tests() {
	local nic=virtio-net-pci port
	port=$(free_port)
	start_guest "$nic" "$T/net_echo" "$port"
	if ! wait_for "net_echo: listening on 9975"; then
		fail "net_echo starts" "no 'listening' line"
		show
		stop_guest
		return
	fi
	nc_test "TCP echo of 100 MiB, SHA-256 equal both ways" "$port" echo $((100 << 20))
	nc_test "TCP: 20 connections at once through slirp" "$port" many 20
	stop_guest
}

# The tap tests: QEMU inside a namespace of our own with a tap device there
# (10.0.5.1/24 on the host side), guests on their default 10.0.5.3. No
# slirp in the way: it accepts one host connection at a time and drops
# every UDP datagram a restricted guest sends, so the many-clients and UDP
# tests run here.
make_ns() {
	NS=hermit-net-$$
	ip netns add "$NS" && ip -n "$NS" link set lo up &&
		ip -n "$NS" tuntap add tap0 mode tap &&
		ip -n "$NS" addr add 10.0.5.1/24 dev tap0 && ip -n "$NS" link set tap0 up
}

# tap_guest IMAGE: the image on virtio-net over the namespace's tap0, in
# the background; waits for its 'listening' line.
tap_guest() {
	OUT=$T/tap.$RANDOM.out
	timeout -k 5 "$GUEST_TIMEOUT" ip netns exec "$NS" "$BIN/hermit-qemu" \
		--qemu -netdev --qemu tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off \
		--qemu -device --qemu virtio-net-pci,netdev=n0,disable-legacy=on \
		"$1" >"$OUT" 2>&1 </dev/null &
	GPID=$!
	wait_for "listening on"
}

# in_ns CMD...: run CMD in the namespace.
in_ns() { ip netns exec "$NS" "$@"; }

tap_page() {
	for _ in $(seq 50); do
		in_ns curl -sS -m 5 -o "$T/tap.html" http://10.0.5.3:9975/ 2>/dev/null && break
		sleep 0.3
	done
	grep -q 'Hello from hermit-c!' "$T/tap.html"
}

# ns_test NAME SCRIPT ARGS...: a host-side check script run in the namespace.
ns_test() {
	local name=$1
	shift
	if in_ns timeout 600 python3 "$@" >"$T/ns.out" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(tail -1 "$T/ns.out")"
	fi
	sed 's/^/    /' "$T/ns.out"
}

tap_tests() {
	local why=
	((EUID == 0)) || why="needs root for a network namespace"
	[[ -z $why && -c /dev/net/tun ]] || why=${why:-"no /dev/net/tun"}
	command -v ip >/dev/null || why="no ip command (iproute2)"
	if [[ -n $why ]]; then
		skip "virtio-net over tap in a namespace" "$why"
		return
	fi
	if ! make_ns 2>"$T/ns.log"; then
		fail "virtio-net over tap in a namespace" "namespace setup: $(head -1 "$T/ns.log")"
		return
	fi
	tap_guest "$T/httpd-static"
	check "tap: static address 10.0.5.3 logged" -- \
		has "en0: address 10.0.5.3, mask 255.255.255.0, gateway 10.0.5.1, DNS none (static)"
	check "tap: curl in the namespace gets httpd's page" -- tap_page
	ns_test "tap: 200 concurrent HTTP clients" "$ROOT/tests/httpcheck.py" 10.0.5.3 9975 concurrent 200
	stop_guest
	tap_guest "$T/net_echo-static"
	ns_test "tap: UDP echo of 200 datagrams of 1..1400 bytes" \
		"$ROOT/tests/netclient.py" udp 10.0.5.3 9975 200
	ns_test "tap: 200 concurrent TCP connections each echoed" \
		"$ROOT/tests/netclient.py" many 10.0.5.3 9975 200
	ns_test "tap: TCP echo of 20 MiB, SHA-256 equal both ways" \
		"$ROOT/tests/netclient.py" echo 10.0.5.3 9975 $((20 << 20))
	stop_guest
	dns_test
	client_test
	ip netns del "$NS"
	NS=
}

# The guest as a client: a non-blocking connect to a listener of ours in
# the namespace (which answers the guest's line in upper case), and to a
# closed port there (the namespace's kernel answers with a reset).
client_test() {
	local lpid
	in_ns timeout 120 python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.5.1", 9976))
s.listen(1)
s.settimeout(110)
c, peer = s.accept()
line = c.makefile().readline()
print("listener: got", line.strip(), "from", peer[0], flush=True)
c.sendall(line.upper().encode())
' >"$T/listener.log" 2>&1 &
	lpid=$!
	sleep 0.5
	guest ip netns exec "$NS" "$BIN/hermit-qemu" \
		--qemu -netdev --qemu tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off \
		--qemu -device --qemu virtio-net-pci,netdev=n0,disable-legacy=on \
		"$T/net_connect-static" 10.0.5.1:9976 10.0.5.1:9977
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
	check "tap: the guest connects out (non-blocking) and talks" -- \
		has_line "10.0.5.1:9976: connected, got HELLO FROM HERMIT-C" -- \
		grep -q "listener: got hello from hermit-c from 10.0.5.3" "$T/listener.log"
	check "tap: a non-blocking connect to a closed port gives ECONNREFUSED" -- \
		has_line "10.0.5.1:9977: Connection refused (ECONNREFUSED)" -- rc_is 1
}

# getaddrinfo through musl's resolver and our UDP sockets, against a DNS
# server of ours in the namespace; localhost comes from /etc/hosts.
dns_test() {
	local dpid
	in_ns timeout 120 python3 "$ROOT/tests/dnsserver.py" 10.0.5.1 10 110 \
		www.hermit.test=10.0.5.42 >"$T/dns.log" 2>&1 &
	dpid=$!
	sleep 0.5
	guest ip netns exec "$NS" "$BIN/hermit-qemu" \
		--qemu -netdev --qemu tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off \
		--qemu -device --qemu virtio-net-pci,netdev=n0,disable-legacy=on \
		"$T/net_dns-static" -s 10.0.5.1 www.hermit.test localhost nosuch.hermit.test
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	check "tap: getaddrinfo through /etc/resolv.conf's server and /etc/hosts" -- \
		has_line "www.hermit.test -> 10.0.5.42" -- has_line "localhost -> 127.0.0.1" -- \
		has_line "nosuch.hermit.test: Name does not resolve" -- rc_is 1 -- \
		grep -q "asked www.hermit.test type 1" "$T/dns.log"
	sed 's/^/    /' "$T/dns.log"
}

# The static address: build time (HERMIT_IP, HERMIT_GATEWAY, HERMIT_MASK),
# run time (-ip/-gateway/-mask, env=) over it, a bad value refused, and the
# warning when dhcpv4 makes HERMIT_IP moot. A NIC on restricted user
# networking without forwards: only the boot log counts.
addr_run() {
	qemu --qemu -netdev --qemu user,id=u1,restrict=on --qemu -device --qemu virtio-net-pci,netdev=u1 "$@"
}
addr_line() { lines | grep -qF "en0: address $1 (static)"; }
addr_tests() {
	local hello=$ROOT/tests/guest/hello.c
	if ! HERMIT_IP=10.0.5.7 HERMIT_GATEWAY=10.0.5.254 HERMIT_MASK=255.255.0.0 \
		HERMIT_FEATURES="default tcp" build hello-ip "$hello"; then
		fail "HERMIT_IP/GATEWAY/MASK at build time" "hermit-gcc failed"
		return
	fi
	addr_run "$T/hello-ip"
	check "HERMIT_IP, HERMIT_GATEWAY, HERMIT_MASK at build time" -- rc_is 0 -- \
		addr_line "10.0.5.7, mask 255.255.0.0, gateway 10.0.5.254, DNS none"
	addr_run -k "-ip 10.0.5.9 -gateway 10.0.5.2 -mask 255.255.255.128" "$T/hello-ip"
	check "-ip -gateway -mask at run time override the build" -- \
		addr_line "10.0.5.9, mask 255.255.255.128, gateway 10.0.5.2, DNS none"
	addr_run -e HERMIT_IP=10.0.5.11 "$T/hello-ip"
	check "env=HERMIT_IP at run time overrides the build" -- \
		addr_line "10.0.5.11, mask 255.255.0.0, gateway 10.0.5.254, DNS none"
	addr_run -e HERMIT_IP=10.0.5.256 "$T/hello-ip"
	check "a bad run-time address is reported, the build's is used" -- \
		has "HERMIT_IP=10.0.5.256 is not an IPv4 address" -- \
		addr_line "10.0.5.7, mask 255.255.0.0, gateway 10.0.5.254, DNS none"
	if HERMIT_IP=10.0.5.300 HERMIT_FEATURES="default tcp" build bad-ip "$hello" >/dev/null 2>&1; then
		fail "a bad HERMIT_IP fails the build" "hermit-gcc accepted 10.0.5.300"
	else
		check "a bad HERMIT_IP fails the build" -- \
			grep -q "HERMIT_IP=10.0.5.300: not an IPv4 address" "$T/bad-ip.build.log"
	fi
	addr_run -e HERMIT_IP=10.0.5.3 "$T/net_echo" 9975 0
	check "dhcpv4 with HERMIT_IP set: a warning" -- \
		has "HERMIT_IP=10.0.5.3 is set, but feature dhcpv4 is on"
}

command -v qemu-system-x86_64 >/dev/null || { skip "net" "no qemu-system-x86_64"; exit 0; }
[[ -x $VIRTIOFSD ]] || { skip "net" "no $VIRTIOFSD"; exit 0; }
command -v curl >/dev/null || { skip "net" "curl is not installed"; exit 0; }
for p in httpd:examples/httpd/httpd.c net_echo:tests/guest/net_echo.c; do
	if ! HERMIT_FEATURES=$FEATURES build "${p%%:*}" "$ROOT/${p#*:}" -lpthread; then
		fail "net: building ${p%%:*}" "hermit-gcc failed"
		exit 0
	fi
done
# The static-address images for the tap tests.
HERMIT_FEATURES="default tcp" build httpd-static "$ROOT/examples/httpd/httpd.c" ||
	fail "net: building httpd-static" "hermit-gcc failed"
HERMIT_FEATURES="default tcp" build net_echo-static "$SRC/net_echo.c" -lpthread ||
	fail "net: building net_echo-static" "hermit-gcc failed"
for p in net_dns net_connect; do
	HERMIT_FEATURES="default tcp" build $p-static "$SRC/$p.c" ||
		fail "net: building $p-static" "hermit-gcc failed"
done
mkdir -p "$T/www"
head -c $((16 << 20)) /dev/urandom >"$T/www/big.bin"
echo "a small file" >"$T/www/small.txt"
BIG_SHA=$(sha256sum "$T/www/big.bin" | cut -d' ' -f1)
addr_tests
httpd_tests virtio-net-pci
httpd_tests rtl8139
echo_tests
stop_vfsd
[[ -f $T/httpd-static && -f $T/net_echo-static ]] && tap_tests
