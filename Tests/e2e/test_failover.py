"""Failover through the pure state machine (RouteroRouting/Failover): retries on the same
deployment, Retry-After, configured fallbacks, and the headers that say who answered."""
from __future__ import annotations

import openai
import pytest

from helpers import unique


def calls(mock, text):
    return mock.calls_with(text)


def test_a_5xx_is_retried_once_on_the_same_deployment(client, mock):
    text = unique("retry500")
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="mock-500", messages=[{"role": "user", "content": text}])
    made = calls(mock, text)
    assert [c["model"] for c in made] == ["mock-500", "mock-500"]  # one retry (routing.num_retries default 1)


def test_a_long_retry_after_is_not_waited_for_and_reaches_the_client(client, mock):
    text = unique("ra7")
    with pytest.raises(openai.RateLimitError) as ei:
        client.chat.completions.create(model="mock-429", messages=[{"role": "user", "content": text}])
    assert ei.value.response.headers["retry-after"] == "7"
    assert len(calls(mock, text)) == 1  # 7 s is beyond the 5 s the gateway waits inside a request


def test_fallback_group_answers_and_the_response_names_it(client, mock):
    text = unique("fallback")
    raw = client.chat.completions.with_raw_response.create(model="fb-primary",
                                                           messages=[{"role": "user", "content": text}])
    reply = raw.parse()
    assert reply.choices[0].message.content == f"echo: {text}"
    assert raw.headers["x-routero-deployment"] == "mock-echo#0"
    assert raw.headers["x-routero-provider"] == "openai"
    assert raw.headers["x-routero-attempts"] == "3"  # 503, its retry, then the fallback
    assert [c["model"] for c in calls(mock, text)] == ["mock-503", "mock-503", "mock-echo"]


def test_fallback_for_streams_too(client, mock):
    text = unique("fbstream")
    got = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="fb-primary", stream=True, messages=[{"role": "user", "content": text}]) if c.choices)
    assert got == f"echo: {text}"


def test_scenario_3_a_500_once_is_retried_on_the_same_provider(client, mock):
    text = unique("once500")
    reply = client.chat.completions.create(model="mock-once-500", messages=[{"role": "user", "content": text}])
    assert reply.choices[0].message.content == f"echo: {text}"
    assert len(calls(mock, text)) == 2


def test_scenario_1_a_429_with_retry_after_2_is_honoured_not_hammered(client, mock):
    text = unique("once429")
    reply = client.chat.completions.create(model="mock-once-429-2", messages=[{"role": "user", "content": text}])
    assert reply.choices[0].message.content == f"echo: {text}"
    made = calls(mock, text)
    assert len(made) == 2
    spacing = made[1]["started_at"] - made[0]["started_at"]
    print(f"\nmeasured: retry {spacing:.2f} s after a 429 with retry-after: 2")
    assert spacing >= 1.95  # never sooner than the provider asked


def test_scenario_5_a_reset_before_headers_is_retried(client, mock):
    text = unique("oncereset")
    reply = client.chat.completions.create(model="mock-once-reset", messages=[{"role": "user", "content": text}])
    assert reply.choices[0].message.content == f"echo: {text}"
    assert len(calls(mock, text)) == 2
