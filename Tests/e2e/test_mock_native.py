"""Self-test of the native-API mocks (Anthropic, Claude on Vertex, Gemini, Vertex Gemini, Azure
OpenAI, Google OAuth), straight through the OFFICIAL SDKs pointed at the mock (no gateway).
If the SDKs cannot talk to the mocks, or the mocks accept what the real services reject,
gateway translation tests against them mean nothing."""
from __future__ import annotations

import base64
import http.client
import json
import subprocess
import sys

import anthropic
import openai
import pytest
from google import genai
from google.auth.transport.requests import Request as GoogleRequest
from google.genai import errors as genai_errors
from google.genai import types as gt
from google.oauth2 import service_account

import google_sa
import mock_anthropic
import mock_gemini
from helpers import E2E, MOCK_KEY, free_port, unique
from mock_core import split_pieces

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJ"
                       "RU5ErkJggg==")  # a 1x1 PNG
PNG_B64 = base64.b64encode(PNG).decode()
WEATHER = {"name": "get_weather", "description": "Current weather",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


# ---------------------------------------------------------------------------------------------
# helpers and fixtures
# ---------------------------------------------------------------------------------------------

def post(port: int, path: str, body, headers: dict | None = None):
    """Raw POST (the SDKs refuse to send many of the invalid requests); returns (status, headers, json)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.request("POST", path, data, {"Content-Type": "application/json", **(headers or {})})
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return r.status, {k.lower(): v for k, v in r.getheaders()}, parsed


ANTHROPIC_HEADERS = {"x-api-key": MOCK_KEY, "anthropic-version": "2023-06-01"}


def anthropic_body(text="hello", **extra) -> dict:
    return {"model": "mock-echo", "max_tokens": 100, "messages": [{"role": "user", "content": text}], **extra}


@pytest.fixture(scope="module")
def claude(mock):
    return anthropic.Anthropic(base_url=mock.base, api_key=MOCK_KEY, max_retries=0)


@pytest.fixture(scope="module")
def gemini(mock):
    return genai.Client(api_key=MOCK_KEY, http_options=gt.HttpOptions(base_url=mock.base))


@pytest.fixture(scope="module")
def azure(mock):
    return openai.AzureOpenAI(azure_endpoint=mock.base, api_key=MOCK_KEY, api_version="2024-10-21", max_retries=0)


@pytest.fixture(scope="module")
def sa(mock, tmp_path_factory):
    """A throwaway service account whose token_uri is the mock, registered with the mock."""
    account = google_sa.make_service_account(tmp_path_factory.mktemp("sa"), mock.base + "/token")
    google_sa.register(mock.base, account)
    return account


@pytest.fixture(scope="module")
def creds(sa):
    c = service_account.Credentials.from_service_account_file(str(sa.path), scopes=[google_sa.CLOUD_PLATFORM])
    c.refresh(GoogleRequest())
    return c


def vertex_path(publisher: str, model: str, verb: str) -> str:
    return f"/v1/projects/p/locations/us-east5/publishers/{publisher}/models/{model}:{verb}"


# ---------------------------------------------------------------------------------------------
# Anthropic Messages
# ---------------------------------------------------------------------------------------------

def test_anthropic_text_usage_and_request_id(claude):
    r = claude.messages.create(model="mock-echo-20250514", max_tokens=100, system="be terse",
                               messages=[{"role": "user", "content": "hello world"}])
    assert [b.type for b in r.content] == ["text"] and r.content[0].text == "echo: hello world"
    assert (r.stop_reason, r.usage.input_tokens, r.usage.output_tokens) == ("end_turn", 4, 3)
    assert r.model == "mock-echo-20250514" and r.id.startswith("msg_") and r._request_id.startswith("req_")


def test_anthropic_tool_round_trip_carries_images(claude):
    """mock-tool calls the first tool with the user text; a tool_result (with an image inside)
    comes back as "tool said: ..." with the image's mime and size."""
    r = claude.messages.create(model="mock-tool", max_tokens=100, tools=[WEATHER],
                               messages=[{"role": "user", "content": "Paris"}])
    [call] = r.content
    assert (r.stop_reason, call.type, call.name, call.input) == ("tool_use", "tool_use", "get_weather",
                                                                 {"city": "Paris"})
    messages = [{"role": "user", "content": "Paris"},
                {"role": "assistant", "content": [call.model_dump(exclude_none=True)]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": [
                    {"type": "text", "text": "18C"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}}]},
                    {"type": "text", "text": "and?"}]}]
    r2 = claude.messages.create(model="mock-tool", max_tokens=100, tools=[WEATHER], messages=messages)
    assert r2.content[0].text == f"tool said: 18C [image image/png {len(PNG)}] / user said: and?"
    assert r2.content[0].text == mock_anthropic.answer_text({"model": "mock-tool", "messages": messages})
    r3 = claude.messages.create(model="mock-echo", max_tokens=100, messages=[{"role": "user", "content": [
        {"type": "text", "text": "look"},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}}]}])
    assert r3.content[0].text == "echo: look [image https://example.com/cat.jpg]"


