"""Self-test of the mock upstream, straight through the openai SDK (no gateway involved).
If these fail, gateway test failures mean nothing."""
from __future__ import annotations

import json
import socket
import time

import openai
import pytest

from helpers import MOCK_KEY, chat_body, poll, unique
from mock_openai import answer_text, split_pieces


@pytest.fixture
def direct(mock):
    return openai.OpenAI(base_url=mock.base + "/v1", api_key=MOCK_KEY, max_retries=0)


def test_mock_echo_and_usage(direct):
    """Non-stream answer is the deterministic echo; usage counts words."""
    r = direct.chat.completions.create(model="mock-echo", messages=[{"role": "user", "content": "a b c"}])
    assert r.choices[0].message.content == "echo: a b c"
    assert (r.usage.prompt_tokens, r.usage.completion_tokens) == (3, 4)


def test_mock_stream_shape(direct):
    """Stream: role chunk, 3-char deltas, finish chunk, usage chunk with choices=[]."""
    text = "héllo 日本語 🎉"
    chunks = list(direct.chat.completions.create(model="mock-echo", stream=True,
                                                 messages=[{"role": "user", "content": text}],
                                                 stream_options={"include_usage": True}))
    deltas = [ch.choices[0].delta.content for ch in chunks if ch.choices]
    assert deltas[0] == "" and chunks[0].choices[0].delta.role == "assistant"
    assert [d for d in deltas[1:] if d] == split_pieces(answer_text(chat_body("x", text)))
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0


def test_mock_auth_and_validation(mock, direct):
    """Strict like api.openai.com: wrong key 401 invalid_api_key, empty messages 400."""
    bad = openai.OpenAI(base_url=mock.base + "/v1", api_key="sk-nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as ei:
        bad.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert ei.value.code == "invalid_api_key"
    with pytest.raises(openai.BadRequestError) as ei:
        direct.chat.completions.create(model="m", messages=[])
    assert ei.value.param == "messages"


def test_mock_faults(direct):
    """Fault models: 429 with retry-after 7, 500, 503."""
    with pytest.raises(openai.RateLimitError) as ei:
        direct.chat.completions.create(model="mock-429", messages=[{"role": "user", "content": "x"}])
    assert ei.value.response.headers["retry-after"] == "7"
    for model, status in (("mock-500", 500), ("mock-503", 503)):
        with pytest.raises(openai.APIStatusError) as ei:
            direct.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}])
        assert ei.value.status_code == status


def test_mock_cut_drops_connection(direct):
    """mock-cut-3 sends 3 content deltas and then drops the connection (no [DONE])."""
    got = []
    with pytest.raises(openai.APIConnectionError):
        for ch in direct.chat.completions.create(model="mock-cut-3", stream=True,
                                                 messages=[{"role": "user", "content": "abcdefghijkl"}]):
            got.append(ch.choices[0].delta.content)
    assert got[1:] == split_pieces("echo: abcdefghijkl")[:3]


def test_mock_records_disconnect(mock):
    """The mock notices a client that leaves a stream early (what the gateway tests rely on)."""
    text = unique("mdisc")
    body = json.dumps(chat_body("mock-long-50", text, stream=True)).encode()
    s = socket.create_connection(("127.0.0.1", mock.port))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Authorization: Bearer " + MOCK_KEY.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    buf = b""
    while buf.count(b"data: ") < 2:
        buf += s.recv(4096)
    left = time.time()
    s.close()
    call = poll(lambda: next((c for c in mock.calls_with(text) if c["ended_at"]), None), timeout=3)
    assert call and call["client_disconnected"] and call["ended_at"] - left < 0.5
