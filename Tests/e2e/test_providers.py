"""Every OpenAI-compatible provider row answers through the gateway (LiteLLM-format config)."""
from __future__ import annotations

import pytest

from conftest import KEYLESS_PROVIDERS, PROVIDERS
from helpers import MOCK_KEY, unique

# Model ids a provider row rewrites on the wire (LiteLLM does the same).
EXPECTED_WIRE_MODEL = {"fireworks_ai": "accounts/fireworks/models/mock-echo"}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_provider_row(provider_stack, mock, provider):
    """`<provider>/mock-echo` with api_base http://mock/<provider>/v1: the gateway answers, the
    upstream saw POST /<provider>/v1/chat/completions with the model id after the prefix (plus
    fireworks' accounts/fireworks/models/ namespace) and a
    bearer key (no auth header at all for keyless providers)."""
    text = unique(provider)
    c = provider_stack.client()
    r = c.chat.completions.create(model=f"p-{provider}", messages=[{"role": "user", "content": text}])
    assert r.choices[0].message.content == "echo: " + text
    calls = mock.calls_with(text)
    assert len(calls) == 1
    call = calls[0]
    assert call["path"] == f"/{provider}/v1/chat/completions"
    assert call["body"]["model"] == EXPECTED_WIRE_MODEL.get(provider, "mock-echo")
    if provider in KEYLESS_PROVIDERS:
        assert "authorization" not in call["headers"], call["headers"]
    else:
        assert call["headers"].get("authorization") == f"Bearer {MOCK_KEY}"


def test_provider_stream(provider_stack):
    """Streaming through a non-OpenAI provider row (groq) works like OpenAI's."""
    text = unique("pstream")
    chunks = list(provider_stack.client().chat.completions.create(
        model="p-groq", messages=[{"role": "user", "content": text}], stream=True))
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == "echo: " + text
