"""A single Redis killed, frozen and restarted under load, with nginx + 2 workers in front.

The documented mode (deploy/ROUTING.md, "Redis: cluster, timeouts and outages"): requests keep
being answered, the cache is bypassed (x-routero-cache: unavailable), shared tokens are granted per
process, /health/ready says "degraded" with the reason while /health stays green, and when Redis
returns everything recovers without restarting the gateway. Every request is bounded generously
(a hang would show as a timeout); the measured numbers are printed with -s.
"""
from __future__ import annotations

import time

import pytest

import google_sa
from helpers import (Load, RedisServer, Stack, chat_body, raw_request, readiness, shared_state_config, unique,
                     poll)


def own_service_account(tmp_path_factory, mock, name: str):
    """A service account of this module's own, so its token grants can be counted exactly."""
    sa = google_sa.make_service_account(tmp_path_factory.mktemp(f"sa-{name}"), token_uri=f"{mock.base}/token",
                                        name=f"routero-{name}")
    google_sa.register(mock.base, sa)
    return sa


@pytest.fixture(scope="module")
def outage_sa(tmp_path_factory, mock):
    return own_service_account(tmp_path_factory, mock, "outage")


@pytest.fixture(scope="module")
def outage(tmp_path_factory, mock, binary, outage_sa):
    base = tmp_path_factory.mktemp("outage")
    redis = RedisServer(base / "redis")
    config = base / "config.yaml"
    config.write_text(shared_state_config(mock.port, str(outage_sa.path), "e2e-outage", f"{{url: \"{redis.url}\"}}"))
    stack = Stack(config, base / "state", workers=2, binary=binary, redis=redis.url, tls=False)
    yield stack, redis
    stack.stop()
    redis.stop()


def grants(mock, sa) -> int:
    kid = sa.info["private_key_id"]
    return len([c for c in mock.calls() if c.get("family") == "google-token"
                and ((c.get("jwt") or {}).get("header") or {}).get("kid") == kid])


def vertex_ok(port: int) -> str | None:
    """A Vertex request answered correctly: the worker that served it (None otherwise)."""
    status, headers, body = raw_request(port, "POST", "/v1/chat/completions", chat_body("vertex-echo", "hi"), timeout=30)
    return headers.get("x-routero-worker") if status == 200 and b"echo: hi" in body else None


def wait_ready(port: int, timeout: float = 20) -> float:
    """Seconds until /health/ready says ready again."""
    t0 = time.monotonic()
    assert poll(lambda: readiness(port)[1]["status"] == "ready", timeout=timeout, interval=0.05), readiness(port)
    return time.monotonic() - t0


def hits_again(port: int, timeout: float = 20) -> float:
    """Seconds until a fresh prompt asked twice is a cache hit again."""
    t0 = time.monotonic()

    def hit():
        text = unique("again")
        raw_request(port, "POST", "/v1/chat/completions", chat_body("mock-echo", text), timeout=30)
        return raw_request(port, "POST", "/v1/chat/completions", chat_body("mock-echo", text),
                           timeout=30)[1].get("x-routero-cache") == "hit"
    assert poll(hit, timeout=timeout, interval=0.05)
    return time.monotonic() - t0


