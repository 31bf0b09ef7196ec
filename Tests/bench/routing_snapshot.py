#!/usr/bin/env python3
"""Per-request cost of reading the routing state: the snapshot script (RoutingScripts.swift) for a
plan of N deployments, against a throwaway redis-server. Prints Redis's own time per call
(INFO commandstats) and the wall time per call of a plain blocking client, round trip included.

Run: python3 Tests/bench/routing_snapshot.py [--deployments 3] [--calls 2000]
"""
from __future__ import annotations

import argparse
import re
import socket
import subprocess
import textwrap
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "Sources/RouteroState/Routing/RoutingScripts.swift"


def snapshot_source() -> str:
    src = SCRIPTS.read_text()
    now = re.search(r'static let now = """\n(.*?)"""', src, re.S).group(1)
    body = re.search(r'static let snapshot = RedisScript\(name: "routing-snapshot", source: now \+ """\n(.*?)"""\)',
                     src, re.S).group(1)
    return textwrap.dedent(now) + textwrap.dedent(body)


class Resp:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def call(self, *args: str):
        self.sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args))
        return self.read()

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:].strip()
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2].decode()
        return rest.decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=3)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                               "--logfile", "/dev/null"])
    try:
        for _ in range(100):
            try:
                client = Resp(port)
                break
            except OSError:
                time.sleep(0.02)
        sha = client.call("SCRIPT", "LOAD", snapshot_source())
        keys = [f"{{bench:rt:g}}:{kind}:d{i}" for i in range(args.deployments) for kind in ("cd", "probe", "busy", "lat")]
        call = ["EVALSHA", sha, str(len(keys))] + keys + ["req-1", "10000", "1", "300000"]
        client.call(*call)
        client.call("CONFIG", "RESETSTAT")
        started = time.perf_counter()
        for _ in range(args.calls):
            client.call(*call)
        wall = (time.perf_counter() - started) / args.calls
        stats = next(l for l in client.call("INFO", "commandstats").splitlines() if l.startswith("cmdstat_evalsha"))
        server_us = float(re.search(r"usec_per_call=([\d.]+)", stats).group(1))
        print(f"snapshot of {args.deployments} deployments: {server_us:.1f} us Redis time per call, "
              f"{wall * 1e6:.1f} us wall per call (round trip, this client)")
    finally:
        server.terminate()
        server.wait(5)


if __name__ == "__main__":
    main()
