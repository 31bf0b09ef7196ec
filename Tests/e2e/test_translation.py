"""Translation beyond the matrix: what the five basic cases of test_translation_matrix.py do not
reach, and the known translation bugs of other gateways (the shared reference notes, known-translation-bugs.md).

Every case goes through nginx with an official SDK as the client (``openai``, ``openai.AzureOpenAI``,
``anthropic``, ``google-genai``) to the strict mocks (mock_openai.py and the family modules), and
checks both what the client got and, where the point is the translation itself, what the mock was
sent (``mock.calls()``). Groups are conftest's ``<family>-<behaviour>`` (FAMILIES x BEHAVIOURS)
plus ``<family>-drop`` (drop_params: true). Expectations come from the mock's documented rules:
"echo: <last user text>", "tool said: <results>", "Let me think about: <text>", word-count usage.

  1. tool round trips (and images inside tool results)       6. errors: status + the client's shape
  2. parallel tool calls streamed (indices, ids, JSON)       7. faults in the middle of a stream
  3. JSON schema (response_format / output_config)           8. parameters a family cannot express
  4. thinking: signatures, redacted and empty blocks,        9. Vertex AI token: one grant, shared
     Gemini thought signatures, reasoning settings          10. Azure specifics
  5. count_tokens (provider vs estimate)
"""
from __future__ import annotations

import base64
import json
import threading

import anthropic
import openai
import pytest
from google.genai import errors as genai_errors
from google.genai import types

from conftest import FAMILIES, _stack, family_config
from helpers import MASTER_KEY, MOCK_KEY, raw_request
from mock_core import b64_bytes, sign
from mock_gemini import call_signature
from test_translation_matrix import MOCK_FAMILY, PNG, WEATHER_SCHEMA, clients  # noqa: F401  (clients: fixture)

TOKEN_FAMILIES = ("google-token", "entra-token")
PNG_B64 = base64.b64encode(PNG).decode()
IMAGE_SUFFIX = f" [image image/png {len(PNG)}]"
OPENAI_TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Current weather",
                                                  "parameters": WEATHER_SCHEMA}}]
ANTHROPIC_TOOLS = [{"name": "get_weather", "description": "Current weather", "input_schema": WEATHER_SCHEMA}]
GEMINI_TOOLS = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[types.FunctionDeclaration(
    name="get_weather", description="Current weather", parameters_json_schema=WEATHER_SCHEMA)])])
THINKING = {"type": "enabled", "budget_tokens": 1024}
OPENAI_FAMILIES = ("openai", "azure")          # outbound families speaking OpenAI chat
ANTHROPIC_FAMILIES = ("anthropic", "vclaude")  # outbound families speaking Anthropic Messages


def upstream_since(mock, seen: int) -> list[dict]:
    """Calls the mock recorded after index ``seen``, token endpoints left out."""
    return [c for c in mock.calls()[seen:] if c.get("family") not in TOKEN_FAMILIES]


def one_upstream(mock, seen: int, family: str) -> dict:
    calls = upstream_since(mock, seen)
    assert [c["family"] for c in calls] == [MOCK_FAMILY[family]], [c["family"] for c in calls]
    return calls[0]


def genai_header(response, name: str):
    return (response.sdk_http_response.headers or {}).get(name) if response.sdk_http_response else None


def gemini_user(text: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part(text=text)])


# =============================================================================================
# 9. Vertex AI token sharing -- first in the file, so with only this file run these are the
#    first Vertex requests of the session and the concurrent ones race for the first token.
# =============================================================================================

def sa_grants(mock, service_account) -> list[dict]:
    kid = service_account.info["private_key_id"]
    return [c for c in mock.calls() if c.get("family") == "google-token"
            and ((c.get("jwt") or {}).get("header") or {}).get("kid") == kid]


def test_vertex_token_one_grant(clients, mock, family_stack, service_account):
    seen = len(mock.calls())
    errors: list = []

    def ask(model):
        try:
            r = clients["openai"].chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
            assert r.choices[0].message.content == "echo: hi"
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=ask, args=(m,)) for m in ["vertex-echo", "vclaude-echo"] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    # ... and more from the other SDKs, one after the other
    clients["anthropic"].messages.create(model="vclaude-echo", max_tokens=20, messages=[{"role": "user", "content": "hi"}])
    clients["gemini"].models.generate_content(model="vertex-echo", contents="hi")
    clients["anthropic"].messages.count_tokens(model="vclaude-echo", messages=[{"role": "user", "content": "hi"}])

    grants = sa_grants(mock, service_account)
    assert len(grants) == 1, f"{len(grants)} token grants for one worker: {[g['grant'] for g in grants]}"
    g = grants[0]
    assert g["grant"] == "issued" and g["status"] == 200
    assert g["body"]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header, claims = g["jwt"]["header"], g["jwt"]["claims"]
    assert header["alg"] == "RS256" and header["kid"] == service_account.info["private_key_id"]
    assert claims["iss"] == service_account.info["client_email"]
    assert "https://www.googleapis.com/auth/cloud-platform" in claims["scope"].split()
    assert 0 < claims["exp"] - claims["iat"] <= 3600
    vertex = [c for c in upstream_since(mock, seen) if c["family"].startswith("vertex-")]
    assert len(vertex) == 11 and all(c["auth_ok"] and c["status"] == 200 for c in vertex)
    assert len({c["headers"]["authorization"] for c in vertex}) == 1  # the one token, every time


VERTEX_ONLY = "auth: {master_key: os.environ/ROUTERO_MASTER_KEY}\ncache: {enabled: false}\nmodels:\n"


def vertex_only_config(mock_port: int, sa_path: str) -> str:
    """The family stack's Vertex groups only (same account, same namespace)."""
    full = family_config(mock_port, sa_path).splitlines()
    return VERTEX_ONLY + "\n".join(ln for ln in full if "{name: vertex-echo," in ln or "{name: vclaude-echo," in ln) + "\n"


def test_vertex_token_shared_through_redis(tmp_path_factory, binary, mock, family_stack, service_account, clients):
    """A second gateway host on the same Redis uses the fleet's token; one on its own Redis grants."""
    clients["openai"].chat.completions.create(model="vertex-echo", messages=[{"role": "user", "content": "hi"}])
    before = len(sa_grants(mock, service_account))
    config = vertex_only_config(mock.port, str(service_account.path))
    shared = _stack(tmp_path_factory, "vertex-shared", config, binary, workers=1, redis=family_stack.redis_url, tls=False)
    try:
        c = shared.client()
        for model in ("vertex-echo", "vclaude-echo"):
            assert c.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}]) \
                .choices[0].message.content == "echo: hi"
    finally:
        shared.stop()
    assert len(sa_grants(mock, service_account)) == before, "the second host granted instead of using Redis"
    alone = _stack(tmp_path_factory, "vertex-alone", config, binary, workers=1, tls=False)  # its own Redis
    try:
        alone.client().chat.completions.create(model="vertex-echo", messages=[{"role": "user", "content": "hi"}])
    finally:
        alone.stop()
    assert len(sa_grants(mock, service_account)) == before + 1


# =============================================================================================
# 1. Tool round trips
# =============================================================================================

def openai_round_trip(client, model: str) -> str:
    user = {"role": "user", "content": "Paris"}
    first = client.chat.completions.create(model=model, messages=[user], tools=OPENAI_TOOLS, max_tokens=200)
    msg = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    assert [(c.function.name, json.loads(c.function.arguments)) for c in msg.tool_calls] == \
        [("get_weather", {"city": "Paris"})]
    assistant = {"role": "assistant", "content": msg.content,
                 "tool_calls": [c.model_dump(exclude_none=True) for c in msg.tool_calls]}
    result = {"role": "tool", "tool_call_id": msg.tool_calls[0].id, "content": "18C"}
    second = client.chat.completions.create(model=model, messages=[user, assistant, result], tools=OPENAI_TOOLS,
                                            max_tokens=200)
    assert second.choices[0].finish_reason == "stop" and not second.choices[0].message.tool_calls
    return second.choices[0].message.content


