"""The sixteen public failover scenarios (shared reference "failover-and-state"), each asserted on
its outcome and on the gateway's conduct towards the provider as the mock saw it (attempt counts,
spacing). Where a scenario is covered elsewhere, the test that covers it is named here:

 1  429 Retry-After: 2 once          test_failover.py::test_scenario_1_...
 2  429 persistent, no Retry-After   test_cooldowns.py (backoff with jitter, fail over, no hammering)
 3  500 once                         test_failover.py::test_scenario_3_...
 4  503 persistent                   test_scenario_4_and_16 below
 5  TCP reset before headers         test_failover.py::test_scenario_5_...
 6  no response at all               test_scenario_6 below
 7  first token after 20 s           test_scenario_7 below (and test_continuation.py, ttft)
 8  cut after some tokens            test_continuation.py (cut) and test_scenario_8 below
 9  stall with the connection open   test_continuation.py (stall)
10  malformed chunk                  test_continuation.py (garbage, test_exactly_one_done_and_no_broken_chunk)
11  no [DONE]                        test_scenario_11 below
12  context_length_exceeded          test_scenario_12 below
13  content-policy rejection         test_scenario_13 below
14  fallback rejects prefill         test_continuation.py (noprefill)
15  primary down, then healthy       test_cooldowns.py
16  primary 503, fallback answers    test_scenario_4_and_16 below
"""
from __future__ import annotations

import time

import openai
import pytest

from conftest import _stack
from helpers import chat_body, sse_events, unique

GROUPS = {
    # name: [(model, extra deployment keys)], in order
    "s4": [("mock-503", ""), ("mock-echo", "")],
    "s6": [("mock-slow-30000", "timeout: 1"), ("mock-echo", "")],
    "s7": [("mock-ttft-20000", "stream_timeout: 1"), ("mock-echo", "")],
    "s8": [("mock-cut-3", ""), ("mock-echo", "")],
    "s11": [("mock-nodone", "")],
    "s12": [("mock-ctx", ""), ("mock-ctx", "")],
    "s12-large": [("mock-echo", "")],
    "s13": [("mock-policy", ""), ("mock-echo", "")],
    "budget": [("mock-slow-5000", "timeout: 30")],
    "down": [("mock-503", "")],
}


