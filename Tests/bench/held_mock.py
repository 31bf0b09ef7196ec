#!/usr/bin/env python3
"""A slow OpenAI-style SSE upstream for the held-streams bench (not the strict e2e mock).

Every POST gets a chat.completion.chunk stream of CHUNKS content events GAP seconds apart,
the first at once, then a finish chunk and [DONE]. Each event's content is
``<id>:<i> `` where ``<id>`` is the last word of the request's first user message, so the
client can check that its own stream arrived exactly, in order, once.

Events are sent by one ticker per process that wakes for the earliest due stream, not one
timer per stream, so the mock itself stays cheap at 10,000 streams. ``--procs N`` forks N
processes sharing the port (SO_REUSEPORT). Prints ``held-mock: listening <port>`` when ready.
Runs on uvloop for the same reason as held_client.py: its CPU is taken from the system under test.
"""
from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import socket
import time

import uvloop


def chunk(data: dict) -> bytes:
    body = b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(body), body)


def event(sid: str, delta: dict, finish=None) -> bytes:
    return chunk({"id": "chatcmpl-held", "object": "chat.completion.chunk", "created": 1700000000, "model": "held",
                  "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


class Stream:
    __slots__ = ("transport", "sid", "sent", "keep")

    def __init__(self, transport, sid: str, keep: bool):
        self.transport, self.sid, self.sent, self.keep = transport, sid, 0, keep


class Server:
    def __init__(self, chunks: int, gap: float):
        self.chunks, self.gap = chunks, gap
        self.due: list[tuple[float, int, Stream]] = []
        self.seq = 0
        self.wake = asyncio.Event()

    def add(self, stream: Stream) -> None:
        self.send_next(stream)

    def send_next(self, s: Stream) -> None:
        if s.transport.is_closing():
            return
        out = event(s.sid, {"content": f"{s.sid}:{s.sent} "} if s.sent else {"role": "assistant", "content": f"{s.sid}:0 "})
        s.sent += 1
        if s.sent == self.chunks:
            out += event(s.sid, {}, "stop") + chunk_raw(b"data: [DONE]\n\n") + b"0\r\n\r\n"
            s.transport.write(out)
            if not s.keep:
                s.transport.close()
            return
        s.transport.write(out)
        self.seq += 1
        heapq.heappush(self.due, (time.monotonic() + self.gap, self.seq, s))
        self.wake.set()

    async def ticker(self) -> None:
        while True:
            if not self.due:
                self.wake.clear()
                await self.wake.wait()
                continue
            at = self.due[0][0]
            now = time.monotonic()
            if at > now:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), at - now)
                except asyncio.TimeoutError:
                    pass
                continue
            while self.due and self.due[0][0] <= now:
                _, _, s = heapq.heappop(self.due)
                self.send_next(s)


def chunk_raw(body: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(body), body)


class Conn(asyncio.Protocol):
    def __init__(self, server: Server):
        self.server, self.buf, self.transport = server, b"", None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1")
            length = 0
            keep = True
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    keep = False
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4:end + 4 + length]
            self.buf = self.buf[end + 4 + length:]
            try:
                text = json.loads(body)["messages"][0]["content"]
                sid = str(text).split()[-1]
            except (ValueError, KeyError, IndexError, TypeError):
                sid = "x"
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                 b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
            self.server.add(Stream(self.transport, sid, keep))


async def serve(sock: socket.socket, chunks: int, gap: float) -> None:
    server = Server(chunks, gap)
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: Conn(server), sock=sock, backlog=16384)
    async with srv:
        await server.ticker()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--chunks", type=int, default=30)
    ap.add_argument("--gap", type=float, default=1.0)
    ap.add_argument("--procs", type=int, default=1)
    a = ap.parse_args()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", a.port))
    sock.listen(16384)
    sock.setblocking(False)
    parent = True
    for _ in range(a.procs - 1):
        if os.fork() == 0:
            parent = False  # children share the listening socket: the kernel spreads accepts
            break
    if parent:
        print(f"held-mock: listening {a.port}", flush=True)
    uvloop.run(serve(sock, a.chunks, a.gap))


if __name__ == "__main__":
    main()