def anthropic_round_trip(client, model: str) -> str:
    user = {"role": "user", "content": "Paris"}
    first = client.messages.create(model=model, max_tokens=200, messages=[user], tools=ANTHROPIC_TOOLS)
    uses = [b for b in first.content if b.type == "tool_use"]
    assert first.stop_reason == "tool_use" and [(u.name, u.input) for u in uses] == [("get_weather", {"city": "Paris"})]
    assistant = {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": uses[0].id, "content": "18C"}]}
    second = client.messages.create(model=model, max_tokens=200, messages=[user, assistant, result],
                                    tools=ANTHROPIC_TOOLS)
    assert second.stop_reason == "end_turn"
    return "".join(b.text for b in second.content if b.type == "text")


def gemini_round_trip(client, model: str) -> str:
    user = gemini_user("Paris")
    first = client.models.generate_content(model=model, contents=[user], config=GEMINI_TOOLS)
    content = first.candidates[0].content
    calls = [p.function_call for p in content.parts if p.function_call]
    assert [(c.name, dict(c.args)) for c in calls] == [("get_weather", {"city": "Paris"})]
    reply = types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
        id=calls[0].id, name=calls[0].name, response={"output": "18C"}))])
    second = client.models.generate_content(model=model, contents=[user, content, reply], config=GEMINI_TOOLS)
    parts = second.candidates[0].content.parts
    assert not any(p.function_call for p in parts)
    return "".join(p.text for p in parts if p.text and not p.thought)


ROUND_TRIPS = {"openai": openai_round_trip, "azure": openai_round_trip, "anthropic": anthropic_round_trip,
               "gemini": gemini_round_trip}


@pytest.mark.parametrize("outbound", FAMILIES)
@pytest.mark.parametrize("inbound", list(ROUND_TRIPS))
def test_tool_round_trip(clients, mock, inbound, outbound):
    seen = len(mock.calls())
    assert ROUND_TRIPS[inbound](clients[inbound], f"{outbound}-tool") == "tool said: 18C"
    assert [c["family"] for c in upstream_since(mock, seen)] == [MOCK_FAMILY[outbound]] * 2


def check_tool_image(mock, seen: int, outbound: str, answer: str) -> None:
    """The image of a tool result reached the provider (litellm #23712: silently dropped)."""
    call = one_upstream(mock, seen, outbound)
    assert IMAGE_SUFFIX in answer, answer
    if outbound in OPENAI_FAMILIES:
        # OpenAI tool messages hold only text: the result stays in the tool message and the image
        # follows in a user message.
        msgs = call["body"]["messages"]
        assert msgs[-2]["role"] == "tool" and msgs[-2]["content"] == "18C", msgs[-2:]
        urls = [p["image_url"]["url"] for p in msgs[-1]["content"] if p.get("type") == "image_url"]
        assert msgs[-1]["role"] == "user" and len(urls) == 1, msgs[-1]
        assert urls[0].startswith("data:image/png;base64,") and b64_bytes(urls[0].split(",", 1)[1]) == PNG
    else:
        assert answer.startswith("tool said: 18C"), answer


@pytest.mark.parametrize("outbound", FAMILIES)
def test_anthropic_tool_result_with_image(clients, mock, outbound):
    seen = len(mock.calls())
    messages = [
        {"role": "user", "content": "Paris"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_img01", "name": "get_weather",
                                           "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_img01", "content": [
            {"type": "text", "text": "18C"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}}]}]}]
    r = clients["anthropic"].messages.create(model=f"{outbound}-echo", max_tokens=200, messages=messages,
                                             tools=ANTHROPIC_TOOLS)
    check_tool_image(mock, seen, outbound, "".join(b.text for b in r.content if b.type == "text"))


@pytest.mark.parametrize("outbound", FAMILIES)
def test_gemini_function_response_with_image(clients, mock, outbound):
    seen = len(mock.calls())
    contents = [
        gemini_user("Paris"),
        types.Content(role="model", parts=[types.Part(function_call=types.FunctionCall(
            id="call_img01", name="get_weather", args={"city": "Paris"}))]),
        types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
            id="call_img01", name="get_weather", response={"output": "18C"},
            parts=[types.FunctionResponsePart.from_bytes(data=PNG, mime_type="image/png")]))])]
    r = clients["gemini"].models.generate_content(model=f"{outbound}-echo", contents=contents, config=GEMINI_TOOLS)
    check_tool_image(mock, seen, outbound, "".join(p.text for p in r.candidates[0].content.parts if p.text))


