#!/usr/bin/env python3
"""A transparent TCP relay for bench/list.sh that counts HTTP requests.

Usage: tap.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT LOG

Listens on 127.0.0.1:LISTEN_PORT and relays every connection byte for byte to
UPSTREAM_HOST:UPSTREAM_PORT (plain http: it sees request lines, it does not parse or change
anything). For each request line the client sends (METHOD TARGET HTTP/1.x at the start of a line,
METHOD one of GET HEAD PUT POST DELETE) it appends "EPOCH_US CONN METHOD TARGET" to LOG and flushes, before
the bytes go upstream: once a client has its answers, its requests are all in LOG. Requests with
a body (PUT, POST) could in principle carry such a line in the body; a listing sends none.
Stops on SIGTERM.
"""

import re
import signal
import socket
import sys
import threading
import time

REQUEST = re.compile(rb"^(GET|HEAD|PUT|POST|DELETE) (\S+) HTTP/1\.[01]\r?$")
MAX_LINE = 16384  # longer lines are never request lines we count; keep the buffer bounded


def pipe(src, dst, on_line=None):
    """Copies src to dst until EOF; on_line gets each complete line (without \\n) first."""
    pending = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if on_line is not None:
                pending += data
                lines = pending.split(b"\n")
                pending = lines.pop()
                if len(pending) > MAX_LINE:
                    pending = b""
                for line in lines:
                    on_line(line)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    listen_port, up_host, up_port, log_path = (
        int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4])
    log = open(log_path, "a", buffering=1)
    lock = threading.Lock()
    conns = [0]

    def serve(client, conn):
        try:
            upstream = socket.create_connection((up_host, up_port))
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            client.close()
            return

        def on_line(line):
            m = REQUEST.match(line)
            if m:
                with lock:
                    log.write("%d %d %s %s\n" % (time.time_ns() // 1000, conn, m.group(1).decode(),
                                                 m.group(2).decode("latin-1")))
                    log.flush()

        back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
        back.start()
        pipe(client, upstream, on_line)
        back.join()
        client.close()
        upstream.close()

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(128)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        client, _ = server.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conns[0] += 1
        threading.Thread(target=serve, args=(client, conns[0]), daemon=True).start()


if __name__ == "__main__":
    main()
