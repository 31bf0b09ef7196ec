"""Routing strategies over smart/* policies: latency prefers the faster deployment, least-busy
spreads held streams, cost picks the cheaper one -- each against weights that would choose
otherwise."""
from __future__ import annotations

import socket

import pytest

from conftest import _stack
from helpers import chat_body, open_raw_stream, raw_request, read_until_events, unique


def strategy_config(mock_port: int) -> str:
    base = f"http://127.0.0.1:{mock_port}/v1"
    key = "api_key: os.environ/MOCK_UPSTREAM_KEY"
    groups = {
        "lat-slow": "{id: slow, model: openai/mock-slow-400, weight: 100}",
        "lat-fast": "{id: fast, model: openai/mock-slow-20}",
        "dear": "{id: dear, model: openai/mock-echo, input_cost_per_token: 0.00001, output_cost_per_token: 0.00003, weight: 100}",
        "cheap": "{id: cheap, model: openai/mock-echo, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}",
        "busy-a": "{id: busy-a, model: openai/mock-long-30, weight: 100}",
        "busy-b": "{id: busy-b, model: openai/mock-long-31}",
    }
    lines = ["auth: {master_key: os.environ/ROUTERO_MASTER_KEY}", "cache: {enabled: false, namespace: st}", "models:"]
    for name, dep in groups.items():
        lines.append(f"  - {{name: {name}, deployments: [{dep[:-1]}, api_base: \"{base}\", {key}}}]}}")
    lines += ["policies:",
              "  smart/fast: {strategy: latency-based-routing, groups: [lat-slow, lat-fast]}",
              "  smart/cheap: {strategy: cost-based-routing, groups: [dear, cheap]}",
              "  smart/balanced: {strategy: least-busy, groups: [busy-a, busy-b]}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def st_stack(tmp_path_factory, mock, binary):
    s = _stack(tmp_path_factory, "strategies", strategy_config(mock.port), binary, workers=2, tls=False)
    yield s
    s.stop()


def who(stack, model, **extra):
    status, headers, _ = raw_request(stack.port, "POST", "/v1/chat/completions", chat_body(model, unique("st"), **extra))
    assert status == 200
    return headers["x-routero-deployment"]


def test_latency_routing_prefers_the_faster_deployment(st_stack):
    answered = [who(st_stack, "smart/fast") for _ in range(8)]
    print(f"\nmeasured: smart/fast answered by {answered}")
    # Unmeasured deployments are tried first (so both get measured), then the faster one wins,
    # although the slow one carries 100x the weight.
    assert set(answered[:2]) == {"slow", "fast"} or answered[0] == "fast"
    assert answered[-5:] == ["fast"] * 5


def test_latency_routing_for_streams_uses_time_to_first_token(st_stack):
    answered = [who(st_stack, "smart/fast", stream=True) for _ in range(5)]
    assert answered[-3:] == ["fast"] * 3, answered


def test_cost_routing_picks_the_cheaper_deployment(st_stack):
    answered = [who(st_stack, "smart/cheap") for _ in range(6)]
    assert answered == ["cheap"] * 6, "the weight-100 expensive deployment is never first"


def test_least_busy_spreads_held_streams(st_stack, mock):
    socks: list[socket.socket] = []
    marker = unique("busy")
    try:
        for i in range(4):
            s = open_raw_stream(st_stack.port, chat_body("smart/balanced", f"{marker} {i}", stream=True))
            read_until_events(s, 1)  # the stream is under way (its lease is held)
            socks.append(s)
        models = [c["model"] for c in mock.calls_with(marker)]
    finally:
        for s in socks:
            s.close()
    print(f"\nmeasured: 4 held streams went to {models}")
    # Weighted shuffle would put nearly all four on busy-a (weight 100); least-busy alternates.
    assert sorted(models) == ["mock-long-30", "mock-long-30", "mock-long-31", "mock-long-31"]