def test_anthropic_thinking_signature_round_trip(claude):
    thinking = {"type": "enabled", "budget_tokens": 1024}
    first = [{"role": "user", "content": "Oslo"}]
    r = claude.messages.create(model="mock-think-tool", max_tokens=2048, thinking=thinking, tools=[WEATHER],
                               messages=first)
    assert [b.type for b in r.content] == ["thinking", "tool_use"]
    assert r.content[0].thinking == "Let me think about: Oslo" and r.content[0].signature
    replay = [b.model_dump(exclude_none=True) for b in r.content]
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": r.content[1].id, "content": "9C"}]}
    ok = claude.messages.create(model="mock-think-tool", max_tokens=2048, thinking=thinking, tools=[WEATHER],
                                messages=first + [{"role": "assistant", "content": replay}, result])
    assert ok.content[-1].text == "tool said: 9C"
    tampered = [dict(replay[0], thinking=replay[0]["thinking"] + " "), replay[1]]
    with pytest.raises(anthropic.BadRequestError) as ei:
        claude.messages.create(model="mock-think-tool", max_tokens=2048, thinking=thinking, tools=[WEATHER],
                               messages=first + [{"role": "assistant", "content": tampered}, result])
    assert ei.value.body["error"]["message"] == "messages.1.content.0: Invalid `signature` in `thinking` block"
    with pytest.raises(anthropic.BadRequestError) as ei:  # the gateway dropped the thinking block
        claude.messages.create(model="mock-think-tool", max_tokens=2048, thinking=thinking, tools=[WEATHER],
                               messages=first + [{"role": "assistant", "content": replay[1:]}, result])
    assert "Expected `thinking` or `redacted_thinking`, but found `tool_use`" in ei.value.body["error"]["message"]


def test_anthropic_stream_with_tools_accumulates(claude, mock):
    """The SDK's accumulated message from a stream equals what the stream events announced."""
    text = "Lima redact"
    with claude.messages.stream(model="mock-think-tools2", max_tokens=100, tools=[WEATHER],
                                messages=[{"role": "user", "content": text}]) as s:
        events = list(s)
        final = s.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "redacted_thinking", "tool_use", "tool_use"]
    assert [b.input for b in final.content[2:]] == [{"city": "A"}, {"city": "B"}]
    assert final.content[1].data == mock_anthropic.REDACTED_DATA and final.stop_reason == "tool_use"
    raw = [e for e in events if e.type in ("content_block_start", "content_block_delta", "content_block_stop")]
    assert sorted({e.index for e in raw}) == [0, 1, 2, 3]
    json_deltas = [e.delta.partial_json for e in raw if e.type == "content_block_delta"
                   and e.delta.type == "input_json_delta"]
    assert json_deltas[0] == "" and len(json_deltas) > 4
    body = {"model": "mock-think-tools2", "max_tokens": 100, "tools": [WEATHER],
            "messages": [{"role": "user", "content": text}]}
    assert final.usage.output_tokens == mock_anthropic.plan_for(body).output_words()
    assert final.usage.input_tokens == mock_anthropic.input_tokens(body) == 3
    [call] = [c for c in mock.calls() if c["family"] == "anthropic" and text in json.dumps(c["body"])]
    assert call["stream"] and call["status"] == 200


def test_anthropic_raw_stream_sequence(mock):
    """Exact event order: message_start, block start, ping, 3-char text deltas, stop, message_delta, message_stop."""
    conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=10)
    conn.request("POST", "/v1/messages", json.dumps(anthropic_body("héllo", stream=True)),
                 {"Content-Type": "application/json", **ANTHROPIC_HEADERS})
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("content-type").startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in r.read().decode().splitlines() if line.startswith("data: ")]
    names = [e["type"] for e in events]
    assert names == ["message_start", "content_block_start", "ping"] + ["content_block_delta"] * 4 + [
        "content_block_stop", "message_delta", "message_stop"]
    assert "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta") == "echo: héllo"
    assert [e["delta"]["text"] for e in events if e["type"] == "content_block_delta"] == split_pieces("echo: héllo")
    assert events[-2]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert events[-2]["usage"]["output_tokens"] == 2 and events[0]["message"]["usage"]["input_tokens"] == 1


