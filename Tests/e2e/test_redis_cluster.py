"""Routero against a 3-node Redis Cluster (started by the test) with nginx + 2 workers in front:
the cache and the shared Vertex token store spread over the nodes, and one node restarted
under load. Documented mode (deploy/ROUTING.md): keys on the dead node are bypassed (cache) or
granted per process (tokens), keys on the other nodes keep working, readiness says "degraded"
naming the node, and the restarted node is used again without restarting the gateway.
"""
from __future__ import annotations

import subprocess
import threading
import time

import pytest

from helpers import Load, RedisCluster, Stack, chat_body, raw_request, readiness, shared_state_config, unique
from test_redis_outage import grants, hits_again, own_service_account, vertex_ok, wait_ready


@pytest.fixture(scope="module")
def cluster_sa(tmp_path_factory, mock):
    return own_service_account(tmp_path_factory, mock, "cluster")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = RedisCluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop()


@pytest.fixture(scope="module")
def cluster_stack(tmp_path_factory, mock, binary, cluster, cluster_sa):
    base = tmp_path_factory.mktemp("cluster-stack")
    nodes = ", ".join(f'"127.0.0.1:{p}"' for p in cluster.ports)
    config = base / "config.yaml"
    # Limits far above the load, so every request runs the rate-limit scripts on the cluster too
    # Latency routing writes each answer's latency into the routing state: those scripts run there as well.
    config.write_text(shared_state_config(mock.port, str(cluster_sa.path), "e2e-cluster", f"{{cluster_nodes: [{nodes}]}}",
                                          limits="{per_key: {rpm: 1000000, tpm: 1000000000}, "
                                                 "per_model: {mock-echo: {rpm: 1000000}}}",
                                          routing="{strategy: latency-based-routing}"))
    stack = Stack(config, base / "state", workers=2, binary=binary, redis=cluster.url, tls=False)
    yield stack
    stack.stop()


def ask(port: int, text: str) -> str | None:
    status, headers, body = raw_request(port, "POST", "/v1/chat/completions", chat_body("mock-echo", text), timeout=30)
    assert status == 200, body[:200]
    return headers.get("x-routero-cache")


def test_cache_and_tokens_use_every_node(cluster_stack, cluster, mock, cluster_sa):
    status, body = readiness(cluster_stack.port)
    assert status == 200 and body["status"] == "ready" and body["redis"] == "ok (cluster)", body
    texts = [unique("cl") for _ in range(30)]
    assert [ask(cluster_stack.port, t) for t in texts] == ["miss"] * 30
    assert [ask(cluster_stack.port, t) for t in texts] == ["hit"] * 30
    assert all(cluster.keys_on(i) > 0 for i in range(3)), [cluster.keys_on(i) for i in range(3)]
    assert len(mock.calls_with(texts[0])) == 1
    # The Vertex token: one grant for both workers and concurrent requests, through the cluster.
    results = []
    threads = [threading.Thread(target=lambda: results.append(vertex_ok(cluster_stack.port))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 6 and all(results), results
    for _ in range(6):
        assert vertex_ok(cluster_stack.port)
    assert grants(mock, cluster_sa) == 1


def cluster_keys(cluster, pattern: str) -> list[str]:
    keys = []
    for port in cluster.ports:
        out = subprocess.run(["redis-cli", "-p", str(port), "--scan", "--pattern", pattern],
                             capture_output=True, text=True, timeout=10).stdout
        keys += [k for k in out.split() if k]
    return keys


def test_rate_limits_and_routing_state_run_on_the_cluster(cluster_stack, cluster):
    """The rate-limit windows and the routing state (cooldowns, leases) are one hash-tagged script
    call each, so they run on a cluster: the limits count and answer with their headers."""
    status, headers, _ = raw_request(cluster_stack.port, "POST", "/v1/chat/completions",
                                     chat_body("mock-echo", unique("rl")), timeout=30)
    assert status == 200
    assert headers["x-ratelimit-limit-requests"] == "1000000"
    first = int(headers["x-ratelimit-remaining-requests"])
    status, headers, _ = raw_request(cluster_stack.port, "POST", "/v1/chat/completions",
                                     chat_body("mock-echo", unique("rl")), timeout=30)
    assert status == 200 and int(headers["x-ratelimit-remaining-requests"]) < first
    assert cluster_keys(cluster, "e2e-cluster:rl:*"), "the rate-limit windows live in the cluster"
    assert cluster_keys(cluster, "*:rt:*"), "the routing state lives in the cluster"


def test_a_node_restarted_under_load(cluster_stack, cluster):
    port = cluster_stack.port
    pids = cluster_stack.worker_pids()
    load = Load(port, threads=4, prompts=8)  # 32 prompts: keys on every node
    time.sleep(1.5)
    victim = 1
    cluster.nodes[victim].kill()
    t_kill = time.monotonic()
    time.sleep(0.5)
    status, body = readiness(port)
    assert status == 200 and body["status"] == "degraded", body
    assert f"127.0.0.1:{cluster.ports[victim]}" in body["redis"], body
    assert raw_request(port, "GET", "/health", headers={"Authorization": None})[0] == 200
    time.sleep(2.0)
    cluster.nodes[victim].start()
    t_back = time.monotonic()
    cluster.wait_consistent()
    ready_after = wait_ready(port)
    time.sleep(1.5)
    records = load.stop()
    hit_after = hits_again(port)
    window = [r for r in records if t_kill + 0.3 < r[0] and r[0] + r[1] < t_back]
    slowest = max(r[1] for r in records)
    print(f"\nmeasured (cluster node restarted): {len(records)} requests, slowest {slowest * 1000:.0f} ms, "
          f"slowest while the node was down {max(r[1] for r in window) * 1000:.0f} ms; "
          f"{sum(r[3] == 'hit' for r in window)} hits / {sum(r[3] == 'unavailable' for r in window)} bypasses "
          f"while down; ready {ready_after * 1000:.0f} ms after the node was back; "
          f"cache hit again {hit_after * 1000:.0f} ms after that")
    assert all(r[2] == 200 for r in records), [r for r in records if r[2] != 200][:5]
    assert slowest < 5.0, f"a request took {slowest:.2f}s"
    # Keys on the live nodes kept hitting; keys on the dead one were bypassed.
    assert any(r[3] == "hit" for r in window) and any(r[3] == "unavailable" for r in window), {r[3] for r in window}
    # After recovery the restarted node serves again: new entries land on it and hit.
    texts = [unique("back") for _ in range(15)]
    before = cluster.keys_on(victim)
    assert [ask(port, t) for t in texts] == ["miss"] * 15
    assert [ask(port, t) for t in texts] == ["hit"] * 15
    assert cluster.keys_on(victim) > before
    assert vertex_ok(port)
    assert cluster_stack.worker_pids() == pids