def sent_images(outbound: str, body: dict) -> list[str]:
    """The base64 text of every image the gateway sent (Anthropic source.data / OpenAI data URLs)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "base64" and "data" in node:
                found.append(node["data"])
            elif node.get("type") == "image_url":
                found.append(node["image_url"]["url"].split(",", 1)[1])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(body["messages"])
    return found


@pytest.mark.parametrize("outbound", ["anthropic", "vclaude", "openai", "azure"])
def test_gemini_bytes_reach_other_families_as_standard_base64(clients, mock, outbound):
    """google-genai sends bytes (inlineData.data, functionResponse parts) in base64url, which proto
    JSON accepts. Anthropic's ``source.data`` and OpenAI's ``data:`` URLs are standard base64
    (RFC 4648 section 4 / RFC 2397); the gateway must re-encode rather than copy the text (the
    mock decodes either alphabet, so only the recorded body shows it)."""
    assert "/" in PNG_B64  # so the URL-safe text differs ("_")
    seen = len(mock.calls())
    clients["gemini"].models.generate_content(model=f"{outbound}-echo", contents=[types.Content(role="user", parts=[
        types.Part(text="Paris"), types.Part.from_bytes(data=PNG, mime_type="image/png")])])
    assert sent_images(outbound, one_upstream(mock, seen, outbound)["body"]) == [PNG_B64]


# =============================================================================================
# 2. Parallel tool calls, streamed, after a text part (mock-tools2-text)
# =============================================================================================

PARALLEL = [("get_weather", {"city": "A"}), ("get_weather", {"city": "B"})]


def check_ids(ids: list) -> None:
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids), ids


@pytest.mark.parametrize("outbound", FAMILIES)
def test_parallel_tools_stream_openai(clients, outbound):
    text, calls, finishes = "", {}, []
    for chunk in clients["openai"].chat.completions.create(
            model=f"{outbound}-tools2-text", messages=[{"role": "user", "content": "Paris"}], tools=OPENAI_TOOLS,
            stream=True, stream_options={"include_usage": True}):
        if not chunk.choices:
            continue
        d = chunk.choices[0].delta
        text += d.content or ""
        for tc in d.tool_calls or []:
            entry = calls.setdefault(tc.index, {"ids": [], "name": "", "args": ""})
            if tc.id:
                entry["ids"].append(tc.id)
            if tc.function:
                entry["name"] += tc.function.name or ""
                entry["args"] += tc.function.arguments or ""
        if chunk.choices[0].finish_reason:
            finishes.append(chunk.choices[0].finish_reason)
    assert text == "echo: Paris"
    assert finishes == ["tool_calls"]  # never "stop" (litellm #21041)
    assert sorted(calls) == [0, 1], calls
    assert all(len(set(c["ids"])) == 1 for c in calls.values()), calls  # the id is stable within an index
    check_ids([c["ids"][0] for c in calls.values()])
    assert [(calls[i]["name"], json.loads(calls[i]["args"])) for i in (0, 1)] == PARALLEL


@pytest.mark.parametrize("outbound", FAMILIES)
def test_parallel_tools_stream_anthropic(clients, outbound):
    blocks, open_at, stop_reasons, events = {}, set(), [], []
    for ev in clients["anthropic"].messages.create(
            model=f"{outbound}-tools2-text", max_tokens=200, messages=[{"role": "user", "content": "Paris"}],
            tools=ANTHROPIC_TOOLS, stream=True):
        events.append(ev.type)
        if ev.type == "content_block_start":
            assert ev.index == len(blocks) and ev.index not in open_at, (ev.index, sorted(blocks))
            blocks[ev.index] = {"type": ev.content_block.type, "id": getattr(ev.content_block, "id", None),
                                "name": getattr(ev.content_block, "name", None), "text": "", "json": ""}
            open_at.add(ev.index)
        elif ev.type == "content_block_delta":
            assert ev.index in open_at, f"delta for block {ev.index}, open: {open_at}"
            b = blocks[ev.index]
            if ev.delta.type == "text_delta":
                assert b["type"] == "text"
                b["text"] += ev.delta.text
            else:
                assert ev.delta.type == "input_json_delta" and b["type"] == "tool_use", (ev.delta.type, b["type"])
                b["json"] += ev.delta.partial_json
        elif ev.type == "content_block_stop":
            open_at.remove(ev.index)
        elif ev.type == "message_delta":
            stop_reasons.append(ev.delta.stop_reason)
    assert events[0] == "message_start" and events[-1] == "message_stop" and not open_at
    assert [b["type"] for _, b in sorted(blocks.items())] == ["text", "tool_use", "tool_use"]
    assert blocks[0]["text"] == "echo: Paris"
    assert [(blocks[i]["name"], json.loads(blocks[i]["json"])) for i in (1, 2)] == PARALLEL
    check_ids([blocks[1]["id"], blocks[2]["id"]])
    assert stop_reasons == ["tool_use"]  # never end_turn (litellm #34692)


@pytest.mark.parametrize("outbound", FAMILIES)
def test_parallel_tools_stream_gemini(clients, outbound):
    text, calls, finishes = "", [], []
    for r in clients["gemini"].models.generate_content_stream(model=f"{outbound}-tools2-text", contents="Paris",
                                                              config=GEMINI_TOOLS):
        for cand in r.candidates or []:
            for p in (cand.content.parts if cand.content else None) or []:
                text += p.text or ""
                if p.function_call:
                    calls.append(p.function_call)
            if cand.finish_reason:
                finishes.append(cand.finish_reason)
    assert text == "echo: Paris"
    assert [(c.name, dict(c.args)) for c in calls] == PARALLEL
    check_ids([c.id for c in calls])
    assert finishes == [types.FinishReason.STOP]


WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 1}


@pytest.mark.parametrize("outbound", FAMILIES)
def test_anthropic_server_tool(clients, mock, outbound):
    """An Anthropic server tool (web search) passes through to Claude next to the client's own tool
    (bifrost #3596); no other family can run it: 400 in Anthropic's shape, nothing sent."""
    seen = len(mock.calls())
    kw = dict(model=f"{outbound}-tool", max_tokens=200, messages=[{"role": "user", "content": "Paris"}],
              tools=ANTHROPIC_TOOLS + [WEB_SEARCH], tool_choice={"type": "auto"})
    if outbound in ANTHROPIC_FAMILIES:
        r = clients["anthropic"].messages.create(**kw)
        assert [(b.name, b.input) for b in r.content if b.type == "tool_use"] == [("get_weather", {"city": "Paris"})]
        body = one_upstream(mock, seen, outbound)["body"]
        assert body["tools"][1] == WEB_SEARCH and body["tool_choice"] == {"type": "auto"}
        return
    with pytest.raises(anthropic.BadRequestError) as info:
        clients["anthropic"].messages.create(**kw)
    body = info.value.body
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert "web_search" in body["error"]["message"], body
    assert upstream_since(mock, seen) == []


# Usage in the last event (litellm #9657, #11915): prompt "one two three" = 3 words, answer
# "echo: one two three" = 4 words, in every family (no system, no tools).
USAGE_TEXT, PROMPT_WORDS, ANSWER_WORDS = "one two three", 3, 4


@pytest.mark.parametrize("outbound", FAMILIES)
def test_stream_usage_last_chunk_openai(clients, outbound):
    chunks = list(clients["openai"].chat.completions.create(
        model=f"{outbound}-echo", messages=[{"role": "user", "content": USAGE_TEXT}], stream=True,
        stream_options={"include_usage": True}))
    with_usage = [i for i, c in enumerate(chunks) if c.usage]
    assert with_usage == [len(chunks) - 1], with_usage
    u = chunks[-1].usage
    assert (u.prompt_tokens, u.completion_tokens, u.total_tokens) == (PROMPT_WORDS, ANSWER_WORDS,
                                                                      PROMPT_WORDS + ANSWER_WORDS)
    assert chunks[-1].choices == []


@pytest.mark.parametrize("outbound", FAMILIES)
def test_stream_usage_anthropic(clients, outbound):
    events = list(clients["anthropic"].messages.create(
        model=f"{outbound}-echo", max_tokens=100, messages=[{"role": "user", "content": USAGE_TEXT}], stream=True))
    assert events[0].type == "message_start"
    # message_delta carries the cumulative usage, input_tokens included (a translated stream only
    # learns the prompt count at the end, so message_start may say 0)
    delta = [e for e in events if e.type == "message_delta"]
    assert len(delta) == 1
    assert (delta[0].usage.input_tokens, delta[0].usage.output_tokens) == (PROMPT_WORDS, ANSWER_WORDS)
    assert events[-1].type == "message_stop"


@pytest.mark.parametrize("outbound", FAMILIES)
def test_stream_usage_gemini(clients, outbound):
    chunks = list(clients["gemini"].models.generate_content_stream(model=f"{outbound}-echo", contents=USAGE_TEXT))
    u = chunks[-1].usage_metadata
    assert (u.prompt_token_count, u.candidates_token_count, u.total_token_count) == (
        PROMPT_WORDS, ANSWER_WORDS, PROMPT_WORDS + ANSWER_WORDS)
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


@pytest.mark.parametrize("path,body", [
    ("/v1/chat/completions", {"model": "anthropic-echo", "stream": True, "messages": [{"role": "user", "content": "hi"}]}),
    ("/v1/messages", {"model": "gemini-echo", "stream": True, "max_tokens": 20,
                      "messages": [{"role": "user", "content": "hi"}]}),
    ("/v1beta/models/anthropic-echo:streamGenerateContent?alt=sse", CONTENTS_HI := {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
], ids=["openai", "anthropic", "gemini"])
def test_stream_headers(family_stack, path, body):
    """Translated streams are SSE, uncached by proxies (litellm PR #29557)."""
    status, headers, raw = raw_request(family_stack.port, "POST", path, body)
    assert status == 200, raw
    assert headers["content-type"].startswith("text/event-stream"), headers
    assert "no-cache" in headers.get("cache-control", ""), headers
    assert b"hi" in raw


# =============================================================================================
# 3. JSON schema
# =============================================================================================

ECHO_SCHEMA = {"type": "object", "properties": {"echo": {"type": "string"}}, "required": ["echo"],
               "additionalProperties": False}


def check_json_construct(outbound: str, body: dict, prop: str) -> None:
    """The family's own structured-output construct carries the schema."""
    if outbound in OPENAI_FAMILIES:
        rf = body["response_format"]
        assert rf["type"] == "json_schema" and prop in rf["json_schema"]["schema"]["properties"], rf
    elif outbound in ANTHROPIC_FAMILIES:
        fmt = (body.get("output_config") or {}).get("format")
        if fmt:  # Anthropic structured outputs
            assert fmt["type"] == "json_schema" and prop in fmt["schema"]["properties"], fmt
        else:    # a forced tool whose input schema is the response schema
            forced = body["tool_choice"]
            assert forced["type"] == "tool", forced
            tool = next(t for t in body["tools"] if t["name"] == forced["name"])
            assert prop in tool["input_schema"]["properties"], tool
    else:
        gc = body["generationConfig"]
        schema = gc.get("responseSchema") or gc.get("responseJsonSchema")
        assert gc["responseMimeType"] == "application/json" and prop in schema["properties"], gc


@pytest.mark.parametrize("outbound", FAMILIES)
def test_json_schema_openai(clients, mock, outbound):
    seen = len(mock.calls())
    r = clients["openai"].chat.completions.create(
        model=f"{outbound}-json", messages=[{"role": "user", "content": "Paris"}],
        response_format={"type": "json_schema", "json_schema": {"name": "echo", "strict": True, "schema": ECHO_SCHEMA}})
    assert json.loads(r.choices[0].message.content) == {"echo": "Paris"}
    assert r.choices[0].finish_reason == "stop" and not r.choices[0].message.tool_calls
    check_json_construct(outbound, one_upstream(mock, seen, outbound)["body"], "echo")


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("outbound", ANTHROPIC_FAMILIES)
def test_json_schema_forced_tool_answer_is_content(clients, mock, outbound, stream):
    """When the provider answers the schema through a (forced) tool call, the OpenAI client still
    gets the JSON as message content with finish "stop", not a tool call (mock-tool calls the first
    declared tool, i.e. the gateway's schema tool)."""
    seen = len(mock.calls())
    kw = dict(model=f"{outbound}-tool", messages=[{"role": "user", "content": "Paris"}],
              response_format={"type": "json_schema", "json_schema": {"name": "weather", "schema": WEATHER_SCHEMA}})
    if not stream:
        r = clients["openai"].chat.completions.create(**kw)
        content, finish, tool_calls = r.choices[0].message.content, [r.choices[0].finish_reason], r.choices[0].message.tool_calls
    else:
        content, finish, tool_calls = "", [], []
        for chunk in clients["openai"].chat.completions.create(stream=True, **kw):
            if chunk.choices:
                content += chunk.choices[0].delta.content or ""
                tool_calls += chunk.choices[0].delta.tool_calls or []
                finish += [chunk.choices[0].finish_reason] if chunk.choices[0].finish_reason else []
    assert json.loads(content) == {"city": "Paris"} and finish == ["stop"] and not tool_calls
    call = one_upstream(mock, seen, outbound)
    check_json_construct(outbound, call["body"], "city")


@pytest.mark.parametrize("outbound", FAMILIES)
def test_json_schema_anthropic_output_config(clients, mock, outbound):
    seen = len(mock.calls())
    r = clients["anthropic"].messages.create(model=f"{outbound}-json", max_tokens=200,
                                             messages=[{"role": "user", "content": "Paris"}],
                                             output_config={"format": {"type": "json_schema", "schema": ECHO_SCHEMA}})
    assert json.loads("".join(b.text for b in r.content if b.type == "text")) == {"echo": "Paris"}
    assert r.stop_reason == "end_turn"
    check_json_construct(outbound, one_upstream(mock, seen, outbound)["body"], "echo")


@pytest.mark.parametrize("outbound", FAMILIES)
def test_json_schema_gemini(clients, mock, outbound):
    seen = len(mock.calls())
    r = clients["gemini"].models.generate_content(
        model=f"{outbound}-json", contents="Paris",
        config=types.GenerateContentConfig(response_mime_type="application/json", response_json_schema=ECHO_SCHEMA))
    assert json.loads(r.text) == {"echo": "Paris"}
    check_json_construct(outbound, one_upstream(mock, seen, outbound)["body"], "echo")


# =============================================================================================
# 4. Thinking
# =============================================================================================

def thinking_of(text: str) -> str:
    return "Let me think about: " + text


def anthropic_think_turn(client, model: str, user_text: str = "Paris"):
    """A thinking tool call, then the (user, assistant, tool_result) history to send back."""
    user = {"role": "user", "content": user_text}
    first = client.messages.create(model=model, max_tokens=2048, thinking=THINKING, messages=[user],
                                   tools=ANTHROPIC_TOOLS)
    use = next(b for b in first.content if b.type == "tool_use")
    history = [user, {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "18C"}]}]
    return first, history


@pytest.mark.parametrize("outbound", ANTHROPIC_FAMILIES)
def test_anthropic_thinking_signature_round_trip(clients, mock, outbound):
    client, model = clients["anthropic"], f"{outbound}-think-tool"
    seen = len(mock.calls())
    first, history = anthropic_think_turn(client, model)
    assert [b.type for b in first.content] == ["thinking", "tool_use"]
    block = first.content[0]
    assert block.thinking == thinking_of("Paris") and block.signature == sign("anthropic-thinking", block.thinking)
    assert one_upstream(mock, seen, outbound)["body"]["thinking"] == THINKING
    # the thinking block goes back unchanged with the tool result: the mock checks the signature
    second = client.messages.create(model=model, max_tokens=2048, thinking=THINKING, messages=history,
                                    tools=ANTHROPIC_TOOLS)
    assert "".join(b.text for b in second.content if b.type == "text") == "tool said: 18C"
    # one character of the signature changed: the provider's 400, in Anthropic's shape
    sig = block.signature
    history[1]["content"][0]["signature"] = sig[:8] + ("A" if sig[8] != "A" else "B") + sig[9:]
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model=model, max_tokens=2048, thinking=THINKING, messages=history,
                               tools=ANTHROPIC_TOOLS)
    assert info.value.status_code == 400
    body = info.value.body
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error", body
    assert "signature" in body["error"]["message"], body


