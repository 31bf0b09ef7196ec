"""Chat completions through nginx -> worker -> mock upstream, with the official openai SDK."""
from __future__ import annotations

import json

import openai
import pytest

from helpers import MASTER_KEY, MOCK_KEY, chat_body, raw_request, sse_events, unique
from mock_openai import answer_text, split_pieces, usage_for

MULTIBYTE = "héllo wörld — 日本語 🎉 ok"


def test_non_stream_echo(client, mock):
    """A plain chat completion returns the upstream's answer and usage unchanged."""
    text = unique("plain")
    r = client.chat.completions.with_raw_response.create(
        model="mock-echo", messages=[{"role": "user", "content": text}])
    c = r.parse()
    body = chat_body("mock-echo", text)
    assert c.choices[0].message.content == answer_text(body)
    assert c.choices[0].finish_reason == "stop"
    assert c.object == "chat.completion"
    assert c.usage is not None
    assert c.usage.total_tokens == usage_for(body, answer_text(body))["total_tokens"]
    assert r.headers.get("x-request-id"), "gateway must add x-request-id"
    assert r.headers.get("x-routero-worker", "").isdigit()
    calls = mock.calls_with(text)
    assert len(calls) == 1 and calls[0]["path"] == "/v1/chat/completions"
    assert calls[0]["headers"]["authorization"] == f"Bearer {MOCK_KEY}", "provider key, not the client's"


def test_stream_text_chunks_and_usage(client):
    """Streaming: text (incl. multibyte split across upstream reads) reassembles exactly, every
    chunk is a valid chat.completion.chunk, include_usage yields a final usage chunk with
    empty choices."""
    text = MULTIBYTE + " " + unique("s")
    stream = client.chat.completions.create(
        model="mock-echo", messages=[{"role": "user", "content": text}], stream=True,
        stream_options={"include_usage": True})
    chunks = list(stream)
    body = chat_body("mock-echo", text)
    content = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert content == answer_text(body)
    assert all(ch.object == "chat.completion.chunk" for ch in chunks)
    assert len({ch.id for ch in chunks}) == 1, "all chunks share one id"
    assert chunks[0].choices[0].delta.role == "assistant"
    finish = [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]
    assert finish == ["stop"]
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert last.usage.completion_tokens == usage_for(body, answer_text(body))["completion_tokens"]


def test_stream_without_include_usage_has_no_usage(client):
    """Without stream_options.include_usage no usage chunk is sent (OpenAI semantics)."""
    chunks = list(client.chat.completions.create(
        model="mock-echo", messages=[{"role": "user", "content": unique("nu")}], stream=True))
    assert all(ch.choices for ch in chunks), "no choices:[] usage chunk without include_usage"
    assert all(getattr(ch, "usage", None) is None for ch in chunks)


def test_stream_raw_framing_and_headers(stack):
    """Raw SSE: text/event-stream, x-accel-buffering: no, terminated by data: [DONE]."""
    status, headers, events = sse_events(stack.port, chat_body("mock-echo", MULTIBYTE, stream=True))
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    assert headers.get("x-accel-buffering") == "no"
    datas = [d for _, d in events]
    assert datas[-1] == "[DONE]"
    for d in datas[:-1]:
        assert json.loads(d)["object"] == "chat.completion.chunk"


def test_stream_is_incremental(stack):
    """Events reach the client as the upstream sends them (100 ms apart), not all at once
    at the end: nginx buffering is off and the worker flushes per event."""
    status, _, events = sse_events(stack.port, chat_body("mock-long-10", unique("inc"), stream=True))
    assert status == 200
    content_times = [t for t, d in events if d != "[DONE]"]
    assert len(content_times) >= 10
    spread = content_times[-1] - content_times[0]
    assert spread >= 0.7, f"events arrived within {spread:.3f}s: buffered, not streamed"
    gaps = [b - a for a, b in zip(content_times, content_times[1:])]
    assert sum(g > 0.05 for g in gaps) >= 7, f"gaps {gaps}"


