"""Bounded, observable, no surprises: admission control, response limits, retries that are safe,
cache integrity, and the provider quirks the response side needs."""
from __future__ import annotations

import json
import time

import openai
import pytest

from helpers import Stack, chat_body, open_raw_stream, poll, raw_request, read_until_events, unique
from mock_openai import answer_text, usage_for


# ---------------------------------------------------------------------------------------------
# Admission control
# ---------------------------------------------------------------------------------------------

def test_requests_over_the_concurrency_limit_get_503_at_once(tmp_path, mock, binary):
    """max_concurrent_requests: 2 with two slow streams running: the third request is answered
    at once with 503, retry-after and an OpenAI error body, instead of waiting in the backlog
    until nginx's 600 s timeout. Capacity returns when the streams end."""
    (tmp_path / "c.yaml").write_text(f"""
server: {{max_concurrent_requests: 2}}
auth: {{master_key: os.environ/ROUTERO_MASTER_KEY}}
models:
  - name: mock-long-20
    deployments: [{{model: openai/mock-long-20, api_base: "http://127.0.0.1:{mock.port}/v1", api_key: os.environ/MOCK_UPSTREAM_KEY}}]
  - name: mock-echo
    deployments: [{{model: openai/mock-echo, api_base: "http://127.0.0.1:{mock.port}/v1", api_key: os.environ/MOCK_UPSTREAM_KEY}}]
""")
    s = Stack(tmp_path / "c.yaml", tmp_path / "state", workers=1, binary=binary)
    streams = []
    try:
        for _ in range(2):
            sock = open_raw_stream(s.port, chat_body("mock-long-20", unique("slot"), stream=True))
            assert b"data: " in read_until_events(sock, 1)
            streams.append(sock)
        started = time.monotonic()
        status, headers, body = raw_request(s.port, "POST", "/v1/chat/completions", chat_body("mock-echo", unique("over")))
        took = time.monotonic() - started
        print(f"\nmeasured: over-limit request answered after {took * 1000:.1f} ms")
        assert status == 503, body[:300]
        assert headers.get("retry-after") == "1"
        assert json.loads(body)["error"]["code"] == "overloaded"
        assert took < 1.0, f"the rejection took {took:.2f}s"
        with pytest.raises(openai.InternalServerError):
            s.client().chat.completions.create(model="mock-echo", messages=[{"role": "user", "content": "x"}])
        for sock in streams:
            sock.close()
        ok = poll(lambda: raw_request(s.port, "POST", "/v1/chat/completions",
                                      chat_body("mock-echo", unique("after")))[0] == 200, timeout=5)
        assert ok, "capacity did not come back after the streams ended"
    finally:
        for sock in streams:
            sock.close()
        s.stop()


# ---------------------------------------------------------------------------------------------
# Bounded upstream bodies
# ---------------------------------------------------------------------------------------------

def test_upstream_body_over_max_response_bytes_is_502(client):
    """server.max_response_bytes (1 MiB here): a 2 MiB answer is refused with a clear 502."""
    with pytest.raises(openai.APIStatusError) as ei:
        client.chat.completions.create(model="mock-huge-2048", messages=[{"role": "user", "content": unique("big")}])
    assert ei.value.status_code == 502
    assert ei.value.code == "upstream_response_too_large"
    assert "max_response_bytes" in ei.value.message


# ---------------------------------------------------------------------------------------------
# Retries that are safe
# ---------------------------------------------------------------------------------------------

