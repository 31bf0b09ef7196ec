"""The translation matrix: every inbound wire format x every outbound family x
{text, stream, tools, stream+tools, image}, through nginx, with the official SDKs as clients.

Inbound: the ``openai`` SDK (/v1/chat/completions), ``openai.AzureOpenAI`` (/openai/deployments/...),
the ``anthropic`` SDK (/v1/messages) and ``google-genai`` (/v1beta/models/{m}:generateContent).
Outbound (conftest.FAMILIES): OpenAI-compatible, Anthropic, Gemini API, Vertex AI Gemini, Vertex AI
Claude and Azure OpenAI, all strict mocks (mock_openai.py). Each case is normalised to
(text, tool calls, finish) so one expectation covers every pair. No pair is inexpressible for these
five cases; the few requests a family cannot express are in test_translation.py, answered with a 400.
"""
from __future__ import annotations

import json
import struct
import zlib

import pytest

from conftest import FAMILIES
from helpers import MASTER_KEY

INBOUND = ["openai", "azure", "anthropic", "gemini"]
CASES = ["text", "stream", "tools", "stream_tools", "image"]
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def tiny_png() -> bytes:
    """A valid 1x1 PNG (the Anthropic mock checks image bytes against their media type)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG = tiny_png()


def behaviour(case: str) -> str:
    return {"tools": "tool", "stream_tools": "tools2"}.get(case, "echo")


def expected(case: str) -> tuple[str, list, str]:
    if case == "tools":
        return "", [("get_weather", {"city": "Paris"})], "tool"
    if case == "stream_tools":
        return "", [("get_weather", {"city": "A"}), ("get_weather", {"city": "B"})], "tool"
    if case == "image":
        return f"echo: Paris [image image/png {len(PNG)}]", [], "stop"
    return "echo: Paris", [], "stop"


# --------------------------------------------------------------------------- OpenAI-shaped clients

def openai_messages(case: str) -> list:
    if case == "image":
        import base64
        url = "data:image/png;base64," + base64.b64encode(PNG).decode()
        return [{"role": "user", "content": [{"type": "text", "text": "Paris"},
                                             {"type": "image_url", "image_url": {"url": url}}]}]
    return [{"role": "user", "content": "Paris"}]


def run_openai(client, model: str, case: str):
    kw = {"model": model, "messages": openai_messages(case), "max_tokens": 200}
    if case in ("tools", "stream_tools"):
        kw["tools"] = [{"type": "function", "function": {"name": "get_weather", "description": "Current weather",
                                                         "parameters": WEATHER_SCHEMA}}]
    if case not in ("stream", "stream_tools"):
        r = client.chat.completions.create(**kw)
        m = r.choices[0].message
        calls = [(c.function.name, json.loads(c.function.arguments)) for c in m.tool_calls or []]
        return m.content or "", calls, norm_finish(r.choices[0].finish_reason)
    text, calls, finishes, roles = "", {}, [], 0
    for chunk in client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **kw):
        if not chunk.choices:
            continue
        d = chunk.choices[0].delta
        roles += 1 if d.role else 0
        text += d.content or ""
        for tc in d.tool_calls or []:
            entry = calls.setdefault(tc.index, {"name": "", "args": ""})
            entry["name"] += tc.function.name or "" if tc.function else ""
            entry["args"] += tc.function.arguments or "" if tc.function else ""
        if chunk.choices[0].finish_reason:
            finishes.append(chunk.choices[0].finish_reason)
    assert roles == 1 and len(finishes) == 1, (roles, finishes)
    return text, [(c["name"], json.loads(c["args"])) for _, c in sorted(calls.items())], norm_finish(finishes[0])


def norm_finish(reason) -> str:
    reason = getattr(reason, "name", reason)
    return {"tool_calls": "tool", "tool_use": "tool", "end_turn": "stop", "STOP": "stop", "stop": "stop"}.get(
        str(reason), str(reason))


# --------------------------------------------------------------------------- Anthropic client

def run_anthropic(client, model: str, case: str):
    import base64
    content = [{"type": "text", "text": "Paris"}]
    if case == "image":
        content.append({"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                    "data": base64.b64encode(PNG).decode()}})
    kw = {"model": model, "max_tokens": 200, "messages": [{"role": "user", "content": content}]}
    if case in ("tools", "stream_tools"):
        kw["tools"] = [{"name": "get_weather", "description": "Current weather", "input_schema": WEATHER_SCHEMA}]
    if case in ("stream", "stream_tools"):
        types = []
        with client.messages.stream(**kw) as s:
            for event in s:
                types.append(event.type)
            message = s.get_final_message()
        assert types.count("message_start") == 1 and types.count("message_stop") == 1, types
        assert types.count("message_delta") == 1, types
    else:
        message = client.messages.create(**kw)
    text = "".join(b.text for b in message.content if b.type == "text")
    calls = [(b.name, b.input) for b in message.content if b.type == "tool_use"]
    assert message.usage.output_tokens > 0
    return text, calls, norm_finish(message.stop_reason)


# --------------------------------------------------------------------------- Gemini client

def run_gemini(client, model: str, case: str):
    from google.genai import types
    parts = [types.Part(text="Paris")]
    if case == "image":
        parts.append(types.Part.from_bytes(data=PNG, mime_type="image/png"))
    config = None
    if case in ("tools", "stream_tools"):
        config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[types.FunctionDeclaration(
            name="get_weather", description="Current weather", parameters_json_schema=WEATHER_SCHEMA)])])
    contents = [types.Content(role="user", parts=parts)]
    responses = ([client.models.generate_content(model=model, contents=contents, config=config)]
                 if case not in ("stream", "stream_tools")
                 else list(client.models.generate_content_stream(model=model, contents=contents, config=config)))
    text, calls, finish = "", [], None
    for r in responses:
        for cand in r.candidates or []:
            for part in (cand.content.parts if cand.content else None) or []:
                if part.text and not part.thought:
                    text += part.text
                if part.function_call:
                    calls.append((part.function_call.name, dict(part.function_call.args)))
            if cand.finish_reason:
                finish = cand.finish_reason
    assert responses[-1].usage_metadata and responses[-1].usage_metadata.total_token_count
    got = norm_finish(finish)
    # Gemini says STOP after function calls; the calls are what tells a client to act.
    return text, calls, "tool" if calls and got == "stop" else got


# --------------------------------------------------------------------------- clients

@pytest.fixture(scope="module")
def clients(family_stack):
    import anthropic
    import openai
    from google import genai
    from google.genai import types
    base = family_stack.base_url
    return {
        "openai": openai.OpenAI(base_url=base + "/v1", api_key=MASTER_KEY, max_retries=0, timeout=30),
        "azure": openai.AzureOpenAI(azure_endpoint=base, api_key=MASTER_KEY, api_version="2024-10-21",
                                    max_retries=0, timeout=30),
        "anthropic": anthropic.Anthropic(base_url=base, api_key=MASTER_KEY, max_retries=0, timeout=30),
        "gemini": genai.Client(api_key=MASTER_KEY, http_options=types.HttpOptions(
            base_url=base, api_version="v1beta", timeout=30_000)),
    }


RUNNERS = {"openai": run_openai, "azure": run_openai, "anthropic": run_anthropic, "gemini": run_gemini}
# The mock's name for the API each outbound family must reach (its call records say which was hit).
MOCK_FAMILY = {"openai": "openai", "anthropic": "anthropic", "gemini": "gemini", "vertex": "vertex-gemini",
               "vclaude": "vertex-anthropic", "azure": "azure"}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("outbound", FAMILIES)
@pytest.mark.parametrize("inbound", INBOUND)
def test_matrix(clients, mock, inbound, outbound, case):
    seen = len(mock.calls())
    got = RUNNERS[inbound](clients[inbound], f"{outbound}-{behaviour(case)}", case)
    assert got == expected(case)
    upstream = [c for c in mock.calls()[seen:] if c.get("family") not in ("google-token", "entra-token")]
    assert [c["family"] for c in upstream] == [MOCK_FAMILY[outbound]]
    assert upstream[0]["status"] == 200 and upstream[0]["stream"] == (case in ("stream", "stream_tools"))
