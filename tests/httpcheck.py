#!/usr/bin/env python3
"""Host side of the httpd tests: HTTP/1.1 behaviour seen on the wire.

  httpcheck.py HOST PORT CHECK [ARG]

  keepalive            three requests on one connection, each answered,
                       the connection still open after them
  pipeline             two requests sent at once, two answers in order
  http10               HTTP/1.0 without keep-alive: answer, then close
  head FILE            HEAD has the headers of GET and no body
  malformed            a malformed request line gets 400 and a close; then
                       a normal request on a new connection is served
  abort FILE           start downloading FILE and disconnect mid-transfer,
                       ten times; then FILE downloads whole (size checked)
  concurrent N         N connections open at once, each GET / answered
  file FILE SHA256     FILE downloaded with that SHA-256
Prints one line and exits 0 only when the check held."""
import hashlib, socket, sys, threading, time


def connect(host, port, timeout=60):
    deadline = time.time() + timeout
    while True:
        try:
            s = socket.create_connection((host, port), timeout=timeout)
            s.settimeout(120)
            return s
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


class Reader:
    """Reads responses off one connection."""

    def __init__(self, s):
        self.s, self.buf = s, b""

    def fill(self):
        b = self.s.recv(1 << 16)
        if not b:
            raise EOFError("connection closed")
        self.buf += b

    def response(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        hdr, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = hdr.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in
                   (l.split(":", 1) for l in lines[1:] if ":" in l)}
        n = 0 if head else int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self.fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def closed(self):
        try:
            return self.s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False


def get(path, extra="", version="1.1"):
    return f"GET {path} HTTP/{version}\r\nHost: test\r\n{extra}\r\n".encode()


def keepalive(h, p):
    s = connect(h, p)
    r = Reader(s)
    codes = []
    for _ in range(3):
        s.sendall(get("/"))
        st, hd, body = r.response()
        codes.append((st, hd.get("connection"), b"hermit-c" in body))
    s.sendall(get("/"))
    alive = r.response()[0] == 200
    print(f"keepalive: {codes}, fourth request answered: {alive}")
    return all(c == (200, "keep-alive", True) for c in codes) and alive


def pipeline(h, p):
    s = connect(h, p)
    r = Reader(s)
    s.sendall(get("/") + get("/no-such-file"))
    a, b = r.response()[0], r.response()[0]
    print(f"pipeline: answers {a} then {b}")
    return (a, b) == (200, 404)


def http10(h, p):
    s = connect(h, p)
    r = Reader(s)
    s.sendall(get("/", version="1.0"))
    st, hd, _ = r.response()
    closed = r.closed()
    print(f"http10: status {st}, Connection: {hd.get('connection')}, closed after: {closed}")
    return st == 200 and hd.get("connection") == "close" and closed


def head(h, p, name):
    s = connect(h, p)
    r = Reader(s)
    s.sendall(get("/" + name))
    _, g, body = r.response()
    s.sendall(f"HEAD /{name} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    st, hh, _ = r.response(head=True)
    s.sendall(get("/no-such-file"))
    nxt = r.response()[0]  # no body bytes were left between the two
    print(f"head: status {st}, length {hh.get('content-length')} (GET {len(body)}), next {nxt}")
    return st == 200 and hh.get("content-length") == g.get("content-length") and nxt == 404


def malformed(h, p):
    results = []
    for bad in (b"GARBAGE\r\n\r\n", b"GET /\r\n\r\n", b"GET / HTTP/9\r\n\r\n",
                b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n",
                b"\x00\x01\x02\xff\r\n\r\n"):
        s = connect(h, p)
        r = Reader(s)
        s.sendall(bad)
        try:
            st = r.response()[0]
        except (EOFError, ConnectionResetError):
            st = None
        results.append((st, r.closed()))
        s.close()
    s = connect(h, p)
    s.sendall(get("/"))
    after = Reader(s).response()[0]
    print(f"malformed: {results}, then a good request: {after}")
    return all(st in (400, 431) and closed for st, closed in results) and after == 200


def abort(h, p, name):
    for _ in range(10):
        s = connect(h, p)
        s.sendall(get("/" + name))
        got = 0
        while got < 200000:
            b = s.recv(1 << 16)
            if not b:
                print(f"abort: the server closed after {got} bytes")
                return False
            got += len(b)
        # RST instead of FIN: the server is mid-send.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    s = connect(h, p)
    r = Reader(s)
    s.sendall(get("/" + name))
    st, hd, body = r.response()
    print(f"abort: 10 downloads cut, then status {st} with {len(body)} of "
          f"{hd.get('content-length')} bytes")
    return st == 200 and len(body) == int(hd.get("content-length", -1))


def concurrent(h, p, n):
    n = int(n)
    socks = [connect(h, p) for _ in range(n)]
    for s in socks:
        s.sendall(get("/"))
    good = 0
    for s in socks:
        try:
            good += Reader(s).response()[0] == 200
        except (OSError, EOFError):
            pass
        s.close()
    print(f"concurrent: {good} of {n} connections answered")
    return good == n


def file(h, p, name, sha):
    s = connect(h, p)
    r = Reader(s)
    start = time.time()
    s.sendall(get("/" + name))
    st, _, body = r.response()
    got = hashlib.sha256(body).hexdigest()
    print(f"file: status {st}, {len(body)} bytes in {time.time() - start:.1f} s, "
          f"sha256 {'matches' if got == sha else 'DIFFERS: ' + got}")
    return st == 200 and got == sha


if __name__ == "__main__":
    host, port, check = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    fn = globals()[check]
    try:
        ok = fn(host, port, *sys.argv[4:])
    except Exception as e:  # a check that cannot complete has failed
        print(f"{check}: {type(e).__name__}: {e}")
        ok = False
    sys.exit(0 if ok else 1)