def test_anthropic_stop_sequence_max_tokens_and_prefill(claude):
    r = claude.messages.create(model="mock-echo", max_tokens=100, stop_sequences=["wor"],
                               messages=[{"role": "user", "content": "hello world"}])
    assert (r.content[0].text, r.stop_reason, r.stop_sequence) == ("echo: hello ", "stop_sequence", "wor")
    r = claude.messages.create(model="mock-echo", max_tokens=2, messages=[{"role": "user", "content": "a b c d"}])
    assert (r.content[0].text, r.stop_reason) == ("echo: a", "max_tokens")
    r = claude.messages.create(model="mock-echo", max_tokens=100, messages=[
        {"role": "user", "content": "hello world"}, {"role": "assistant", "content": "echo: hel"}])
    assert r.content[0].text == "lo world"
    r = claude.messages.create(model="mock-json", max_tokens=100, messages=[{"role": "user", "content": "x y"}])
    assert json.loads(r.content[0].text) == {"echo": "x y"}


def test_anthropic_count_tokens_matches_usage(claude):
    kw = dict(model="mock-echo", system=[{"type": "text", "text": "one two"}], tools=[WEATHER],
              messages=[{"role": "user", "content": "three four five"}])
    n = claude.messages.count_tokens(**kw).input_tokens
    assert n == 6 == claude.messages.create(max_tokens=50, **kw).usage.input_tokens


