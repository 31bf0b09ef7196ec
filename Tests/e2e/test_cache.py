"""The shared response cache (Redis): across requests, workers and gateway hosts."""
from __future__ import annotations

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


def test_streaming_is_not_cached(client, mock):
    """Streaming requests always go upstream."""
    text = unique("stream")
    for _ in range(2):
        list(client.chat.completions.create(model="mock-echo", stream=True,
                                            messages=[{"role": "user", "content": text}]))
    assert len(mock.calls_with(text)) == 2


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
