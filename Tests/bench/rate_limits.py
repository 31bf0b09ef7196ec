#!/usr/bin/env python3
"""Rate-limit exactness and cost -- prints numbers, asserts nothing.

Two gateway "hosts" (deploy/run stacks of RL_WORKERS workers each) share one Redis. For each
round, RL_REQUESTS requests (from RL_CONCURRENCY client threads, alternating hosts) go to a group
with a per-model rpm of RL_RPM inside one fixed minute; the admitted count must equal RL_RPM. Then
sequential latency of a limited group vs the same mock without limits (one admission script plus
one reconcile per request). Run: .venv/bin/python Tests/bench/rate_limits.py
Env: RL_WORKERS=3 RL_REQUESTS=1000 RL_RPM=300 RL_CONCURRENCY=64 RL_ROUNDS=3 RL_LATENCY_N=200.
"""
from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "Tests/e2e"))
from helpers import MASTER_KEY, MockUpstream, Stack, free_port  # noqa: E402

WORKERS = int(os.environ.get("RL_WORKERS", "3"))
REQUESTS = int(os.environ.get("RL_REQUESTS", "1000"))
RPM = int(os.environ.get("RL_RPM", "300"))
CONCURRENCY = int(os.environ.get("RL_CONCURRENCY", "64"))
ROUNDS = int(os.environ.get("RL_ROUNDS", "3"))
LATENCY_N = int(os.environ.get("RL_LATENCY_N", "200"))


def config(mock_port: int, rounds: int) -> str:
    dep = (f"{{model: openai/mock-echo, api_base: \"http://127.0.0.1:{mock_port}/v1\", "
           "api_key: os.environ/MOCK_UPSTREAM_KEY}")
    groups = [f"round-{i}" for i in range(rounds)] + ["timed", "free"]
    per_model = ", ".join(f"{g}: {{rpm: {RPM}}}" for g in groups[:-2]) + ", timed: {rpm: 1000000, tpm: 1000000000}"
    lines = ["auth: {master_key: os.environ/ROUTERO_MASTER_KEY}", "limits:", f"  per_model: {{{per_model}}}", "models:"]
    lines += [f"  - {{name: {g}, deployments: [{dep}]}}" for g in groups]
    return "\n".join(lines) + "\n"


def post(port: int, model: str, text: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": 16})
    try:
        conn.request("POST", "/v1/chat/completions", body=body,
                     headers={"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="rl-bench-"))
    mock = MockUpstream(free_port(), log_path=tmp / "mock.log")
    (tmp / "config.yaml").write_text(config(mock.port, ROUNDS))
    a = Stack(tmp / "config.yaml", tmp / "a", workers=WORKERS, tls=False)
    b = Stack(tmp / "config.yaml", tmp / "b", workers=WORKERS, tls=False, redis=a.redis_url)
    try:
        ports = [a.port, b.port]
        print(f"2 stacks x {WORKERS} workers, one Redis; {REQUESTS} requests, {CONCURRENCY} threads, rpm {RPM}")
        for r in range(ROUNDS):
            if 60 - time.time() % 60 < 20:
                time.sleep(60 - time.time() % 60 + 0.2)
            started = time.monotonic()
            with ThreadPoolExecutor(CONCURRENCY) as pool:
                statuses = list(pool.map(lambda i: post(ports[i % 2], f"round-{r}", f"r{r} {i}"), range(REQUESTS)))
            took = time.monotonic() - started
            print(f"round {r + 1}: admitted {statuses.count(200)}, refused {statuses.count(429)}, "
                  f"other {len(statuses) - statuses.count(200) - statuses.count(429)}, {took:.1f} s")
        for model in ("free", "timed", "free", "timed"):
            times = []
            for i in range(LATENCY_N):
                t = time.monotonic()
                post(a.port, model, f"lat {i}")
                times.append((time.monotonic() - t) * 1000)
            times.sort()
            print(f"sequential {model:5s} ({'no limits' if model == 'free' else 'rpm+tpm, reserve+reconcile'}): "
                  f"p50 {statistics.median(times):.2f} ms, p90 {times[int(len(times) * 0.9)]:.2f} ms")
    finally:
        b.stop()
        a.stop()
        mock.stop()


if __name__ == "__main__":
    main()
