"""The shared response cache (Redis): across requests, workers and gateway hosts."""
from __future__ import annotations

import time

from helpers import unique


def _ask(client, text, **kw):
    r = client.chat.completions.with_raw_response.create(
        model="mock-echo", messages=[{"role": "user", "content": text}], **kw)
    return r.headers, r.parse()


def test_identical_requests_hit_the_cache(client, mock):
    """Two identical non-stream requests: the upstream is called once; the second answer is
    served from the cache (x-routero-cache: hit) with the same content."""
    text = unique("cache")
    h1, c1 = _ask(client, text)
    h2, c2 = _ask(client, text)
    assert h1.get("x-routero-cache") == "miss"
    assert h2.get("x-routero-cache") == "hit"
    assert c2.choices[0].message.content == c1.choices[0].message.content
    assert len(mock.calls_with(text)) == 1


def test_cache_is_shared_between_workers(client, mock):
    """An entry written by one worker is a hit on another worker of the same stack."""
    text = unique("workers")
    h1, _ = _ask(client, text)
    first_worker = h1.get("x-routero-worker")
    other = None
    for _ in range(12):  # nginx round-robins; a few tries land on the other worker
        h, _ = _ask(client, text)
        assert h.get("x-routero-cache") == "hit"
        if h.get("x-routero-worker") != first_worker:
            other = h
            break
    assert other is not None, "never reached a second worker"
    assert len(mock.calls_with(text)) == 1


def test_cache_is_shared_between_stacks(stack, stack2, mock):
    """Two gateway hosts sharing one Redis: an answer cached by one is a hit on the other."""
    text = unique("hosts")
    h1, _ = _ask(stack.client(), text)
    h2, _ = _ask(stack2.client(), text)
    assert h1.get("x-routero-cache") == "miss"
    assert h2.get("x-routero-cache") == "hit"
    assert len(mock.calls_with(text)) == 1


def test_cache_control_no_cache_opts_out(client, mock):
    """Cache-Control: no-cache on the request: the upstream is called every time."""
    text = unique("nocache")
    h1, _ = _ask(client, text, extra_headers={"Cache-Control": "no-cache"})
    h2, _ = _ask(client, text, extra_headers={"Cache-Control": "no-cache"})
    assert h2.get("x-routero-cache") != "hit"
    assert len(mock.calls_with(text)) == 2


def test_body_cache_no_cache_opts_out_and_is_stripped(client, mock):
    """LiteLLM-style body field cache: {no-cache: true} opts out and is not forwarded upstream."""
    text = unique("bodyopt")
    _ask(client, text)
    h, _ = _ask(client, text, extra_body={"cache": {"no-cache": True}})
    assert h.get("x-routero-cache") != "hit"
    calls = mock.calls_with(text)
    assert len(calls) == 2
    assert all("cache" not in c["body"] for c in calls), "the cache field must be stripped"


