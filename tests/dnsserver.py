#!/usr/bin/env python3
"""A tiny DNS server for the resolver test: answers A queries for the names
given on the command line (NAME=ADDRESS) and NXDOMAIN for any other, over
UDP on ADDRESS:53, until it has answered COUNT queries or TIMEOUT seconds
passed. Prints one line per query.

  dnsserver.py LISTEN_ADDRESS COUNT TIMEOUT NAME=ADDRESS..."""
import socket, struct, sys, time


def qname(msg, off):
    labels = []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels), off + 1


def answer(msg, names):
    ident, flags, qd = struct.unpack(">HHH", msg[:6])
    name, end = qname(msg, 12)
    qtype, qclass = struct.unpack(">HH", msg[end:end + 4])
    question = msg[12:end + 4]
    addr = names.get(name.lower())
    if addr and qtype == 1:
        rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
        head = struct.pack(">HHHHHH", ident, 0x8180 | (flags & 0x0100), 1, 1, 0, 0)
        return name, qtype, head + question + rr
    rcode = 0 if addr else 3  # a known name without A (AAAA): empty answer
    head = struct.pack(">HHHHHH", ident, 0x8180 | (flags & 0x0100) | rcode, 1, 0, 0, 0)
    return name, qtype, head + question


def main():
    listen, count, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    names = dict(a.lower().split("=", 1) for a in sys.argv[4:])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((listen, 53))
    deadline = time.time() + timeout
    while count > 0 and time.time() < deadline:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            msg, peer = s.recvfrom(4096)
        except socket.timeout:
            break
        name, qtype, reply = answer(msg, names)
        s.sendto(reply, peer)
        print(f"dns: {peer[0]} asked {name} type {qtype}", flush=True)
        count -= 1


main()
