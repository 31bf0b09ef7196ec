"""Shared cooldowns (circuit breaker): one stack's cooldown honoured by another sharing its Redis,
failover scenario 15 (primary down, then back: served from the fallback, probed, traffic returns)
and scenario 2 (persistent 429 without Retry-After: backoff, fail over, never hammer), with the
provider-side conduct read from the mock's call log."""
from __future__ import annotations

import subprocess
import threading
import time

import pytest

from conftest import _stack
from helpers import Stack, chat_body, raw_request, unique

COOLDOWN = 2.0  # routing.cooldown_seconds of these stacks: scenario 15's "60 s", shortened


def cooldown_config(mock_port: int) -> str:
    base = f"http://127.0.0.1:{mock_port}/v1"
    key = "api_key: os.environ/MOCK_UPSTREAM_KEY"
    lines = ["auth: {master_key: os.environ/ROUTERO_MASTER_KEY}", "cache: {enabled: false, namespace: cd}",
             f"routing: {{allowed_fails: 0, cooldown_seconds: {COOLDOWN}}}", "models:"]
    # Each group: a primary behind a mock switch (order 1) and an echoing backup (order 2).
    for group, suffix in (("s15", ""), ("shared", ""), ("rl", ""), ("probe", "-slow-1500")):
        lines += [f"  - name: {group}", "    deployments:",
                  f"      - {{id: {group}-primary, model: openai/mock-switch-{group}{suffix}, api_base: \"{base}\", {key}, order: 1}}",
                  f"      - {{id: {group}-backup, model: openai/mock-echo, api_base: \"{base}\", {key}, order: 2}}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def cd_stacks(tmp_path_factory, mock, binary):
    """Two gateway 'hosts' (2 workers and 1 worker) sharing one Redis."""
    a = _stack(tmp_path_factory, "cooldowns-a", cooldown_config(mock.port), binary, workers=2, tls=False)
    try:
        b = _stack(tmp_path_factory, "cooldowns-b", cooldown_config(mock.port), binary, workers=1,
                   redis=a.redis_url, tls=False)
    except Exception:
        a.stop()
        raise
    yield a, b
    b.stop()
    a.stop()


def ask(stack: Stack, group: str, text: str):
    status, headers, body = raw_request(stack.port, "POST", "/v1/chat/completions", chat_body(group, text))
    return status, headers.get("x-routero-deployment"), body


def primary_calls(mock, group: str, text: str | None = None) -> list[dict]:
    calls = mock.calls_with(text) if text else mock.calls()
    return [c for c in calls if (c.get("model") or "").startswith(f"mock-switch-{group}")]


def test_a_cooldown_set_by_one_stack_is_honoured_by_the_other(cd_stacks, mock):
    a, b = cd_stacks
    mock.switch("shared", 503)
    try:
        first = unique("cd-a")
        status, who, _ = ask(a, "shared", first)
        assert status == 200 and who == "shared-backup"
        failed = primary_calls(mock, "shared", first)
        assert failed, "the primary was tried first and failed"
        # The other host (and every worker of the first) now keeps away from the primary.
        seen = None
        for stack in (b, a, a, b):
            text = unique("cd-b")
            status, who, _ = ask(stack, "shared", text)
            assert status == 200 and who == "shared-backup"
            assert primary_calls(mock, "shared", text) == [], "a cooling deployment was called"
            if seen is None:
                # Mock clock: the primary's failure on stack A -> stack B's request reaching the backup.
                seen = mock.calls_with(text)[0]["started_at"] - failed[-1]["ended_at"]
        print(f"\nmeasured: cooldown written by stack A honoured by stack B {seen * 1000:.1f} ms after the failure")
        assert seen < 1.0
    finally:
        mock.switch("shared", None)
    # Recovery: once the cooldown is over one request probes, succeeds, and both hosts return.
    time.sleep(COOLDOWN + 0.3)
    for stack in (b, a, b):
        status, who, _ = ask(stack, "shared", unique("cd-back"))
        assert status == 200 and who == "shared-primary"


def test_scenario_15_primary_down_then_healthy_traffic_returns(cd_stacks, mock):
    a, _ = cd_stacks
    mock.switch("s15", 503)
    answered, started = [], time.monotonic()
    down_until = None
    for i in range(20):
        if i == 6:
            mock.switch("s15", None)  # the primary recovers (inside the first cooldown window)
            down_until = time.time()
        status, who, _ = ask(a, "s15", unique(f"s15-{i}"))
        assert status == 200, f"request {i} failed"
        answered.append(who)
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    calls = primary_calls(mock, "s15")
    failed = [c for c in calls if c["status"] != 200]
    print(f"\nmeasured: scenario 15 over {elapsed:.1f} s: answered by {answered}; primary calls "
          f"{len(calls)} ({len(failed)} failed)")
    assert answered[0] == "s15-backup"
    assert answered[-4:] == ["s15-primary"] * 4, "traffic returned to the primary"
    # While down, the primary was asked once per cooldown window (the failing request and its
    # one in-request retry), not once per request.
    assert len(failed) <= 2 * (int((down_until - calls[0]["started_at"]) / COOLDOWN) + 1), failed
    assert answered[:6] == ["s15-backup"] * 6, "while the primary was down (and cooling) the fallback served"


def test_scenario_2_persistent_429_backs_off_fails_over_and_never_hammers(cd_stacks, mock):
    a, b = cd_stacks
    mock.switch("rl", 429)
    try:
        started = time.time()
        for i in range(12):
            status, who, _ = ask(a if i % 2 else b, "rl", unique(f"rl-{i}"))
            assert status == 200 and who == "rl-backup"
            time.sleep(0.3)
        duration = time.time() - started
    finally:
        mock.switch("rl", None)
    calls = [c for c in primary_calls(mock, "rl") if c["started_at"] >= started - 0.01]
    starts = [c["started_at"] for c in calls]
    gaps = [y - x for x, y in zip(starts, starts[1:])]
    print(f"\nmeasured: 12 requests over {duration:.1f} s, 429 deployment asked {len(calls)} times, gaps {gaps}")
    # Pairs: a request's try plus its jittered retry (< 0.5 s backoff), then nothing until the
    # cooldown (2 s) is over, when one probe request tries again.
    assert 2 <= len(calls) <= 2 * (int(duration / COOLDOWN) + 1)
    assert all(g < 0.6 or g >= COOLDOWN - 0.05 for g in gaps), gaps
    assert any(g >= COOLDOWN - 0.05 for g in gaps) or len(calls) <= 2


def test_exactly_one_request_of_the_fleet_probes_a_recovering_deployment(cd_stacks, mock):
    """Half-open: concurrent requests on both hosts once the cooldown is over; one of them takes
    the probe lease and waits on the (slow, recovered) primary, the others keep to the backup."""
    a, b = cd_stacks
    mock.switch("probe", 503)
    status, who, _ = ask(a, "probe", unique("pr-fail"))
    assert status == 200 and who == "probe-backup"
    mock.switch("probe", None)
    time.sleep(COOLDOWN + 0.3)
    marker = unique("pr")
    answers: list[str | None] = []
    lock = threading.Lock()

    def one(stack, i):
        status, who, _ = ask(stack, "probe", f"{marker} {i}")
        with lock:
            answers.append(who if status == 200 else f"status {status}")

    threads = [threading.Thread(target=one, args=(a if i % 2 else b, i)) for i in range(6)]
    for i, t in enumerate(threads):
        t.start()
        time.sleep(0.1)  # the probe (1.5 s) is in progress while the others plan
    for t in threads:
        t.join(30)
    print(f"\nmeasured: 6 concurrent requests after the cooldown answered by {answers}")
    assert len(primary_calls(mock, "probe", marker)) == 1, "exactly one probe"
    assert sorted(answers) == ["probe-backup"] * 5 + ["probe-primary"]
    # The probe succeeded: the breaker is closed and traffic is back on the primary everywhere.
    for stack in (a, b):
        status, who, _ = ask(stack, "probe", unique("pr-after"))
        assert status == 200 and who == "probe-primary"


def test_routing_state_keys_and_per_request_cost(cd_stacks, mock):
    """The keys live under one hash tag per group; print Redis's own time per snapshot script."""
    a, _ = cd_stacks
    host, port = a.redis_url.split("//", 1)[1].split(":")
    keys = subprocess.run(["redis-cli", "-h", host, "-p", port.split("/")[0], "--scan", "--pattern", "{cd:rt:*"],
                          capture_output=True, text=True, timeout=10).stdout.split()
    assert keys and all(k.startswith("{cd:rt:") and "}:" in k for k in keys), keys
    stats = subprocess.run(["redis-cli", "-h", host, "-p", port.split("/")[0], "INFO", "commandstats"],
                           capture_output=True, text=True, timeout=10).stdout
    line = next((l for l in stats.splitlines() if l.startswith("cmdstat_evalsha:")), "")
    print(f"\nmeasured: {line.strip()}")
    assert "calls=" in line


def test_without_redis_each_worker_keeps_its_own_cooldowns(noredis_stack, mock):
    """Redis unreachable: the same protocol runs in the worker's memory (one worker here), so a
    404 still cools the deployment down and the next request goes straight to the backup."""
    first = unique("nr")
    status, who, _ = ask(noredis_stack, "failover-404", first)
    assert status == 200 and who == "failover-404#1"
    assert [c["model"] for c in mock.calls_with(first)] == ["mock-404", "mock-echo"]
    second = unique("nr")
    status, who, _ = ask(noredis_stack, "failover-404", second)
    assert status == 200 and who == "failover-404#1"
    assert [c["model"] for c in mock.calls_with(second)] == ["mock-echo"]
    logs = noredis_stack.worker_logs(200)
    assert "routing state: shared store unreachable" in logs
    assert "routing_state=local" in logs