def _stream(client, text, model="mock-echo", **kw):
    raw = client.chat.completions.with_raw_response.create(
        model=model, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": text}], **kw)
    return raw.headers, list(raw.parse())


def _content(chunks):
    return {
        "ids": {c.id for c in chunks},
        "text": "".join(c.choices[0].delta.content or "" for c in chunks if c.choices),
        "calls": [(t.index, t.id, t.function.name, t.function.arguments)
                  for c in chunks if c.choices for t in (c.choices[0].delta.tool_calls or [])],
        "finish": [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason],
        "usage": [(c.usage.prompt_tokens, c.usage.completion_tokens) for c in chunks if c.usage],
    }


def test_a_streamed_answer_is_cached_and_replayed_as_a_stream(client, mock):
    """A stream is stored when it completes; the same request, streaming, replays it as SSE with the
    same id, text, finish and usage, without reaching the upstream."""
    text = unique("stream cached")
    h1, first = _stream(client, text)
    time.sleep(0.3)  # the entry is stored once the upstream closes, just after the client's [DONE]
    h2, second = _stream(client, text)
    assert h1.get("x-routero-cache") == "miss" and h2.get("x-routero-cache") == "hit"
    assert _content(second) == _content(first)
    assert len(_content(second)["ids"]) == 1 and _content(second)["usage"]
    assert len(mock.calls_with(text)) == 1
    # A whole-body request with the same parameters is served from the same entry.
    h3, whole = _ask(client, text)
    assert h3.get("x-routero-cache") == "hit" and whole.choices[0].message.content == f"echo: {text}"


def test_a_streamed_tool_call_replays_intact(client, mock):
    text = unique("stream tool in Paris")
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    _, first = _stream(client, text, model="mock-tool", tools=tools)
    time.sleep(0.3)
    h2, second = _stream(client, text, model="mock-tool", tools=tools)
    assert h2.get("x-routero-cache") == "hit"
    got, want = _content(second), _content(first)
    assert got["finish"] == want["finish"] == ["tool_calls"]
    # One fragment per call on replay; the concatenated arguments and ids are the same.
    def calls(c):
        merged = {}
        for index, cid, name, args in c["calls"]:
            entry = merged.setdefault(index, ["", "", ""])
            entry[0] += cid or ""
            entry[1] += name or ""
            entry[2] += args or ""
        return merged
    assert calls(got) == calls(want) and calls(got)
    assert len(mock.calls_with(text)) == 1


def test_a_client_that_leaves_at_done_still_fills_the_cache(client, mock):
    """The SDK closes the connection as soon as it reads [DONE]. Here the upstream keeps its
    response open 1.5 s after [DONE], so the gateway always sees the client leave before the
    upstream's end: the answer was delivered whole and is cached, not logged as abandoned."""
    text = unique("leaves at done")
    t0 = time.monotonic()
    _, first = _stream(client, text, model="mock-linger-1500")
    assert time.monotonic() - t0 < 1.2, "the SDK read to [DONE] and left without waiting for the end"
    time.sleep(0.5)
    h2, second = _stream(client, text, model="mock-linger-1500")
    assert h2.get("x-routero-cache") == "hit"
    assert _content(second)["text"] == _content(first)["text"] and _content(first)["text"]
    assert len(mock.calls_with(text)) == 1


def test_per_request_controls(client, mock):
    """LiteLLM's cache field: no-store keeps an answer out; ttl and namespace partition and expire;
    s-maxage refuses entries older than asked."""
    import time
    text = unique("controls")
    h, _ = _ask(client, text, extra_body={"cache": {"no-store": True}})
    assert h.get("x-routero-cache") == "bypass"
    h, _ = _ask(client, text)
    assert h.get("x-routero-cache") == "miss", "no-store kept the first answer out"
    h, _ = _ask(client, text, extra_body={"cache": {"namespace": "team-b"}})
    assert h.get("x-routero-cache") == "miss", "another namespace has its own entries"
    h, _ = _ask(client, text, extra_body={"cache": {"namespace": "team-b"}})
    assert h.get("x-routero-cache") == "hit"
    time.sleep(1.2)
    h, _ = _ask(client, text, extra_body={"cache": {"s-maxage": 0}})
    assert h.get("x-routero-cache") == "miss", "an entry older than s-maxage is not served"
    short = unique("ttl")
    _ask(client, short, extra_body={"cache": {"ttl": 1}})
    time.sleep(2.2)
    h, _ = _ask(client, short)
    assert h.get("x-routero-cache") == "miss", "the entry lived for its own ttl"
    assert all("cache" not in c["body"] for c in mock.calls_with(text))


def test_a_bad_control_is_a_400_naming_it(client):
    import openai
    import pytest
    with pytest.raises(openai.BadRequestError) as ei:
        _ask(client, unique("badttl"), extra_body={"cache": {"ttl": -1}})
    assert ei.value.response.json()["error"]["param"] == "cache.ttl"


def test_overhead_is_reported(client):
    h, _ = _ask(client, unique("overhead"), extra_headers={"Cache-Control": "no-cache"})
    overhead = float(h["x-routero-overhead-ms"])
    assert 0 <= overhead < 1000


def test_errors_are_not_cached(client, mock):
    """An upstream error is not stored: the next identical request goes upstream again."""
    import openai
    text = unique("errs")
    for _ in range(2):
        try:
            client.chat.completions.create(model="mock-500", messages=[{"role": "user", "content": text}])
        except openai.APIStatusError:
            pass
    # Each request tries the failing deployment twice (a 5xx is retried once, routing.num_retries),
    # and the second request goes upstream again: nothing was cached.
    assert len(mock.calls_with(text)) == 4