def config(mock_port: int) -> str:
    base = f"http://127.0.0.1:{mock_port}/v1"
    lines = ["auth: {master_key: os.environ/ROUTERO_MASTER_KEY}", "cache: {enabled: false}",
             "allow_unlisted_models: false",
             "routing: {total_timeout_seconds: 2, context_window_fallbacks: {s12: [s12-large]}}", "models:"]
    for name, deps in GROUPS.items():
        items = []
        for order, (model, extra) in enumerate(deps, start=1):
            more = f", {extra}" if extra else ""
            items.append(f"{{model: openai/{model}, api_base: \"{base}\", api_key: os.environ/MOCK_UPSTREAM_KEY, "
                         f"order: {order}{more}}}")
        lines.append(f"  - {{name: {name}, deployments: [{', '.join(items)}]}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def sstack(tmp_path_factory, mock, binary):
    s = _stack(tmp_path_factory, "scenarios", config(mock.port), binary, workers=2)
    yield s
    s.stop()


def ask(stack, model, text, **kw):
    return stack.client().chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": text}], **kw)


def test_scenario_4_and_16_persistent_503_fails_over_and_only_the_fallback_is_billed(sstack, mock):
    text = unique("s4 sixteen")
    raw = ask(sstack, "s4", text)
    reply = raw.parse()
    assert reply.choices[0].message.content == f"echo: {text}"
    assert reply.model == "mock-echo", "the response names the model that answered"
    made = mock.calls_with(text)
    # The ready fallback goes before a retry of the failed deployment (which would wait a backoff).
    assert [c["model"] for c in made] == ["mock-503", "mock-echo"]
    # Usage is the fallback's own (word counts in the mock): the failed attempts are not in it.
    assert reply.usage.completion_tokens == len(f"echo: {text}".split())
    assert raw.headers["x-routero-deployment"] == "s4#1"
    assert raw.headers["x-routero-attempts"] == "2"


def test_scenario_6_a_silent_route_times_out_and_is_not_retried(sstack, mock):
    text = unique("s6")
    t0 = time.monotonic()
    reply = ask(sstack, "s6", text).parse()
    elapsed = time.monotonic() - t0
    assert reply.choices[0].message.content == f"echo: {text}"
    assert [c["model"] for c in mock.calls_with(text)] == ["mock-slow-30000", "mock-echo"]
    assert elapsed < 1.9, f"answered in {elapsed:.2f}s: the 1 s timeout, then the fallback, inside the 2 s budget"


def test_scenario_7_a_slow_first_token_fails_over_to_a_fast_deployment(sstack, mock):
    text = unique("s7")
    t0 = time.monotonic()
    got = "".join(c.choices[0].delta.content or "" for c in sstack.client().chat.completions.create(
        model="s7", stream=True, messages=[{"role": "user", "content": text}]) if c.choices)
    assert got == f"echo: {text}"
    assert time.monotonic() - t0 < 1.9
    assert [c["model"] for c in mock.calls_with(text)] == ["mock-ttft-20000", "mock-echo"]


def test_scenario_8_a_cut_stream_is_delivered_whole(sstack, mock):
    text = unique("s8 forty of sixty tokens")
    status, _, events = sse_events(sstack.port, chat_body("s8", text, stream=True))
    import json
    datas = [d for _, d in events]
    assert status == 200 and datas[-1] == "[DONE]" and datas.count("[DONE]") == 1
    got = "".join((json.loads(d)["choices"] or [{}])[0].get("delta", {}).get("content") or "" for d in datas[:-1])
    assert got == f"echo: {text}"


def test_scenario_11_a_stream_without_done_is_finalised_with_usage(sstack, mock):
    text = unique("s11")
    t0 = time.monotonic()
    chunks = list(sstack.client().chat.completions.create(model="s11", stream=True,
                                                          stream_options={"include_usage": True},
                                                          messages=[{"role": "user", "content": text}]))
    assert time.monotonic() - t0 < 1.5, "finalised promptly when the upstream closed"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == f"echo: {text}"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    status, _, events = sse_events(sstack.port, chat_body("s11", text, stream=True))
    assert status == 200 and [d for _, d in events][-1] == "[DONE]"


def test_scenario_12_context_length_goes_to_the_larger_model_without_retrying(sstack, mock):
    text = unique("s12")
    raw = ask(sstack, "s12", text)
    assert raw.parse().choices[0].message.content == f"echo: {text}"
    # Neither a retry of the same deployment nor the group's other deployment (same model, same window).
    assert [c["model"] for c in mock.calls_with(text)] == ["mock-ctx", "mock-echo"]
    assert raw.headers["x-routero-deployment"] == "s12-large#0"


def test_scenario_13_a_content_policy_rejection_is_not_retried_and_keeps_its_reason(sstack, mock):
    text = unique("s13")
    with pytest.raises(openai.BadRequestError) as ei:
        ask(sstack, "s13", text)
    err = ei.value.response.json()["error"]
    assert err["code"] == "content_policy_violation"
    assert "safety system" in err["message"]
    assert [c["model"] for c in mock.calls_with(text)] == ["mock-policy"]


def test_the_total_budget_ends_the_request(sstack, mock):
    text = unique("budget")
    t0 = time.monotonic()
    with pytest.raises(openai.APIStatusError) as ei:
        ask(sstack, "budget", text)
    elapsed = time.monotonic() - t0
    assert ei.value.status_code == 504
    assert 1.8 < elapsed < 3.5, f"{elapsed:.2f}s for a 2 s budget"


def test_request_fallbacks_only_reach_configured_groups(sstack, mock):
    text = unique("reqfb")
    reply = ask(sstack, "s11", text, extra_body={"fallbacks": ["s4"]}).parse()  # answered by s11 itself
    assert reply.choices[0].message.content == f"echo: {text}"
    assert "fallbacks" not in mock.calls_with(text)[0]["body"], "a gateway field never reaches the provider"
    with pytest.raises(openai.BadRequestError) as ei:
        ask(sstack, "s11", text, extra_body={"fallbacks": ["openai/gpt-4o"]})
    assert ei.value.response.json()["error"]["param"] == "fallbacks"
    # A group whose deployments all fail: its request's own fallbacks take over.
    text2 = unique("reqfb2")
    raw = ask(sstack, "down", text2, extra_body={"fallbacks": ["s12-large"]})
    assert raw.parse().choices[0].message.content == f"echo: {text2}"
    assert raw.headers["x-routero-deployment"] == "s12-large#0"
    with pytest.raises(openai.InternalServerError):
        ask(sstack, "down", unique("nofb"))
