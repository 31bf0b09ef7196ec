#!/usr/bin/env python3
"""Client side of the held-streams bench: opens K streams, each on its own connection, spread
evenly over RAMP seconds, and records per stream the time to the first event, the arrival time of
every event, and whether the content arrived exactly (``<id>:0 <id>:1 ... `` then [DONE]).

Runs as its own process so its CPU is not counted with the system under test, on uvloop: the
client shares the machine's two cores with what it measures, and with the stdlib event loop it
and the mock took 45 % of both cores while 10,000 streams opened, so chunks waited for CPU the
client itself was using (gap p99 1,195-1,442 ms through Routero, 1,023 through proxy_pass;
with uvloop 1,039 and 1,008 on the same build). Writes one JSON
object to --out: {"ttft_ms": [...], "gaps_ms": [...], "exact": n, "failed": [reasons...], "elapsed": s}
(a file, not stdout: the result is larger than a pipe buffer).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import uvloop


def dechunk(raw: bytes) -> bytes | None:
    out, i = bytearray(), 0
    while True:
        nl = raw.find(b"\r\n", i)
        if nl < 0:
            return None
        size = int(raw[i:nl].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += raw[nl + 2:nl + 2 + size]
        i = nl + 2 + size + 2


def check(raw: bytes, sid: str, chunks: int) -> str | None:
    """None when the stream is exact, else why not."""
    end = raw.find(b"\r\n\r\n")
    if end < 0 or not raw.startswith(b"HTTP/1.1 200"):
        return "status " + raw[:40].decode("latin-1", "replace")
    body = dechunk(raw[end + 4:])
    if body is None:
        return "unterminated body"
    text, done = "", False
    for block in body.split(b"\n\n"):
        for line in block.split(b"\n"):
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                done = True
                continue
            for choice in json.loads(data).get("choices", []):
                text += choice.get("delta", {}).get("content") or ""
    want = "".join(f"{sid}:{i} " for i in range(chunks))
    if text != want:
        return f"content differs ({len(text)} vs {len(want)} chars)"
    return None if done else "no [DONE]"


class Held(asyncio.Protocol):
    def __init__(self, request: bytes, done: asyncio.Future):
        self.request, self.done = request, done
        self.buf = bytearray()
        self.scanned = 0
        self.events: list[float] = []
        self.t0 = 0.0

    def connection_made(self, transport):
        self.t0 = time.perf_counter()
        transport.write(self.request)

    def data_received(self, data: bytes):
        now = time.perf_counter()
        self.buf += data
        # Count events by their "data: " prefix; start a few bytes back for one split across reads.
        i = max(0, self.scanned - 5)
        while (i := self.buf.find(b"data: ", i)) >= 0:
            self.events.append(now)
            i += 6
        self.scanned = len(self.buf)
        if self.buf.endswith(b"0\r\n\r\n"):
            self.transport_close()

    def transport_close(self):
        if not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc):
        self.transport_close()


async def one(host: str, port: int, path: str, auth: str, model: str, sid: str, chunks: int, timeout: float):
    body = json.dumps({"model": model, "stream": True,
                       "messages": [{"role": "user", "content": f"held {sid}"}]}).encode()
    req = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {auth}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    try:
        transport, proto = await loop.create_connection(lambda: Held(req, done), host, port)
    except OSError as exc:
        return None, f"connect: {exc}"
    try:
        await asyncio.wait_for(done, timeout)
    except asyncio.TimeoutError:
        transport.close()
        return proto, "timeout"
    transport.close()
    return proto, check(bytes(proto.buf), sid, chunks)


async def run(a) -> dict:
    start = time.perf_counter()
    tasks = []
    for k in range(a.streams):
        at = start + a.ramp * k / a.streams
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(a.host, a.port, a.path, a.auth, a.model, f"s{k}", a.chunks, a.timeout)))
    results = await asyncio.gather(*tasks)
    ttft, gaps, exact, failed = [], [], 0, []
    for proto, why in results:
        if proto is not None and proto.events:
            ttft.append((proto.events[0] - proto.t0) * 1000)
            # The first `chunks` events are the content; the finish chunk and [DONE] follow the last.
            ev = proto.events[:a.chunks]
            gaps += [(b - x) * 1000 for x, b in zip(ev, ev[1:])]
        if why is None:
            exact += 1
        else:
            failed.append(why)
    return {"ttft_ms": ttft, "gaps_ms": gaps, "exact": exact, "failed": failed,
            "elapsed": time.perf_counter() - start}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/v1/chat/completions")
    ap.add_argument("--auth", default="none")
    ap.add_argument("--model", default="held")
    ap.add_argument("--streams", type=int, default=500)
    ap.add_argument("--chunks", type=int, default=30)
    ap.add_argument("--ramp", type=float, default=5.0)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    result = uvloop.run(run(a))
    with open(a.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