@pytest.mark.parametrize("group,first_calls", [("failover-500", 1), ("failover-429", 1), ("failover-down", 0)])
def test_failed_first_deployment_is_retried_on_the_next(client, mock, group, first_calls):
    """Nothing is committed before an upstream answers: a 500, a 429 or a refused connection
    from the group's first deployment moves on to the next one, and the client sees only the
    success -- for a streaming call too."""
    text = unique("fo")
    r = client.chat.completions.create(model=group, messages=[{"role": "user", "content": text}],
                                       extra_headers={"Cache-Control": "no-cache"})
    assert r.choices[0].message.content == "echo: " + text
    models = [c["model"] for c in mock.calls_with(text)]
    assert models.count("mock-echo") == 1 and len(models) == first_calls + 1, models
    stext = unique("fos")
    chunks = list(client.chat.completions.create(model=group, stream=True,
                                                 messages=[{"role": "user", "content": stext}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: " + stext


def test_unknown_fields_are_forwarded_unchanged(client, mock):
    """Fields the gateway does not know reach an OpenAI-format upstream unchanged and in order
    (nested objects, exact number text), with only the model replaced."""
    text = unique("fields")
    client.chat.completions.create(
        model="mock-echo", messages=[{"role": "user", "content": text}], temperature=0.25,
        extra_body={"vendor_knob": {"z": 1, "a": [1.50, "x"]}, "seed": 12345678901234567890},
        extra_headers={"Cache-Control": "no-cache"})
    [call] = mock.calls_with(text)
    body = call["body"]
    assert body["vendor_knob"] == {"z": 1, "a": [1.5, "x"]}
    assert body["seed"] == 12345678901234567890, "big integers must not be rounded through a double"
    assert body["model"] == "mock-echo" and body["temperature"] == 0.25
    assert list(body)[-2:] == ["vendor_knob", "seed"], f"field order changed: {list(body)}"


def test_upstream_connections_are_reused(stack, mock):
    """Sequential calls reuse pooled upstream connections (one libcurl multi loop per worker):
    30 requests through 2 workers open at most a handful of connections to the provider."""
    marker = unique("reuse")
    client = stack.client()
    for i in range(30):
        client.chat.completions.create(model="mock-echo", messages=[{"role": "user", "content": f"{marker} {i}"}],
                                       extra_headers={"Cache-Control": "no-cache"})
    conns = {c["connection"] for c in mock.calls_with(marker)}
    assert len(mock.calls_with(marker)) == 30
    assert len(conns) <= 4, f"{len(conns)} upstream connections for 30 sequential requests"


def test_auth_missing_and_wrong_key(stack):
    """No key or a wrong key -> 401 with an OpenAI error body (SDK: AuthenticationError)."""
    for key in ("", "sk-wrong-key"):
        c = stack.client(api_key=key or "placeholder")
        if not key:
            status, _, body = raw_request(stack.port, "POST", "/v1/chat/completions",
                                          chat_body("mock-echo", "x"), headers={"Authorization": None})
            assert status == 401
            err = json.loads(body)["error"]
            assert {"message", "type", "param", "code"} <= set(err)
            continue
        with pytest.raises(openai.AuthenticationError) as ei:
            c.chat.completions.create(model="mock-echo", messages=[{"role": "user", "content": "x"}])
        assert ei.value.status_code == 401
        assert isinstance(ei.value.body, dict) and "message" in ei.value.body


def test_malformed_json_is_400(stack):
    """A body that is not JSON -> 400 invalid_request_error, never forwarded."""
    status, headers, body = raw_request(stack.port, "POST", "/v1/chat/completions", b'{"model": "mock-echo",')
    assert status == 400
    err = json.loads(body)["error"]
    assert err["type"] == "invalid_request_error"
    assert headers["content-type"].startswith("application/json")


def test_missing_messages_is_400(client):
    """OpenAI's required-field validation: no messages -> 400 (SDK: BadRequestError)."""
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="mock-echo", messages=[])


def test_unknown_model_is_404(client):
    """A model no group serves -> 404 model_not_found (SDK: NotFoundError)."""
    with pytest.raises(openai.NotFoundError) as ei:
        client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    assert ei.value.code == "model_not_found"


def test_body_over_worker_limit_is_413(stack, mock):
    """A body above server.max_body_bytes -> 413 from the worker, nothing sent upstream."""
    marker = unique("big")
    big = marker + " " + "a" * 300_000
    status, _, body = raw_request(stack.port, "POST", "/v1/chat/completions", chat_body("mock-echo", big))
    assert status == 413, body[:300]
    assert "error" in json.loads(body)
    assert mock.calls_with(marker) == []


def test_body_over_nginx_limit_is_413_json(stack):
    """A body above nginx's client_max_body_size (32m) -> 413 with an OpenAI-shaped JSON body
    (nginx error_page), not nginx's HTML page."""
    status, headers, body = raw_request(stack.port, "POST", "/v1/chat/completions", b"x" * (33 * 1024 * 1024))
    assert status == 413
    assert json.loads(body)["error"]["code"] == "request_too_large"


def test_upstream_429_passes_retry_after(client):
    """Upstream 429 -> 429 with the provider's retry-after (SDK: RateLimitError)."""
    with pytest.raises(openai.RateLimitError) as ei:
        client.chat.completions.create(model="mock-429", messages=[{"role": "user", "content": unique("rl")}])
    assert ei.value.status_code == 429
    assert ei.value.response.headers.get("retry-after") == "7"


def test_upstream_500_becomes_502(client):
    """Upstream 500 -> 502 Bad Gateway with an OpenAI error body."""
    with pytest.raises(openai.APIStatusError) as ei:
        client.chat.completions.create(model="mock-500", messages=[{"role": "user", "content": unique("e5")}])
    assert ei.value.status_code == 502
    assert isinstance(ei.value.body, dict) and "message" in ei.value.body


def test_upstream_503_is_a_server_error(client):
    """Upstream 503 -> a 5xx with an OpenAI error body (SDK retries these)."""
    with pytest.raises(openai.APIStatusError) as ei:
        client.chat.completions.create(model="mock-503", messages=[{"role": "user", "content": unique("e3")}])
    assert 500 <= ei.value.status_code < 600


def test_upstream_slower_than_deployment_timeout_is_504(client):
    """Deployment timeout 1 s, upstream answers after 3 s -> 504."""
    with pytest.raises(openai.APIStatusError) as ei:
        client.chat.completions.create(model="mock-slow-3000", messages=[{"role": "user", "content": unique("to")}])
    assert ei.value.status_code == 504


def test_stream_timeout_applies_to_streaming_calls_only(client):
    """LiteLLM semantics: `stream_timeout` (0.5 s) bounds a streaming call until the upstream
    answers -> 504 before any event; the same deployment's `timeout` (30 s) lets a non-streaming
    call wait out the mock's 1.5 s delay."""
    with pytest.raises(openai.APIStatusError) as ei:
        for _ in client.chat.completions.create(model="mock-slow-1500", stream=True,
                                                messages=[{"role": "user", "content": unique("st")}]):
            pass
    assert ei.value.status_code == 504
    r = client.chat.completions.create(model="mock-slow-1500", messages=[{"role": "user", "content": unique("st")}],
                                       extra_headers={"Cache-Control": "no-cache"})
    assert r.choices[0].message.content.startswith("echo: ")


def test_upstream_slow_within_timeout_succeeds(client):
    """A slow (300 ms) upstream inside the timeout answers normally."""
    text = unique("slow")
    c = client.chat.completions.create(model="mock-slow-300", messages=[{"role": "user", "content": text}])
    assert c.choices[0].message.content == answer_text(chat_body("x", text))


def test_large_upstream_response(client):
    """A 512 KiB completion passes through intact."""
    c = client.chat.completions.create(model="mock-huge-512", messages=[{"role": "user", "content": unique("h")}])
    assert c.choices[0].message.content == "x" * 512 * 1024


@pytest.mark.parametrize("model", ["mock-401", "mock-500", "mock-429", "mock-503"])
def test_upstream_errors_never_leak_the_provider_key(stack, model):
    """The mock quotes the key it was sent in its error messages; the gateway must not pass
    that text (or the key in any form) to the client."""
    status, headers, body = raw_request(stack.port, "POST", "/v1/chat/completions",
                                        chat_body(model, unique("leak")))
    assert status >= 400
    assert MOCK_KEY.encode() not in body
    assert MOCK_KEY[-12:].encode() not in body, "not even a suffix of the key"
    assert all(MOCK_KEY not in v for v in headers.values())
    assert MASTER_KEY.encode() not in body


def test_stream_cut_midway_ends_with_error_event(client, stack):
    """Upstream drops the connection after 3 content chunks: the client gets those chunks and
    then an SSE error event (SDK raises APIError) -- never a clean end that looks complete."""
    text = unique("cut") + " and some more words to split"
    pieces = split_pieces(answer_text(chat_body("x", text)))[:3]
    got = []
    with pytest.raises(openai.APIError) as ei:
        for ch in client.chat.completions.create(model="mock-cut-3", stream=True,
                                                 messages=[{"role": "user", "content": text}]):
            if ch.choices:
                got.append(ch.choices[0].delta.content or "")
    assert not isinstance(ei.value, openai.APIConnectionError), "must be an in-band error event, not a dropped connection"
    # The retry on the same deployment continued the answer (and broke again): whatever arrived is
    # the answer's beginning, without duplicate or gap (test_continuation.py covers the splice).
    assert "".join(got).startswith("".join(pieces))
    assert answer_text(chat_body("x", text)).startswith("".join(got))
    # Raw view: the last event is a JSON error object, and there is no [DONE].
    _, _, events = sse_events(stack.port, chat_body("mock-cut-3", text, stream=True))
    datas = [d for _, d in events]
    assert "[DONE]" not in datas
    assert "error" in json.loads(datas[-1])