@pytest.mark.parametrize("body, message", [
    ({"model": "mock-echo", "messages": [{"role": "user", "content": "x"}]}, "max_tokens: Field required"),
    (anthropic_body(temperature2=1), "temperature2: Extra inputs are not permitted"),
    (anthropic_body(temperature=1.5), "temperature: Input should be less than or equal to 1"),
    ({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
     'roles must alternate between "user" and "assistant", but found multiple "user" roles in a row'),
    ({"model": "m", "max_tokens": 9, "messages": [{"role": "assistant", "content": "a"}]},
     'first message must use the "user" role'),
    ({"model": "m", "max_tokens": 9, "messages": [{"role": "system", "content": "a"}]},
     "messages.0.role: Input should be 'user' or 'assistant'"),
    ({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]},
     "text content blocks must be non-empty"),
    ({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": PNG_B64}}]}]},
     "specified using the image/jpeg media type, but the image appears to be a image/png image"),
    ({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_1", "name": "w", "input": {}}]}, {"role": "user", "content": "b"}]},
     "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1"),
    ({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_x", "content": "r"}]}]}, "unexpected `tool_use_id`"),
    ({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": [
        {"type": "tool_use", "id": "call.1", "name": "w", "input": {}}]}]},
     "tool_use.id: String should match pattern"),
    (anthropic_body(thinking={"type": "enabled", "budget_tokens": 500}),
     "budget_tokens: Input should be greater than or equal to 1024"),
    (anthropic_body(max_tokens=1024, thinking={"type": "enabled", "budget_tokens": 1024}),
     "`max_tokens` must be greater than `thinking.budget_tokens`"),
    (anthropic_body(max_tokens=4000, thinking={"type": "enabled", "budget_tokens": 1024}, tools=[WEATHER],
                    tool_choice={"type": "any"}), "Thinking may not be enabled when tool_choice forces tool use."),
    (anthropic_body(tools=[WEATHER, WEATHER]), "tools: Tool names must be unique."),
])
def test_anthropic_rejects_like_the_api(mock, body, message):
    status, headers, err = post(mock.port, "/v1/messages", body, ANTHROPIC_HEADERS)
    assert status == 400, err
    assert err["type"] == "error" and err["error"]["type"] == "invalid_request_error"
    assert message in err["error"]["message"]
    assert err["request_id"] == headers["request-id"]


def test_anthropic_auth_version_and_faults(mock, claude):
    status, _, err = post(mock.port, "/v1/messages", anthropic_body(), {"x-api-key": MOCK_KEY})
    assert (status, err["error"]["message"]) == (400, "anthropic-version: header is required")
    bad = anthropic.Anthropic(base_url=mock.base, api_key="sk-ant-nope", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        bad.messages.create(model="mock-echo", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    with pytest.raises(anthropic.RateLimitError) as ei:
        claude.messages.create(model="mock-429", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert ei.value.response.headers["retry-after"] == "7" and ei.value.body["error"]["type"] == "rate_limit_error"
    with pytest.raises(anthropic.OverloadedError):
        claude.messages.create(model="mock-529", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    got = []
    with pytest.raises(anthropic.APIStatusError) as ei:  # event: error after HTTP 200
        for ev in claude.messages.create(model="mock-overload-mid", stream=True, max_tokens=50,
                                         messages=[{"role": "user", "content": "abcdefghij"}]):
            got.append(ev.type)
    assert ei.value.body["error"]["type"] == "overloaded_error" and got.count("content_block_delta") == 2
    got = []
    with pytest.raises(Exception) as ei:  # mock-cut-3: no message_stop, no final chunk
        for ev in claude.messages.create(model="mock-cut-3", stream=True, max_tokens=50,
                                         messages=[{"role": "user", "content": "abcdefghijkl"}]):
            got.append(ev)
    assert type(ei.value).__name__ in ("RemoteProtocolError", "APIConnectionError")
    assert [e.delta.text for e in got if e.type == "content_block_delta"] == split_pieces("echo: abcdefghijkl")[:3]


# ---------------------------------------------------------------------------------------------
# Claude on Vertex AI
# ---------------------------------------------------------------------------------------------

def test_vertex_claude_sdk(mock, creds):
    client = anthropic.AnthropicVertex(region="us-east5", project_id="p", access_token=creds.token,
                                       base_url=mock.base + "/v1", max_retries=0)
    r = client.messages.create(model="mock-echo@20250101", max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert (r.content[0].text, r.model) == ("echo: hi", "mock-echo@20250101")
    with client.messages.stream(model="mock-tool", max_tokens=50, tools=[WEATHER],
                                messages=[{"role": "user", "content": "Oslo"}]) as s:
        assert s.get_final_message().content[0].input == {"city": "Oslo"}
    counted = client.messages.count_tokens(model="mock-echo", messages=[{"role": "user", "content": "a b"}])
    assert counted.input_tokens == 2
    paths = [c["path"] for c in mock.calls() if c["family"] == "vertex-anthropic"]
    assert vertex_path("anthropic", "mock-echo@20250101", "rawPredict") in paths
    assert vertex_path("anthropic", "mock-tool", "streamRawPredict") in paths
    assert vertex_path("anthropic", "count-tokens", "rawPredict") in paths


def test_vertex_claude_rules(mock, creds):
    auth = {"Authorization": f"Bearer {creds.token}"}
    path = vertex_path("anthropic", "mock-echo", "rawPredict")
    ok = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 9, "messages": [{"role": "user", "content": "v"}]}
    assert post(mock.port, path, ok, auth)[2]["content"][0]["text"] == "echo: v"
    status, _, err = post(mock.port, path, dict(ok, model="mock-echo"), auth)
    assert (status, err["error"]["message"]) == (400, "model: Extra inputs are not permitted")
    status, _, err = post(mock.port, path, {k: v for k, v in ok.items() if k != "anthropic_version"}, auth)
    assert (status, err["error"]["message"]) == (400, "anthropic_version: Field required")
    status, _, err = post(mock.port, path, dict(ok, stream=True), auth)
    assert status == 400 and "rawPredict" in err["error"]["message"]
    status, headers, err = post(mock.port, path, ok)
    assert status == 401 and err["error"]["status"] == "UNAUTHENTICATED"
    assert err["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING" and "www-authenticate" in headers
    status, _, err = post(mock.port, path, ok, {"Authorization": "Bearer ya29.forged"})
    assert status == 401 and err["error"]["details"][0]["reason"] == "ACCESS_TOKEN_TYPE_UNSUPPORTED"
    status, _, err = post(mock.port, vertex_path("anthropic", "mock-429", "rawPredict"), ok, auth)
    assert (status, err["error"]["status"]) == (429, "RESOURCE_EXHAUSTED")


# ---------------------------------------------------------------------------------------------
# Gemini API
# ---------------------------------------------------------------------------------------------

WEATHER_FN = gt.FunctionDeclaration(name="get_weather", description="Current weather", parameters=gt.Schema(
    type="OBJECT", properties={"city": gt.Schema(type="STRING")}, required=["city"]))
TOOL_CFG = gt.GenerateContentConfig(tools=[gt.Tool(function_declarations=[WEATHER_FN])],
                                    thinking_config=gt.ThinkingConfig(include_thoughts=True))


def test_gemini_generate_stream_and_count(gemini, mock):
    r = gemini.models.generate_content(model="mock-echo", contents="hello world",
                                       config=gt.GenerateContentConfig(system_instruction="be terse"))
    u = r.usage_metadata
    assert (r.text, u.prompt_token_count, u.candidates_token_count, u.total_token_count) == \
        ("echo: hello world", 4, 3, 7)
    assert r.candidates[0].finish_reason == gt.FinishReason.STOP and r.model_version == "mock-echo"
    chunks = list(gemini.models.generate_content_stream(model="mock-echo", contents="héllo wörld"))
    assert [c.text for c in chunks] == split_pieces("echo: héllo wörld")
    assert all(c.usage_metadata.prompt_token_count == 2 and c.response_id == chunks[0].response_id for c in chunks)
    assert chunks[-1].candidates[0].finish_reason == gt.FinishReason.STOP
    assert chunks[-1].usage_metadata.total_token_count == 5
    assert gemini.models.count_tokens(model="mock-echo", contents="a b c").total_tokens == 3
    beta = genai.Client(api_key=MOCK_KEY, http_options=gt.HttpOptions(base_url=mock.base, api_version="v1beta"))
    assert beta.models.generate_content(model="mock-echo", contents="b").text == "echo: b"
    targets = [c["target"] for c in mock.calls() if c["family"] == "gemini"]
    assert "/v1/models/mock-echo:streamGenerateContent?alt=sse" in targets
    assert "/v1beta/models/mock-echo:generateContent" in targets


def test_gemini_function_calling_round_trip(gemini):
    r = gemini.models.generate_content(model="mock-think-tool", contents="Paris", config=TOOL_CFG)
    parts = r.candidates[0].content.parts
    assert parts[0].thought and parts[0].text == "Let me think about: Paris"
    [fc] = r.function_calls
    assert (fc.name, fc.args, fc.id[:5]) == ("get_weather", {"city": "Paris"}, "call_")
    assert parts[1].thought_signature and r.candidates[0].finish_reason == gt.FinishReason.STOP
    user = gt.Content(role="user", parts=[gt.Part(text="Paris")])
    answer = gt.Content(role="user", parts=[gt.Part(function_response=gt.FunctionResponse(
        id=fc.id, name=fc.name, response={"output": "18C"}))])
    r2 = gemini.models.generate_content(model="mock-think-tool", contents=[user, r.candidates[0].content, answer],
                                        config=TOOL_CFG)
    assert r2.text == "tool said: 18C"
    unsigned = r.candidates[0].content.model_copy(deep=True)
    unsigned.parts[1].thought_signature = None
    with pytest.raises(genai_errors.ClientError) as ei:
        gemini.models.generate_content(model="mock-think-tool", contents=[user, unsigned, answer], config=TOOL_CFG)
    assert ei.value.code == 400 and ei.value.message.startswith(
        "Function call is missing a thought_signature in functionCall parts.")
    forged = r.candidates[0].content.model_copy(deep=True)
    forged.parts[1].function_call.args = {"city": "Rome"}
    with pytest.raises(genai_errors.ClientError) as ei:
        gemini.models.generate_content(model="mock-think-tool", contents=[user, forged, answer], config=TOOL_CFG)
    assert ei.value.message == "Corrupted thought signature."


def test_gemini_parallel_calls_without_ids(gemini):
    r = gemini.models.generate_content(model="mock-tools2-noid", contents="x", config=TOOL_CFG)
    assert [(c.id, c.args) for c in r.function_calls] == [(None, {"city": "A"}), (None, {"city": "B"})]
    user = gt.Content(role="user", parts=[gt.Part(text="x")])
    answers = [gt.Part(function_response=gt.FunctionResponse(name="get_weather", response={"output": t}))
               for t in ("1C", "2C")]
    r2 = gemini.models.generate_content(model="mock-tools2-noid", config=TOOL_CFG, contents=[
        user, r.candidates[0].content, gt.Content(role="user", parts=answers)])
    assert r2.text == "tool said: 1C | 2C"
    with pytest.raises(genai_errors.ClientError) as ei:
        gemini.models.generate_content(model="mock-tools2-noid", config=TOOL_CFG, contents=[
            user, r.candidates[0].content, gt.Content(role="user", parts=answers[:1])])
    assert "number of function response parts is equal to the number of function call parts" in ei.value.message


def test_gemini_media_json_safety_and_limits(gemini):
    r = gemini.models.generate_content(model="mock-echo", contents=[
        "look", gt.Part.from_bytes(data=PNG, mime_type="image/png"),
        gt.Part.from_uri(file_uri="gs://bucket/cat.jpg", mime_type="image/jpeg")])
    assert r.text == f"echo: look [image image/png {len(PNG)}] [image gs://bucket/cat.jpg]"
    r = gemini.models.generate_content(model="mock-echo", contents="a b", config=gt.GenerateContentConfig(
        response_mime_type="application/json",
        response_schema=gt.Schema(type="OBJECT", properties={"echo": gt.Schema(type="STRING")})))
    assert r.parsed == {"echo": "a b"}
    r = gemini.models.generate_content(model="mock-echo", contents="a b c d",
                                       config=gt.GenerateContentConfig(max_output_tokens=2))
    assert (r.text, r.candidates[0].finish_reason) == ("echo: a", gt.FinishReason.MAX_TOKENS)
    r = gemini.models.generate_content(model="mock-filter", contents="x")
    assert r.candidates[0].finish_reason == gt.FinishReason.SAFETY and r.candidates[0].content is None
    r = gemini.models.generate_content(model="mock-echo", contents="please blockme")
    assert not r.candidates and r.prompt_feedback.block_reason == gt.BlockedReason.SAFETY


def gemini_path(model: str, verb: str = "generateContent") -> str:
    return f"/v1beta/models/{model}:{verb}"


USER = {"role": "user", "parts": [{"text": "hi"}]}


@pytest.mark.parametrize("body, message", [
    ({"contents": [USER], "foo": 1}, 'Invalid JSON payload received. Unknown name "foo": Cannot find field.'),
    ({"contents": [USER], "generationConfig": {"foo": 1}},
     "Invalid JSON payload received. Unknown name \"foo\" at 'generation_config': Cannot find field."),
    ({"contents": [USER], "tools": [{"functionDeclarations": [{"name": "w", "parameters": {
        "type": "object", "properties": {"c": {"type": "string"}}, "additionalProperties": False}}]}]},
     "Unknown name \"additionalProperties\" at 'tools[0].function_declarations[0].parameters'"),
    ({"contents": [USER], "tools": [{"functionDeclarations": [{"name": "w", "parameters": {
        "type": "object", "properties": {}}}]}]}, "should be non-empty for OBJECT type"),
    ({"contents": [USER], "labels": {"a": "b"}}, 'Unknown name "labels"'),
    ({"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}, "Please use a valid role: user, model."),
    ({"contents": [{"role": "user", "parts": []}]}, "contents.parts must not be empty."),
    ({"contents": []}, "contents is not specified"),
    ({"contents": [{"role": "user", "parts": [{"text": "a", "inlineData": {"mimeType": "image/png",
                                                                           "data": "AA=="}}]}]},
     "Oneof field 'data' is already set. Cannot set 'inlineData'"),
    ({"contents": [{"role": "user", "parts": [{"thought": True}]}]}, "required oneof field 'data'"),
    ({"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": "%%%"}}]}]},
     "Base64 decoding failed"),
    ({"contents": [{"role": "user", "parts": [{"functionResponse": {"name": "w", "response": "18C"}}]}]},
     "Invalid value at 'contents[0].parts[0].function_response.response' (type.googleapis.com/google.protobuf.Struct)"),
    ({"contents": [USER, {"role": "user", "parts": [{"functionResponse": {"name": "w", "response": {}}}]}]},
     "function response turn comes immediately after a function call turn"),
    ({"contents": [USER], "generationConfig": {"temperature": "hot"}},
     "Invalid value at 'generation_config.temperature' (TYPE_FLOAT)"),
    ({"contents": [USER], "toolConfig": {"functionCallingConfig": {"mode": "SOMETIMES"}}},
     "Invalid value at 'tool_config.function_calling_config.mode'"),
])
def test_gemini_rejects_like_the_api(mock, body, message):
    status, _, err = post(mock.port, gemini_path("mock-echo"), body, {"x-goog-api-key": MOCK_KEY})
    assert status == 400, err
    assert err["error"]["status"] == "INVALID_ARGUMENT" and err["error"]["code"] == 400
    assert message in err["error"]["message"]


def test_gemini_snake_case_and_auth(mock):
    body = {"contents": [USER], "generation_config": {"max_output_tokens": 50, "stopSequences": ["zz"]},
            "system_instruction": {"parts": [{"text": "s"}]}}
    status, _, ok = post(mock.port, gemini_path("mock-echo") + "?key=" + MOCK_KEY, body)
    assert status == 200 and ok["candidates"][0]["content"]["parts"] == [{"text": "echo: hi"}]
    status, _, err = post(mock.port, gemini_path("mock-echo"), body, {"x-goog-api-key": "AIza-wrong"})
    assert (status, err["error"]["details"][0]["reason"]) == (400, "API_KEY_INVALID")
    status, _, err = post(mock.port, gemini_path("mock-echo"), body)
    assert (status, err["error"]["status"]) == (403, "PERMISSION_DENIED")
    status, headers, err = post(mock.port, gemini_path("mock-429"), body, {"x-goog-api-key": MOCK_KEY})
    assert (status, err["error"]["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert err["error"]["details"][-1] == {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}
    assert "retry-after" not in headers


def test_gemini_json_array_stream(mock):
    """streamGenerateContent without alt: one JSON array written progressively, CRLF separators."""
    conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=10)
    conn.request("POST", gemini_path("mock-echo", "streamGenerateContent"), json.dumps({"contents": [
        {"role": "user", "parts": [{"text": "abc {x}"}]}]}), {"x-goog-api-key": MOCK_KEY,
                                                              "Content-Type": "application/json"})
    r = conn.getresponse()
    raw = r.read().decode()
    assert r.getheader("content-type").startswith("application/json") and raw.startswith("[{")
    assert "\n,\r\n" in raw and raw.endswith("\n]")
    objs = json.loads(raw)
    assert "".join(o["candidates"][0]["content"]["parts"][0]["text"] for o in objs) == "echo: abc {x}"
    assert objs[-1]["candidates"][0]["finishReason"] == "STOP"
    assert mock_gemini.answer_text({"contents": [{"parts": [{"text": "abc {x}"}]}]}) == "echo: abc {x}"


def test_gemini_stream_cut_and_midstream_error(gemini):
    got = []
    with pytest.raises(Exception):  # the connection drops: no final HTTP chunk
        for ch in gemini.models.generate_content_stream(model="mock-cut-2", contents="abcdefghijkl"):
            got.append(ch.text)
    assert got == split_pieces("echo: abcdefghijkl")[:2]
    got = []
    with pytest.raises(genai_errors.ServerError) as ei:
        for ch in gemini.models.generate_content_stream(model="mock-overload-mid", contents="abcdefghijkl"):
            got.append(ch.text)
    assert ei.value.code == 503 and len(got) == 2


# ---------------------------------------------------------------------------------------------
# Vertex AI Gemini, Google OAuth
# ---------------------------------------------------------------------------------------------

def test_vertex_gemini_sdk_with_service_account(mock, creds):
    client = genai.Client(vertexai=True, project="p", location="us-central1", credentials=creds,
                          http_options=gt.HttpOptions(base_url=mock.base))
    r = client.models.generate_content(model="mock-echo", contents="hello vertex")
    assert r.text == "echo: hello vertex" and r.usage_metadata.traffic_type == gt.TrafficType.ON_DEMAND
    assert "".join(c.text for c in client.models.generate_content_stream(model="mock-echo", contents="s")) == "echo: s"
    cnt = client.models.count_tokens(model="mock-echo", contents="a b c",
                                     config=gt.CountTokensConfig(system_instruction="d e"))
    assert cnt.total_tokens == 5
    calls = [c for c in mock.calls() if c["family"] == "vertex-gemini"]
    assert calls and all(c["auth_style"] == "bearer" and c["auth_ok"] for c in calls)
    path = "/v1/projects/p/locations/us-central1/publishers/google/models/mock-echo:generateContent"
    status, _, err = post(mock.port, path, {"contents": [{"parts": [{"text": "no role"}]}]},
                          {"Authorization": f"Bearer {creds.token}"})
    assert status == 400 and "role" in err["error"]["message"]
    status, _, err = post(mock.port, path, {"contents": [USER], "labels": {"team": "x"}},
                          {"Authorization": f"Bearer {creds.token}"})
    assert status == 200  # labels are a Vertex field
    status, _, err = post(mock.port, path, {"contents": [USER]}, {"x-goog-api-key": MOCK_KEY})
    assert (status, err["error"]["status"]) == (401, "UNAUTHENTICATED")


def test_google_token_endpoint_verifies_the_jwt(mock, sa, tmp_path):
    grants = [c for c in mock.calls() if c["family"] == "google-token" and c["grant"] == "issued"]
    assert grants and grants[0]["jwt"]["header"]["kid"] == sa.info["private_key_id"]

    def grant(assertion, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer"):
        form = f"grant_type={grant_type}&assertion={assertion}".encode()
        return post(mock.port, "/token", form, {"Content-Type": "application/x-www-form-urlencoded"})

    status, _, ok = grant(google_sa.sign_jwt(sa))
    assert status == 200 and ok["access_token"].startswith("ya29.mock-") and ok["token_type"] == "Bearer"
    assert ok["expires_in"] == 3599
    other = google_sa.make_service_account(tmp_path, sa.info["token_uri"])  # a key the mock does not know
    claims = google_sa.default_claims(sa)
    cases = [
        (google_sa.sign_jwt(sa, private_pem=other.private_pem), "invalid_grant", "Invalid JWT Signature."),
        (google_sa.sign_jwt(sa, dict(claims, aud="https://example.com/token")), "invalid_grant", "audience"),
        (google_sa.sign_jwt(sa, dict(claims, exp=claims["iat"] + 7200)), "invalid_grant", "short-lived token"),
        (google_sa.sign_jwt(sa, dict(claims, iss="someone@else.iam.gserviceaccount.com")), "invalid_grant",
         "account not found"),
        (google_sa.sign_jwt(sa, dict(claims, scope="https://www.googleapis.com/auth/drive")), "invalid_scope", ""),
        ("not-a-jwt", "invalid_grant", "Invalid JWT"),
    ]
    for assertion, error, text in cases:
        status, _, body = grant(assertion)
        assert (status, body["error"]) == (400, error) and text in body["error_description"], body
    assert grant(google_sa.sign_jwt(sa), "client_credentials")[2]["error"] == "unsupported_grant_type"


def test_token_cli_options_and_expiry(tmp_path):
    """A mock started with --google-sa-public-key / --token-expires-in; expired tokens -> 401."""
    account = google_sa.make_service_account(tmp_path, "http://unused/token")
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(E2E / "mock_openai.py"), "--port", str(port), "--key", MOCK_KEY,
                             "--google-sa-public-key", str(account.public_key_path), "--google-sa-email",
                             account.info["client_email"], "--google-sa-key-id", account.info["private_key_id"],
                             "--token-expires-in", "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert "mock: listening" in proc.stdout.readline()
        claims = dict(google_sa.default_claims(account), aud=f"http://127.0.0.1:{port}/token")
        form = f"grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion={google_sa.sign_jwt(account, claims)}"
        status, _, tok = post(port, "/token", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and tok["expires_in"] == 30
        path = "/v1/projects/p/locations/l/publishers/google/models/mock-echo:generateContent"
        auth = {"Authorization": "Bearer " + tok["access_token"]}
        assert post(port, path, {"contents": [USER]}, auth)[0] == 200
        assert post(port, "/_mock/expire-tokens", b"")[2] == {"expired": 1}
        status, _, err = post(port, path, {"contents": [USER]}, auth)
        assert (status, err["error"]["details"][0]["reason"]) == (401, "ACCESS_TOKEN_EXPIRED")
    finally:
        proc.terminate()
        proc.wait(5)


# ---------------------------------------------------------------------------------------------
# Azure OpenAI
# ---------------------------------------------------------------------------------------------

def test_azure_chat_and_stream(azure, mock):
    r = azure.chat.completions.create(model="mock-echo", messages=[{"role": "user", "content": "hello azure"}])
    assert (r.choices[0].message.content, r.model) == ("echo: hello azure", "gpt-4o-2024-08-06")
    assert r.prompt_filter_results[0]["content_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    assert r.choices[0].content_filter_results["violence"]["severity"] == "safe"
    chunks = list(azure.chat.completions.create(model="mock-echo", stream=True, stream_options={"include_usage": True},
                                                messages=[{"role": "user", "content": "héllo"}]))
    assert chunks[0].choices == [] and chunks[0].id == "" and chunks[0].prompt_filter_results
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: héllo"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 3
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    [call] = [c for c in mock.calls() if c["family"] == "azure" and "hello azure" in json.dumps(c["body"])]
    assert call["path"] == "/openai/deployments/mock-echo/chat/completions" and call["auth_style"] == "api-key"


def test_azure_tools_and_output_filter(azure):
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER["input_schema"]}}]
    chunks = list(azure.chat.completions.create(model="mock-tool", stream=True, tools=tools,
                                                messages=[{"role": "user", "content": "Rome"}]))
    frags = [tc.function.arguments for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert json.loads("".join(frags)) == {"city": "Rome"} and len(frags) > 2
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    r = azure.chat.completions.create(model="mock-filter-out", messages=[{"role": "user", "content": "a b c d"}])
    assert (r.choices[0].message.content, r.choices[0].finish_reason) == ("echo: a", "content_filter")
    assert r.choices[0].content_filter_results["violence"] == {"filtered": True, "severity": "medium"}
    chunks = list(azure.chat.completions.create(model="mock-filter-out", stream=True,
                                                messages=[{"role": "user", "content": "a b c d"}]))
    assert chunks[-1].choices[0].finish_reason == "content_filter"


def test_azure_errors(azure, mock):
    body = {"messages": [{"role": "user", "content": "x"}]}
    path = "/openai/deployments/mock-echo/chat/completions"
    status, _, err = post(mock.port, path, body, {"api-key": MOCK_KEY})
    assert (status, err) == (404, {"error": {"code": "404", "message": "Resource not found"}})
    status, headers, err = post(mock.port, path + "?api-version=2024-10-21", dict(body, top_k=3), {"api-key": MOCK_KEY})
    assert (status, err["error"]["message"]) == (400, "Unrecognized request argument supplied: top_k")
    assert "apim-request-id" in headers
    bad = openai.AzureOpenAI(azure_endpoint=mock.base, api_key="nope", api_version="2024-10-21", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as ei:
        bad.chat.completions.create(model="mock-echo", messages=body["messages"])
    assert "Access denied due to invalid subscription key" in ei.value.message
    with pytest.raises(openai.BadRequestError) as ei:
        azure.chat.completions.create(model="mock-filter", messages=body["messages"])
    assert ei.value.code == "content_filter"
    assert ei.value.body["innererror"]["code"] == "ResponsibleAIPolicyViolation"
    with pytest.raises(openai.RateLimitError) as ei:
        azure.chat.completions.create(model="mock-429", messages=body["messages"])
    assert ei.value.code == "429" and ei.value.response.headers["retry-after"] == "7"
    with pytest.raises(openai.NotFoundError) as ei:
        azure.chat.completions.create(model="mock-404", messages=body["messages"])
    assert ei.value.code == "DeploymentNotFound"


def test_azure_entra_token(mock):
    form = ("grant_type=client_credentials&client_id=app&client_secret=" + MOCK_KEY +
            "&scope=https://cognitiveservices.azure.com/.default").encode()
    status, _, tok = post(mock.port, "/tenant-1/oauth2/v2.0/token", form,
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and tok["token_type"] == "Bearer"
    client = openai.AzureOpenAI(azure_endpoint=mock.base, azure_ad_token=tok["access_token"],
                                api_version="2025-04-01-preview", max_retries=0)
    text = unique("entra")
    assert client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}]) \
        .choices[0].message.content == "echo: " + text
    status, _, err = post(mock.port, "/tenant-1/oauth2/v2.0/token", form.replace(MOCK_KEY.encode(), b"wrong"),
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert (status, err["error"]) == (401, "invalid_client")