def test_redis_killed_under_load_then_restarted(outage, mock, outage_sa):
    stack, redis = outage
    pids = stack.worker_pids()
    assert vertex_ok(stack.port)
    assert grants(mock, outage_sa) == 1
    load = Load(stack.port, threads=4)
    time.sleep(1.5)
    redis.kill()
    t_kill = time.monotonic()
    time.sleep(0.5)
    # Liveness green, readiness degraded with the reason; nothing about the address without the key.
    assert raw_request(stack.port, "GET", "/health", headers={"Authorization": None})[0] == 200
    status, body = readiness(stack.port)
    assert status == 200 and body["status"] == "degraded" and body["reason"] == "redis_unreachable", body
    assert body["redis"].startswith("unreachable"), body
    status, _, anonymous = raw_request(stack.port, "GET", "/health/ready", headers={"Authorization": None})
    assert status == 200 and anonymous == b'{"status":"degraded","reason":"redis_unreachable"}'
    # Shared tokens: each process grants alone while Redis is gone. One worker holds the token
    # from before (in memory); the other, unable to read the fleet's copy, grants its own.
    served = set()
    for _ in range(20):
        worker = vertex_ok(stack.port)
        assert worker
        served.add(worker)
        if len(served) == stack.workers:
            break
    assert len(served) == stack.workers, served
    time.sleep(2.0)
    redis.start()
    t_back = time.monotonic()
    ready_after = wait_ready(stack.port)
    time.sleep(1.5)
    records = load.stop()
    hit_after = hits_again(stack.port)
    outage_window = [r for r in records if t_kill + 0.3 < r[0] and r[0] + r[1] < t_back]
    after = [r for r in records if r[0] > t_back + ready_after + 0.2]
    slowest = max(r[1] for r in records)
    outage_slowest = max(r[1] for r in outage_window)
    print(f"\nmeasured (single Redis killed): {len(records)} requests, slowest {slowest * 1000:.0f} ms, "
          f"slowest while Redis was down {outage_slowest * 1000:.0f} ms; readiness ready {ready_after * 1000:.0f} ms "
          f"after Redis came back; a fresh prompt hit the cache again {hit_after * 1000:.0f} ms after that")
    assert all(r[2] == 200 for r in records), [r for r in records if r[2] != 200][:5]
    assert slowest < 5.0, f"a request took {slowest:.2f}s"
    assert outage_window and all(r[3] == "unavailable" for r in outage_window), \
        {r[3] for r in outage_window}
    assert after and any(r[3] == "hit" for r in after)
    assert grants(mock, outage_sa) == stack.workers
    assert stack.worker_pids() == pids, "the gateway must recover without restarting its workers"


def test_frozen_redis_costs_each_request_at_most_a_timeout(outage):
    """SIGSTOP: connections are accepted, nothing answers. Each request pays at most about one
    command timeout (most pay nothing: the breaker is open), and SIGCONT recovers."""
    stack, redis = outage
    wait_ready(stack.port)
    redis.freeze()
    try:
        latencies = []
        end = time.monotonic() + 3
        while time.monotonic() < end:
            t0 = time.monotonic()
            status, headers, _ = raw_request(stack.port, "POST", "/v1/chat/completions",
                                             chat_body("mock-echo", unique("frozen")), timeout=30)
            latencies.append(time.monotonic() - t0)
            assert status == 200 and headers.get("x-routero-cache") == "unavailable", headers
        status, body = readiness(stack.port)
        assert status == 200 and body["status"] == "degraded", body
    finally:
        redis.thaw()
    recovered = wait_ready(stack.port)
    latencies.sort()
    print(f"\nmeasured (single Redis frozen): {len(latencies)} sequential requests, median "
          f"{latencies[len(latencies) // 2] * 1000:.1f} ms, slowest {latencies[-1] * 1000:.0f} ms; "
          f"ready {recovered * 1000:.0f} ms after SIGCONT")
    assert latencies[-1] < 2.0
    hits_again(stack.port)


def test_operators_can_choose_not_ready(tmp_path, mock, binary):
    """redis.unreachable_readiness: not_ready restores 503 for gateways useless without Redis;
    requests are still answered (the cache is bypassed)."""
    dead = RedisServer(tmp_path / "redis")
    dead.kill()
    config = tmp_path / "config.yaml"
    config.write_text("auth: {master_key: os.environ/ROUTERO_MASTER_KEY}\ncache: {enabled: true}\n"
                      f"redis: {{url: \"{dead.url}\", unreachable_readiness: not_ready}}\n"
                      "models:\n  - {name: mock-echo, deployments: [{model: openai/mock-echo, "
                      f"api_base: \"http://127.0.0.1:{mock.port}/v1\", api_key: os.environ/MOCK_UPSTREAM_KEY}}]}}\n")
    stack = Stack(config, tmp_path / "state", workers=1, binary=binary, redis=dead.url, tls=False)
    try:
        status, _, body = raw_request(stack.port, "GET", "/health/ready", headers={"Authorization": None})
        assert status == 503 and body == b'{"status":"not_ready","reason":"redis_unreachable"}', body
        status, headers, _ = raw_request(stack.port, "POST", "/v1/chat/completions", chat_body("mock-echo", unique("nr")))
        assert status == 200 and headers.get("x-routero-cache") == "unavailable"
    finally:
        stack.stop()
