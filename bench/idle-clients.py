#!/usr/bin/env python3
"""Holds N idle HTTP/1.1 keep-alive connections to 127.0.0.1:PORT (used by bench/alloc.sh).

Each connection sends one GET and reads its whole response, then stays open and idle. Prints "ready N" once all
are open, then waits until stdin closes (or a line arrives) and closes them all. It runs in a process of its own so
that the proxy under test has the open-files limit to itself.
"""
import resource
import socket
import sys


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the response body")
        body += chunk


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    request = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(request)
        read_response(sock)
        socks.append(sock)
    print("ready", len(socks), flush=True)
    sys.stdin.readline()
    for sock in socks:
        sock.close()


if __name__ == "__main__":
    main()
