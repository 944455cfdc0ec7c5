#!/usr/bin/env python3
"""Host side of the network tests: talks to a guest through a forwarded
port and checks what comes back.

  netclient.py echo HOST PORT BYTES     TCP: send BYTES (a seeded stream) while
                                        reading the echo; compare SHA-256 of
                                        both directions
  netclient.py udp HOST PORT COUNT      UDP: COUNT datagrams of 1..1400 bytes,
                                        each echoed back intact
  netclient.py many HOST PORT N         TCP: N connections open at once, each
                                        echoing its own message
Prints one line of results and exits 0 only when every check held."""
import hashlib, random, socket, sys, threading, time


def connect(host, port, timeout=60):
    deadline = time.time() + timeout
    while True:
        try:
            return socket.create_connection((host, port), timeout=timeout)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def echo(host, port, total):
    s = connect(host, port)
    s.settimeout(300)
    rng = random.Random(7)
    sent, got = hashlib.sha256(), hashlib.sha256()
    received = [0]

    def reader():
        while True:
            b = s.recv(1 << 20)
            if not b:
                return
            got.update(b)
            received[0] += len(b)

    t = threading.Thread(target=reader)
    t.start()
    start, left = time.time(), total
    while left:
        n = min(left, 1 << 20)
        chunk = rng.randbytes(n)
        sent.update(chunk)
        s.sendall(chunk)
        left -= n
    s.shutdown(socket.SHUT_WR)
    t.join(600)
    secs = time.time() - start
    ok = received[0] == total and sent.hexdigest() == got.hexdigest()
    print(f"echo: sent {total} bytes sha256 {sent.hexdigest()[:16]}, received {received[0]} "
          f"bytes sha256 {got.hexdigest()[:16]}, {secs:.1f} s: {'match' if ok else 'MISMATCH'}")
    return ok


def udp(host, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    rng, good = random.Random(9), 0
    for i in range(count):
        msg = rng.randbytes(rng.randint(1, 1400))
        for _ in range(5):  # UDP may drop: try again
            s.sendto(msg, (host, port))
            try:
                if s.recvfrom(65536)[0] == msg:
                    good += 1
                    break
            except socket.timeout:
                continue
    print(f"udp: {good} of {count} datagrams echoed intact")
    return good == count


def many(host, port, n):
    socks = [connect(host, port) for _ in range(n)]
    for i, s in enumerate(socks):
        s.sendall(f"conn {i}\n".encode())
    good = 0
    for i, s in enumerate(socks):
        s.settimeout(60)
        want, buf = f"conn {i}\n".encode(), b""
        while len(buf) < len(want):
            b = s.recv(100)
            if not b:
                break
            buf += b
        good += buf == want
        s.close()
    print(f"many: {good} of {n} concurrent connections answered")
    return good == n


if __name__ == "__main__":
    cmd, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sys.exit(0 if {"echo": echo, "udp": udp, "many": many}[cmd](host, port, n) else 1)