@pytest.mark.parametrize("outbound", ANTHROPIC_FAMILIES)
def test_anthropic_thinking_stream(clients, outbound):
    with clients["anthropic"].messages.stream(model=f"{outbound}-think", max_tokens=2048, thinking=THINKING,
                                              messages=[{"role": "user", "content": "Paris"}]) as s:
        kinds = [ev.delta.type for ev in s if ev.type == "content_block_delta"]
        message = s.get_final_message()
    assert "thinking_delta" in kinds and kinds.count("signature_delta") == 1
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.content[0].thinking == thinking_of("Paris")
    assert message.content[0].signature == sign("anthropic-thinking", thinking_of("Paris"))
    assert message.content[1].text == "echo: Paris"


@pytest.mark.parametrize("outbound", ANTHROPIC_FAMILIES)
def test_anthropic_empty_signed_thinking_kept(clients, mock, outbound):
    """A signed thinking block with empty text goes back unchanged (bifrost #7064)."""
    seen = len(mock.calls())
    empty = {"type": "thinking", "thinking": "", "signature": sign("anthropic-thinking", "")}
    messages = [{"role": "user", "content": "Paris"},
                {"role": "assistant", "content": [empty, {"type": "tool_use", "id": "toolu_empty01",
                                                          "name": "get_weather", "input": {"city": "Paris"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_empty01", "content": "18C"}]}]
    r = clients["anthropic"].messages.create(model=f"{outbound}-think-tool", max_tokens=2048, thinking=THINKING,
                                             messages=messages, tools=ANTHROPIC_TOOLS)
    assert "".join(b.text for b in r.content if b.type == "text") == "tool said: 18C"
    assert one_upstream(mock, seen, outbound)["body"]["messages"][1]["content"][0] == empty


@pytest.mark.parametrize("outbound", ["gemini", "vertex", "openai", "azure"])
def test_anthropic_thinking_settings_translated(clients, mock, outbound):
    seen = len(mock.calls())
    r = clients["anthropic"].messages.create(model=f"{outbound}-think", max_tokens=2048, thinking=THINKING,
                                             messages=[{"role": "user", "content": "Paris"}])
    body = one_upstream(mock, seen, outbound)["body"]
    assert "".join(b.text for b in r.content if b.type == "text") == "echo: Paris"
    if outbound in OPENAI_FAMILIES:
        assert body.get("reasoning_effort") in ("minimal", "low", "medium", "high"), body
        assert "thinking" not in body
    else:
        tc = body["generationConfig"]["thinkingConfig"]
        assert tc.get("thinkingBudget") == 1024 and tc.get("includeThoughts") is True, tc
        thinking = [b for b in r.content if b.type == "thinking"]
        assert [b.thinking for b in thinking] == [thinking_of("Paris")]


@pytest.mark.parametrize("outbound", ANTHROPIC_FAMILIES)
def test_openai_client_thinking_blocks_round_trip(clients, mock, outbound):
    seen = len(mock.calls())
    msg, sent = openai_thinking_tool_loop(clients["openai"], mock, outbound, "Paris",
                                          check_first=lambda: one_upstream(mock, seen, outbound))
    assert msg["reasoning_content"] == thinking_of("Paris")
    assert msg["thinking_blocks"] == [{"type": "thinking", "thinking": thinking_of("Paris"),
                                       "signature": sign("anthropic-thinking", thinking_of("Paris"))}]
    assert sent[0] == msg["thinking_blocks"][0] and sent[1]["type"] == "tool_use"


def openai_thinking_tool_loop(client, mock, outbound, text, check_first=None):
    """OpenAI client: a tool call with thinking, then the history (thinking_blocks included) sent
    back with the tool's result. Returns the first assistant message and the upstream's content of
    the replayed assistant turn."""
    model = f"{outbound}-think-tool"
    user = {"role": "user", "content": text}
    first = client.chat.completions.create(model=model, messages=[user], tools=OPENAI_TOOLS, reasoning_effort="low")
    if check_first:
        assert check_first()["body"]["thinking"]["type"] == "enabled"
    msg = first.choices[0].message.model_dump()
    assistant = {"role": "assistant", "content": None, "tool_calls": msg["tool_calls"],
                 "thinking_blocks": msg["thinking_blocks"]}
    seen = len(mock.calls())
    second = client.chat.completions.create(model=model, tools=OPENAI_TOOLS, reasoning_effort="low", messages=[
        user, assistant, {"role": "tool", "tool_call_id": msg["tool_calls"][0]["id"], "content": "18C"}])
    assert second.choices[0].message.content == "tool said: 18C"
    return msg, one_upstream(mock, seen, outbound)["body"]["messages"][1]["content"]


def test_openai_client_redacted_thinking_round_trip(clients, mock):
    msg, sent = openai_thinking_tool_loop(clients["openai"], mock, "anthropic", "redact Paris")
    kinds = [b["type"] for b in msg["thinking_blocks"]]
    assert kinds == ["thinking", "redacted_thinking"], msg["thinking_blocks"]
    assert msg["thinking_blocks"][1]["data"]
    assert [b["type"] for b in sent] == ["thinking", "redacted_thinking", "tool_use"]


def test_openai_client_empty_signed_thinking_kept(clients, mock):
    seen = len(mock.calls())
    empty = {"type": "thinking", "thinking": "", "signature": sign("anthropic-thinking", "")}
    call = {"id": "toolu_empty02", "type": "function", "function": {"name": "get_weather",
                                                                    "arguments": '{"city": "Paris"}'}}
    r = clients["openai"].chat.completions.create(model="anthropic-think-tool", tools=OPENAI_TOOLS,
                                                  reasoning_effort="low", messages=[
        {"role": "user", "content": "Paris"},
        {"role": "assistant", "content": None, "tool_calls": [call], "thinking_blocks": [empty]},
        {"role": "tool", "tool_call_id": "toolu_empty02", "content": "18C"}])
    assert r.choices[0].message.content == "tool said: 18C"
    assert one_upstream(mock, seen, "anthropic")["body"]["messages"][1]["content"][0] == empty


@pytest.mark.parametrize("outbound", ["gemini", "vertex"])
def test_gemini_thought_signature_in_openai_tool_call_id(clients, mock, outbound):
    client, model = clients["openai"], f"{outbound}-think-tool"
    user = {"role": "user", "content": "Paris"}
    first = client.chat.completions.create(model=model, messages=[user], tools=OPENAI_TOOLS)
    call = first.choices[0].message.tool_calls[0]
    signature = call_signature("get_weather", {"city": "Paris"})
    assert "__thought__" in call.id and call.id.endswith(signature), call.id
    assistant = {"role": "assistant", "content": None, "tool_calls": [call.model_dump(exclude_none=True)]}
    seen = len(mock.calls())
    second = client.chat.completions.create(model=model, tools=OPENAI_TOOLS, messages=[
        user, assistant, {"role": "tool", "tool_call_id": call.id, "content": "18C"}])
    assert second.choices[0].message.content == "tool said: 18C"
    model_turn = one_upstream(mock, seen, outbound)["body"]["contents"][1]
    assert model_turn["parts"][0]["thoughtSignature"] == signature, model_turn


@pytest.mark.parametrize("outbound", ["anthropic", "vclaude", "openai", "azure"])
def test_gemini_thought_signature_not_sent_to_other_families(clients, mock, outbound):
    """A Gemini tool call (its signature in the id) continued on another family: the call id loses
    its ``__thought__`` part and the signature goes nowhere but Google (a signature is valid only
    for its own family; OpenAI also caps tool-call ids at 40 characters)."""
    client = clients["openai"]
    user = {"role": "user", "content": "Paris"}
    call = client.chat.completions.create(model="gemini-think-tool", messages=[user],
                                          tools=OPENAI_TOOLS).choices[0].message.tool_calls[0]
    signature = call_signature("get_weather", {"city": "Paris"})
    history = [user, {"role": "assistant", "content": None, "tool_calls": [call.model_dump(exclude_none=True)]},
               {"role": "tool", "tool_call_id": call.id, "content": "18C"}]
    seen = len(mock.calls())
    r = client.chat.completions.create(model=f"{outbound}-tool", messages=history, tools=OPENAI_TOOLS)
    assert r.choices[0].message.content == "tool said: 18C"
    sent = json.dumps(one_upstream(mock, seen, outbound)["body"])
    assert signature not in sent and "__thought__" not in sent, sent


@pytest.mark.parametrize("outbound", ["gemini", "vertex"])
def test_gemini_thought_signature_anthropic_client(clients, outbound):
    client, model = clients["anthropic"], f"{outbound}-think-tool"
    first, history = anthropic_think_turn(client, model)
    use = next(b for b in first.content if b.type == "tool_use")
    assert use.id.endswith(call_signature("get_weather", {"city": "Paris"})), use.id
    second = client.messages.create(model=model, max_tokens=2048, thinking=THINKING, messages=history,
                                    tools=ANTHROPIC_TOOLS)
    assert "".join(b.text for b in second.content if b.type == "text") == "tool said: 18C"


@pytest.mark.parametrize("outbound", ["gemini", "vertex"])
def test_gemini_thought_signature_passthrough(clients, mock, outbound):
    client, model = clients["gemini"], f"{outbound}-think-tool"
    first = client.models.generate_content(model=model, contents=[gemini_user("Paris")], config=GEMINI_TOOLS)
    content = first.candidates[0].content
    assert content.parts[0].thought and content.parts[0].text == thinking_of("Paris")
    fc_part = next(p for p in content.parts if p.function_call)
    signature = call_signature("get_weather", {"city": "Paris"})
    assert base64.b64encode(fc_part.thought_signature).decode() == signature
    reply = types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
        id=fc_part.function_call.id, name="get_weather", response={"output": "18C"}))])
    seen = len(mock.calls())
    second = client.models.generate_content(model=model, contents=[gemini_user("Paris"), content, reply],
                                            config=GEMINI_TOOLS)
    assert "".join(p.text for p in second.candidates[0].content.parts if p.text and not p.thought) == "tool said: 18C"
    sent = one_upstream(mock, seen, outbound)["body"]["contents"][1]["parts"]
    # the SDK re-encodes the bytes it decoded (base64url): compare bytes, not text
    assert [b64_bytes(p.get("thoughtSignature")) for p in sent if "functionCall" in p] == [b64_bytes(signature)]


@pytest.mark.parametrize("outbound", ["gemini", "vertex"])
def test_foreign_thinking_history_to_gemini(clients, mock, outbound):
    """A Claude tool loop continued on a Gemini thinking model: Anthropic's signature is never
    replayed to Google (it is only valid for its own family), and the functionCall the gateway
    sends, which Gemini did not produce, carries Google's documented placeholder signature
    (``skip_thought_signature_validator``) so Gemini 3 accepts it."""
    first, history = anthropic_think_turn(clients["anthropic"], "anthropic-think-tool")
    anthropic_sig = first.content[0].signature
    seen = len(mock.calls())
    r = None
    try:
        r = clients["anthropic"].messages.create(model=f"{outbound}-think-tool", max_tokens=2048, thinking=THINKING,
                                                 messages=history, tools=ANTHROPIC_TOOLS)
    except anthropic.APIStatusError as exc:
        r = exc
    sent = json.dumps(one_upstream(mock, seen, outbound)["body"])
    assert anthropic_sig not in sent, "an Anthropic thinking signature was sent to Google"
    assert not isinstance(r, Exception), f"{r.status_code}: {r.body}"
    assert "".join(b.text for b in r.content if b.type == "text") == "tool said: 18C"


# =============================================================================================
# 5. count_tokens
# =============================================================================================

COUNT_PATHS = {"anthropic": "/v1/messages/count_tokens", "vclaude": "/models/count-tokens:rawPredict",
               "gemini": ":countTokens", "vertex": ":countTokens"}


@pytest.mark.parametrize("outbound", FAMILIES)
def test_count_tokens_anthropic_client(clients, mock, outbound):
    seen = len(mock.calls())
    raw = clients["anthropic"].messages.with_raw_response.count_tokens(
        model=f"{outbound}-echo", system="be brief please", tools=ANTHROPIC_TOOLS,
        messages=[{"role": "user", "content": "one two three four"}])
    assert raw.status_code == 200
    count = raw.parse().input_tokens
    calls = upstream_since(mock, seen)
    if outbound in COUNT_PATHS:
        assert raw.headers.get("x-routero-token-count") == "provider"
        assert count == 3 + 4 + 1  # mock: words of system + messages, one per declared tool
        assert [c["family"] for c in calls] == [MOCK_FAMILY[outbound]] and calls[0]["path"].endswith(COUNT_PATHS[outbound])
    else:
        assert raw.headers.get("x-routero-token-count") == "estimate"
        assert count > 0 and calls == []


@pytest.mark.parametrize("outbound", FAMILIES)
def test_count_tokens_gemini_client(clients, mock, outbound):
    seen = len(mock.calls())
    r = clients["gemini"].models.count_tokens(model=f"{outbound}-echo", contents=[gemini_user("one two three four")])
    calls = upstream_since(mock, seen)
    if outbound in COUNT_PATHS:
        assert genai_header(r, "x-routero-token-count") == "provider"
        assert r.total_tokens == 4
        assert [c["family"] for c in calls] == [MOCK_FAMILY[outbound]] and calls[0]["path"].endswith(COUNT_PATHS[outbound])
    else:
        assert genai_header(r, "x-routero-token-count") == "estimate"
        assert r.total_tokens > 0 and calls == []


# =============================================================================================
# 6. Errors: status and the client's own shape
# =============================================================================================

INBOUND = ["openai", "azure", "anthropic", "gemini"]


def call_inbound(clients, inbound: str, model: str, text: str = "hi", stream: bool = False):
    """One request; a stream is read to its end."""
    if inbound in ("openai", "azure"):
        r = clients[inbound].chat.completions.create(model=model, messages=[{"role": "user", "content": text}],
                                                     stream=stream)
    elif inbound == "anthropic":
        r = clients[inbound].messages.create(model=model, max_tokens=50, messages=[{"role": "user", "content": text}],
                                             stream=stream)
    elif stream:
        r = clients[inbound].models.generate_content_stream(model=model, contents=text)
    else:
        return clients[inbound].models.generate_content(model=model, contents=text)
    return list(r) if stream else r


# The provider's own words in each family's 429 (mock_*.py), which must reach the client.
RATE_LIMIT_TEXT = {"openai": "Rate limit reached", "azure": "Requests to the ChatCompletions_Create Operation",
                   "anthropic": "Number of request tokens has exceeded", "gemini": "You exceeded your current quota",
                   "vertex": "You exceeded your current quota", "vclaude": "Quota exceeded for aiplatform"}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("outbound", FAMILIES)
@pytest.mark.parametrize("inbound", INBOUND)
def test_rate_limit_in_client_shape(clients, inbound, outbound, stream):
    """An upstream 429, streaming or not: the client's own RateLimitError, body and retry-after
    (tensorzero PR #5772: provider error bodies lost on streaming paths)."""
    if inbound == "gemini":
        with pytest.raises(genai_errors.ClientError) as info:
            call_inbound(clients, inbound, f"{outbound}-429", stream=stream)
        assert info.value.code == 429 and info.value.status == "RESOURCE_EXHAUSTED"
        assert RATE_LIMIT_TEXT[outbound] in info.value.message, info.value.message
        headers = info.value.response.headers
    else:
        err = anthropic.RateLimitError if inbound == "anthropic" else openai.RateLimitError
        with pytest.raises(err) as info:
            call_inbound(clients, inbound, f"{outbound}-429", stream=stream)
        assert info.value.status_code == 429
        headers = info.value.response.headers
        body = info.value.response.json()
        assert RATE_LIMIT_TEXT[outbound] in body["error"]["message"], body
        if inbound == "anthropic":
            assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error", body
        else:
            assert set(body["error"]) >= {"message", "type", "param", "code"}, body
    if outbound != "vclaude":  # Vertex Claude's 429 (Google's envelope) gives no delay
        # Gemini/Vertex give a RetryInfo detail and no header: the gateway turns it into one
        assert headers.get("retry-after") == "7", dict(headers)


@pytest.mark.parametrize("outbound", ANTHROPIC_FAMILIES)
def test_anthropic_overloaded(clients, outbound):
    with pytest.raises(anthropic.APIStatusError) as info:
        call_inbound(clients, "anthropic", f"{outbound}-529")
    assert info.value.status_code == 529
    assert info.value.body["type"] == "error" and info.value.body["error"]["type"] == "overloaded_error"
    with pytest.raises(openai.InternalServerError) as oinfo:  # 529 means nothing to OpenAI clients
        call_inbound(clients, "openai", f"{outbound}-529")
    assert oinfo.value.status_code == 503, oinfo.value.status_code


MESSAGE = {"model": "anthropic-echo", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
CONTENTS = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
CHAT = {"model": "openai-echo", "messages": [{"role": "user", "content": "hi"}]}
AZURE_PATH = "/openai/deployments/{m}/chat/completions?api-version=2024-10-21"
NO_KEY = {"Authorization": None}
# (case id, path, body, headers, status, shape)
RAW_ERRORS = [
    ("messages-no-key", "/v1/messages", MESSAGE, NO_KEY, 401, "anthropic:authentication_error"),
    ("messages-bad-key", "/v1/messages", MESSAGE, {**NO_KEY, "x-api-key": "sk-wrong"}, 401,
     "anthropic:authentication_error"),
    ("count-no-key", "/v1/messages/count_tokens", {k: v for k, v in MESSAGE.items() if k != "max_tokens"}, NO_KEY,
     401, "anthropic:authentication_error"),
    ("messages-unknown-model", "/v1/messages", {**MESSAGE, "model": "no-such-model"}, {}, 404,
     "anthropic:not_found_error"),
    ("gemini-bad-key", "/v1beta/models/gemini-echo:generateContent", CONTENTS, {**NO_KEY, "x-goog-api-key": "wrong"},
     401, "google:UNAUTHENTICATED"),
    ("gemini-bad-key-query", "/v1beta/models/gemini-echo:generateContent?key=wrong", CONTENTS, NO_KEY, 401,
     "google:UNAUTHENTICATED"),
    ("gemini-stream-bad-key", "/v1beta/models/gemini-echo:streamGenerateContent?alt=sse", CONTENTS,
     {**NO_KEY, "x-goog-api-key": "wrong"}, 401, "google:UNAUTHENTICATED"),
    ("gemini-unknown-model", "/v1beta/models/no-such-model:generateContent", CONTENTS, {}, 404, "google:NOT_FOUND"),
    ("gemini-stream-unknown-model", "/v1beta/models/no-such-model:streamGenerateContent?alt=sse", CONTENTS, {}, 404,
     "google:NOT_FOUND"),
    ("gemini-count-unknown-model", "/v1beta/models/no-such-model:countTokens", CONTENTS, {}, 404, "google:NOT_FOUND"),
    ("chat-bad-key", "/v1/chat/completions", CHAT, {"Authorization": "Bearer sk-wrong"}, 401, "openai:invalid_api_key"),
    ("chat-unknown-model", "/v1/chat/completions", {**CHAT, "model": "no-such-model"}, {}, 404,
     "openai:model_not_found"),
    ("azure-bad-key", AZURE_PATH.format(m="openai-echo"), {"messages": CHAT["messages"]},
     {**NO_KEY, "api-key": "wrong"}, 401, "openai:invalid_api_key"),
    ("azure-unknown-deployment", AZURE_PATH.format(m="no-such-model"), {"messages": CHAT["messages"]}, {}, 404,
     "openai:model_not_found"),
]


@pytest.mark.parametrize("path,body,headers,status,shape", [c[1:] for c in RAW_ERRORS], ids=[c[0] for c in RAW_ERRORS])
def test_error_shape_raw(family_stack, mock, path, body, headers, status, shape):
    seen = len(mock.calls())
    got, hdrs, raw = raw_request(family_stack.port, "POST", path, body, headers=headers)
    assert got == status, raw
    assert hdrs["content-type"].startswith("application/json")
    doc = json.loads(raw)
    kind, code = shape.split(":")
    if kind == "anthropic":
        assert set(doc) <= {"type", "error", "request_id"} and doc["type"] == "error", doc
        assert doc["error"]["type"] == code and isinstance(doc["error"]["message"], str), doc
    elif kind == "google":
        assert set(doc) == {"error"}, doc
        assert doc["error"]["code"] == status and doc["error"]["status"] == code, doc
        assert isinstance(doc["error"]["message"], str) and doc["error"]["message"]
    else:
        assert set(doc) == {"error"} and set(doc["error"]) >= {"message", "type", "param", "code"}, doc
        assert doc["error"]["code"] == code, doc
    assert upstream_since(mock, seen) == []  # refused before any provider is asked


@pytest.mark.parametrize("inbound", INBOUND)
def test_unknown_model_and_bad_key_sdk(clients, family_stack, inbound):
    if inbound == "gemini":
        with pytest.raises(genai_errors.ClientError) as info:
            call_inbound(clients, inbound, "no-such-model")
        assert info.value.code == 404 and info.value.status == "NOT_FOUND"
        from google import genai
        bad = genai.Client(api_key="wrong", http_options=types.HttpOptions(base_url=family_stack.base_url,
                                                                           api_version="v1beta", timeout=30_000))
        with pytest.raises(genai_errors.ClientError) as info:
            bad.models.generate_content(model="gemini-echo", contents="hi")
        assert info.value.code == 401 and info.value.status == "UNAUTHENTICATED"
        return
    sdk = anthropic if inbound == "anthropic" else openai
    with pytest.raises(sdk.NotFoundError):
        call_inbound(clients, inbound, "no-such-model")
    bad = clients[inbound].with_options(api_key="sk-wrong")
    with pytest.raises(sdk.AuthenticationError):
        call_inbound({inbound: bad}, inbound, f"{'anthropic' if inbound == 'anthropic' else 'openai'}-echo")


# Provider-side refusals / safety stops, in each client's vocabulary.
@pytest.mark.parametrize("outbound", ["anthropic", "vclaude", "gemini", "vertex"])
def test_refusal_finish_reason(clients, outbound):
    r = clients["openai"].chat.completions.create(model=f"{outbound}-filter", messages=[{"role": "user", "content": "hi"}])
    assert r.choices[0].finish_reason == "content_filter"
    a = clients["anthropic"].messages.create(model=f"{outbound}-filter", max_tokens=50,
                                             messages=[{"role": "user", "content": "hi"}])
    assert a.stop_reason == "refusal"
    g = clients["gemini"].models.generate_content(model=f"{outbound}-filter", contents="hi")
    assert g.candidates[0].finish_reason == types.FinishReason.SAFETY


# =============================================================================================
# 7. Faults in the middle of a stream
# =============================================================================================

FAULT_TEXT = "one two three four five"
FAULT_PREFIX = {"cut-3": ("echo: " + FAULT_TEXT)[:9], "overload-mid": ("echo: " + FAULT_TEXT)[:6]}  # 3-char deltas


def assert_broken_prefix(text: str, fault: str) -> None:
    """A stream that broke and broke again: the group's one deployment was retried and continued the
    answer (test_continuation.py), then failed the same way. The client has the answer's beginning,
    at least the first leg's, with no duplicate and no gap, and then the error."""
    assert text.startswith(FAULT_PREFIX[fault]), text
    assert ("echo: " + FAULT_TEXT).startswith(text), text


@pytest.mark.parametrize("fault", list(FAULT_PREFIX))
@pytest.mark.parametrize("outbound", FAMILIES)
def test_mid_stream_fault_openai(clients, outbound, fault):
    text, finishes = "", []
    with pytest.raises(openai.APIError):
        for chunk in clients["openai"].chat.completions.create(
                model=f"{outbound}-{fault}", messages=[{"role": "user", "content": FAULT_TEXT}], stream=True):
            if chunk.choices:
                text += chunk.choices[0].delta.content or ""
                finishes += [chunk.choices[0].finish_reason] if chunk.choices[0].finish_reason else []
    assert_broken_prefix(text, fault)
    assert finishes == []


@pytest.mark.parametrize("fault", list(FAULT_PREFIX))
@pytest.mark.parametrize("outbound", FAMILIES)
def test_mid_stream_fault_anthropic(clients, outbound, fault):
    text, events = "", []
    with pytest.raises(anthropic.APIStatusError) as info:
        for ev in clients["anthropic"].messages.create(model=f"{outbound}-{fault}", max_tokens=100, stream=True,
                                                       messages=[{"role": "user", "content": FAULT_TEXT}]):
            events.append(ev.type)
            if ev.type == "content_block_delta" and ev.delta.type == "text_delta":
                text += ev.delta.text
    assert_broken_prefix(text, fault)
    assert "message_stop" not in events and "message_delta" not in events, events
    body = info.value.body
    assert body["type"] == "error" and body["error"]["type"] in ("api_error", "overloaded_error"), body
    if fault == "overload-mid" and outbound in ANTHROPIC_FAMILIES:
        assert body["error"]["type"] == "overloaded_error", body


@pytest.mark.parametrize("fault", list(FAULT_PREFIX))
@pytest.mark.parametrize("outbound", FAMILIES)
def test_mid_stream_fault_gemini(clients, outbound, fault):
    text, finishes = "", []
    with pytest.raises(genai_errors.APIError) as info:
        for r in clients["gemini"].models.generate_content_stream(model=f"{outbound}-{fault}", contents=FAULT_TEXT):
            for cand in r.candidates or []:
                text += "".join(p.text or "" for p in (cand.content.parts if cand.content else None) or [])
                finishes += [cand.finish_reason] if cand.finish_reason else []
    assert_broken_prefix(text, fault)
    assert finishes == []
    assert info.value.code >= 500


# =============================================================================================
# 8. Parameters a family cannot express
# =============================================================================================

@pytest.mark.parametrize("model,param,value", [
    ("anthropic-echo", "logit_bias", {"50256": -100}), ("vclaude-echo", "logit_bias", {"50256": -100}),
    ("gemini-echo", "logit_bias", {"50256": -100}), ("anthropic-echo", "n", 2), ("anthropic-echo", "seed", 7),
])
def test_unsupported_parameter_openai_client(clients, mock, model, param, value):
    seen = len(mock.calls())
    with pytest.raises(openai.BadRequestError) as info:
        clients["openai"].chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                                  **{param: value})
    err = info.value.response.json()["error"]
    assert err["param"] == param and err["code"] == "unsupported_parameter" and param in err["message"], err
    assert err["type"] == "invalid_request_error"
    assert upstream_since(mock, seen) == []


@pytest.mark.parametrize("family", ["anthropic", "gemini"])
def test_drop_params_deployment(clients, mock, family):
    seen = len(mock.calls())
    r = clients["openai"].chat.completions.create(model=f"{family}-drop", messages=[{"role": "user", "content": "hi"}],
                                                  logit_bias={"50256": -100}, parallel_tool_calls=False,
                                                  tools=OPENAI_TOOLS)
    assert r.choices[0].message.content == "echo: hi"
    sent = json.dumps(one_upstream(mock, seen, family)["body"])
    assert "logit_bias" not in sent and "50256" not in sent
    if family == "anthropic":  # n=2 dropped too: one choice
        r = clients["openai"].chat.completions.create(model="anthropic-drop", n=2,
                                                      messages=[{"role": "user", "content": "hi"}])
        assert [c.message.content for c in r.choices] == ["echo: hi"]


def test_unsupported_parameter_gemini_parallel_tool_calls(clients):
    with pytest.raises(openai.BadRequestError) as info:
        clients["openai"].chat.completions.create(model="gemini-tool", messages=[{"role": "user", "content": "hi"}],
                                                  tools=OPENAI_TOOLS, parallel_tool_calls=False)
    assert info.value.response.json()["error"]["param"] == "parallel_tool_calls"


@pytest.mark.parametrize("outbound", ["openai", "azure", "gemini"])
def test_anthropic_only_fields(clients, mock, outbound):
    client, model = clients["anthropic"], f"{outbound}-echo"
    seen = len(mock.calls())
    # service_tier is advisory: dropped for other families
    r = client.messages.create(model=model, max_tokens=20, messages=[{"role": "user", "content": "hi"}],
                               service_tier="auto")
    assert "".join(b.text for b in r.content if b.type == "text") == "echo: hi"
    assert "service_tier" not in one_upstream(mock, seen, outbound)["body"]
    # container (code execution) cannot be expressed, nor top_k for OpenAI: 400 in Anthropic's shape
    fields = [("container", "cntr_011example")] + ([("top_k", 5)] if outbound in OPENAI_FAMILIES else [])
    for field, value in fields:
        seen = len(mock.calls())
        with pytest.raises(anthropic.BadRequestError) as info:
            client.messages.create(model=model, max_tokens=20, messages=[{"role": "user", "content": "hi"}],
                                   extra_body={field: value})
        body = info.value.body
        assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error", body
        assert field in body["error"]["message"], body
        assert upstream_since(mock, seen) == []


# =============================================================================================
# 10. Azure specifics
# =============================================================================================

def test_azure_upstream_request(clients, mock):
    seen = len(mock.calls())
    r = clients["openai"].chat.completions.create(model="azure-echo", messages=[{"role": "user", "content": "hi"}])
    assert r.choices[0].message.content == "echo: hi"
    call = one_upstream(mock, seen, "azure")
    assert call["target"] == "/azure/openai/deployments/mock-echo/chat/completions?api-version=2024-10-21"
    assert call["headers"].get("api-key") == MOCK_KEY and "authorization" not in call["headers"]
    assert call["auth_style"] == "api-key"


def test_azure_content_filter(clients, mock):
    with pytest.raises(openai.BadRequestError) as info:
        clients["openai"].chat.completions.create(model="azure-filter", messages=[{"role": "user", "content": "hi"}])
    err = info.value.response.json()["error"]
    assert err["code"] == "content_filter" and err["param"] == "prompt", err
    with pytest.raises(anthropic.BadRequestError) as ainfo:
        clients["anthropic"].messages.create(model="azure-filter", max_tokens=20,
                                             messages=[{"role": "user", "content": "hi"}])
    assert ainfo.value.body["error"]["type"] == "invalid_request_error"
    with pytest.raises(genai_errors.ClientError) as ginfo:
        clients["gemini"].models.generate_content(model="azure-filter", contents="hi")
    assert ginfo.value.code == 400 and ginfo.value.status == "INVALID_ARGUMENT"


def test_azure_entra_client_credentials(clients, mock):
    """An Azure deployment with tenant_id/client_id/client_secret: the gateway fetches an Entra
    token (client-credentials grant, Azure OpenAI's scope) once, and sends it as a bearer, never
    the api-key header."""
    seen = len(mock.calls())
    for _ in range(3):
        r = clients["openai"].chat.completions.create(model="azure-entra", messages=[{"role": "user", "content": "Paris"}])
        assert r.choices[0].message.content == "echo: Paris"
    calls = mock.calls()[seen:]
    grants = [c for c in calls if c.get("family") == "entra-token"]
    azure = [c for c in calls if c.get("family") == "azure"]
    assert len(grants) == 1 and len(azure) == 3
    assert grants[0]["path"] == "/entra/e2e-tenant/oauth2/v2.0/token"
    assert grants[0]["body"]["grant_type"] == "client_credentials" and grants[0]["body"]["client_id"] == "e2e-client"
    assert grants[0]["body"]["scope"] == "https://cognitiveservices.azure.com/.default"
    assert all(c["headers"].get("authorization", "").startswith("Bearer ") and "api-key" not in c["headers"] for c in azure)
    assert len({c["headers"]["authorization"] for c in azure}) == 1


@pytest.mark.parametrize("outbound", FAMILIES)
def test_gemini_json_array_stream(family_stack, outbound):
    """:streamGenerateContent without alt=sse answers a streamed JSON array, as Google does: the
    whole body parses as one array, the texts join to the answer, the last element carries the
    finish reason and usage. For the gemini family the mock's own array passes through."""
    from helpers import raw_request
    body = {"contents": [{"role": "user", "parts": [{"text": "Paris"}]}]}
    status, headers, raw = raw_request(family_stack.port, "POST",
                                       f"/v1beta/models/{outbound}-echo:streamGenerateContent", body,
                                       headers={"Authorization": None, "x-goog-api-key": MASTER_KEY})
    assert status == 200, raw[:300]
    assert headers["content-type"].startswith("application/json")
    elements = json.loads(raw)
    assert isinstance(elements, list) and len(elements) >= 2
    text = "".join(p.get("text", "") for e in elements for c in e.get("candidates", [])
                   for p in (c.get("content") or {}).get("parts", []))
    assert text == "echo: Paris"
    last = elements[-1]
    assert last["candidates"][0]["finishReason"] == "STOP" and last["usageMetadata"]["totalTokenCount"] > 0


@pytest.mark.parametrize("outbound", FAMILIES)
def test_gemini_json_array_stream_cut_ends_with_error_element(family_stack, outbound):
    from helpers import raw_request
    body = {"contents": [{"role": "user", "parts": [{"text": "Paris"}]}]}
    status, _, raw = raw_request(family_stack.port, "POST", f"/v1beta/models/{outbound}-cut-3:streamGenerateContent",
                                 body, headers={"Authorization": None, "x-goog-api-key": MASTER_KEY})
    assert status == 200
    elements = json.loads(raw)  # still a complete array: the error is its last element
    assert "error" in elements[-1] and elements[-1]["error"]["code"] >= 500
    assert all("finishReason" not in c for e in elements[:-1] for c in e.get("candidates", []))