def test_stream_failing_before_any_byte_goes_to_the_next_deployment(client, mock):
    """The first deployment answers 200 with SSE headers and drops the connection before any
    event: nothing reached the client, so the next deployment serves the stream."""
    text = unique("drop")
    chunks = list(client.chat.completions.create(model="failover-drop", stream=True,
                                                 messages=[{"role": "user", "content": text}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: " + text
    assert [c["model"] for c in mock.calls_with(text)] == ["mock-drop", "mock-echo"]


def test_upstream_404_moves_on_to_the_next_deployment(client, mock):
    text = unique("nf")
    r = client.chat.completions.create(model="failover-404", messages=[{"role": "user", "content": text}],
                                       extra_headers={"Cache-Control": "no-cache"})
    assert r.choices[0].message.content == "echo: " + text
    assert [c["model"] for c in mock.calls_with(text)] == ["mock-404", "mock-echo"]


def test_a_deployments_own_limit_moves_on_to_the_next(client, mock):
    """n=2 cannot go to the single-choice groq deployment (order 1): Routero's own 400 for that
    deployment moves on to the OpenAI one instead of ending the request."""
    text = unique("n2")
    r = client.chat.completions.create(model="failover-single", n=2, messages=[{"role": "user", "content": text}],
                                       extra_headers={"Cache-Control": "no-cache"})
    assert r.choices[0].message.content == "echo: " + text
    [call] = mock.calls_with(text)
    assert call["path"] == "/v1/chat/completions"


# ---------------------------------------------------------------------------------------------
# Cache integrity
# ---------------------------------------------------------------------------------------------

def _ask(c, model, text):
    return c.chat.completions.with_raw_response.create(model=model, messages=[{"role": "user", "content": text}])


@pytest.mark.parametrize("model", ["mock-notchat", "mock-text"])
def test_only_chat_completions_are_cached(stack, mock, model):
    """A 200 that is not a chat.completion in application/json is served but never stored."""
    text = unique("nc")
    for _ in range(2):
        status, headers, _ = raw_request(stack.port, "POST", "/v1/chat/completions", chat_body(model, text))
        assert status == 200 and headers.get("x-routero-cache") != "hit"
    assert len(mock.calls_with(text)) == 2


def test_a_hit_keeps_the_stored_content_type(client):
    text = unique("ct")
    miss, hit = _ask(client, "mock-echo", text), _ask(client, "mock-echo", text)
    assert hit.headers["x-routero-cache"] == "hit"
    assert hit.headers["content-type"] == miss.headers["content-type"]


def test_answers_over_max_entry_bytes_are_served_not_cached(client, mock):
    text = unique("huge")
    for _ in range(2):
        r = _ask(client, "mock-huge-512", text)
        assert len(r.parse().choices[0].message.content) == 512 * 1024
        assert r.headers["x-routero-cache"] == "miss"
    assert len(mock.calls_with(text)) == 2


@pytest.fixture(scope="module")
def tenant_stack(tmp_path_factory, mock, binary, stack):
    """Another tenant (its own master key) on the same Redis as `stack`."""
    from conftest import main_config
    base = tmp_path_factory.mktemp("tenant")
    (base / "c.yaml").write_text(main_config(mock.port).replace("os.environ/ROUTERO_MASTER_KEY",
                                                                "os.environ/OTHER_TENANT_KEY"))
    s = Stack(base / "c.yaml", base / "state", workers=1, binary=binary, redis=stack.redis_url,
              env={"OTHER_TENANT_KEY": "sk-other-tenant-0301"})
    yield s
    s.stop()


def test_tenants_never_read_each_others_answers(stack, tenant_stack, mock):
    """Same request, same Redis, different caller keys: each tenant's first ask is a miss."""
    text = unique("tenant")
    assert _ask(stack.client(), "mock-echo", text).headers["x-routero-cache"] == "miss"
    assert _ask(stack.client(), "mock-echo", text).headers["x-routero-cache"] == "hit"
    other = tenant_stack.client(api_key="sk-other-tenant-0301")
    assert _ask(other, "mock-echo", text).headers["x-routero-cache"] == "miss"
    assert len(mock.calls_with(text)) == 2


# ---------------------------------------------------------------------------------------------
# Provider quirks on the response side
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("provider", ["mistral", "moonshot", "perplexity"])
def test_include_usage_ends_every_stream_like_openai(provider_stack, provider):
    """Mistral and Perplexity put usage in the finish chunk, Moonshot inside choices[0]: with
    include_usage the client still gets OpenAI's shape -- finish chunk, then one chunk with
    choices: [] and the usage, then [DONE]."""
    text = unique(provider)
    chunks = list(provider_stack.client().chat.completions.create(
        model=f"p-{provider}", messages=[{"role": "user", "content": text}], stream=True,
        stream_options={"include_usage": True}))
    body = chat_body("x", text)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == answer_text(body)
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert last.usage.total_tokens == usage_for(body, answer_text(body))["total_tokens"]
    assert [c for c in chunks if not c.choices] == [last], "exactly one usage chunk"
    assert chunks[-2].choices[0].finish_reason == "stop"


def test_mistral_gets_nine_character_tool_call_ids(provider_stack, mock):
    """A tool conversation with OpenAI-style ids (call_...): Mistral only accepts 9-character
    [a-zA-Z0-9] ids, so they are mapped -- the same way for the call and its result."""
    text = unique("tools")
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_Xk3pQ9a0ZfTbWm2L", "type": "function", "function": {"name": "w", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_Xk3pQ9a0ZfTbWm2L", "content": "18C"},
        {"role": "user", "content": text},
    ]
    r = provider_stack.client().chat.completions.create(model="p-mistral", messages=messages)
    assert r.choices[0].message.content == "echo: " + text
    [call] = mock.calls_with(text)
    sent = call["body"]["messages"]
    mapped = sent[1]["tool_calls"][0]["id"]
    assert len(mapped) == 9 and mapped.isalnum()
    assert sent[2]["tool_call_id"] == mapped
