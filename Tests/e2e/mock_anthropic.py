"""Anthropic Messages API, as the mock serves it (also Claude on Vertex AI). Standard library only.

Paths (any prefix before them):
  POST {prefix}/v1/messages                      create (``stream: true`` -> SSE)
  POST {prefix}/v1/messages/count_tokens         -> ``{"input_tokens": N}``
  POST {prefix}/v1/projects/{p}/locations/{l}/publishers/anthropic/models/{model}:rawPredict
  POST {prefix}/v1/projects/{p}/locations/{l}/publishers/anthropic/models/{model}:streamRawPredict
  POST {prefix}/v1/projects/{p}/locations/{l}/publishers/anthropic/models/count-tokens:rawPredict
  (``v1beta1`` is accepted in place of ``v1`` on the Vertex paths)

Auth and headers (first-party paths), checked in this order:
  ``x-api-key: <key>`` or ``Authorization: Bearer <key>`` (key = --key) -> else 401
  ``authentication_error`` ("x-api-key header is required" / "invalid x-api-key");
  ``anthropic-version`` required (400 "anthropic-version: header is required"); accepted values
  ``2023-06-01``, ``2023-01-01`` and ``2026-10-21`` (the version the installed anthropic SDK sends);
  ``content-type: application/json``.
Vertex paths: ``Authorization: Bearer <token from the mock's /token>`` (see mock_google_auth.py;
401 UNAUTHENTICATED in Google's envelope otherwise); no ``anthropic-version`` header needed; the
body must NOT contain ``model`` (400 "model: Extra inputs are not permitted") and MUST contain
``"anthropic_version": "vertex-2023-10-16"`` (the installed SDK's ``2026-10-21`` is accepted too;
absent -> "anthropic_version: Field required", other -> "anthropic_version: Input should be
'vertex-2023-10-16'"); count-tokens keeps ``model`` in the body. ``:streamRawPredict`` requires
``"stream": true`` and ``:rawPredict`` forbids it (400; a mock rule, so a gateway cannot stream
through the non-streaming verb unnoticed).

Request validation (400 ``invalid_request_error``; the message is the first problem found, in
pydantic's ``<loc>: <msg>`` style, locations like ``messages.1.content.0``):
  * unknown top-level fields -> "<field>: Extra inputs are not permitted". Allowed: model,
    max_tokens, messages, system, temperature, top_p, top_k, stop_sequences, stream, tools,
    tool_choice, thinking, metadata (only ``user_id``), service_tier, output_config,
    cache_control, container, mcp_servers, context_management, diagnostics, inference_geo, speed
    (count_tokens: model, messages, system, tools, tool_choice, thinking, cache_control,
    output_config, speed, mcp_servers, context_management);
  * ``max_tokens`` required ("max_tokens: Field required"), integer >= 0; ``messages`` required;
    ``temperature`` 0..1, ``top_p`` 0..1, ``top_k`` >= 0, ``stop_sequences`` list of strings;
  * messages: non-empty; only ``role``/``content`` keys; roles user/assistant; the first must be
    user; consecutive same-role turns are REJECTED ("messages: roles must alternate between
    "user" and "assistant", but found multiple "user" roles in a row") -- stricter than the real
    API, which merges them, so the gateway must merge; empty content (``""``/``[]``) only for a
    final assistant turn; a final assistant (prefill) may not end with whitespace;
  * blocks: text (non-empty ``text``), image (source base64 with media_type jpeg/png/gif/webp and
    data whose magic bytes match the media type, or url, or file), document (base64 PDF, text,
    url, content, file), tool_use (assistant only; ``id`` matching ``^[a-zA-Z0-9_-]+$``,
    ``input`` an object), tool_result (user only; content string or text/image/document blocks),
    thinking / redacted_thinking (assistant only); other types -> "Input tag ... does not match";
  * every assistant ``tool_use`` must be answered by a ``tool_result`` with its id in the very
    next (user) turn, tool_results before any other block of that turn; a ``tool_result`` whose
    id was not a tool_use of the previous turn -> 400 "unexpected `tool_use_id` ...";
  * replayed ``thinking`` blocks must carry the signature the mock issued for exactly that text
    (HMAC) -> else "messages.N.content.K: Invalid `signature` in `thinking` block";
    ``redacted_thinking.data`` must be the mock's -> else "Invalid `data` in `redacted_thinking`";
  * tools: unique names matching ``^[a-zA-Z0-9_-]{1,128}$``, client tools need an object
    ``input_schema`` with ``"type": "object"``; tool_choice type auto|any|tool|none (tool needs
    ``name``); thinking ``{"type": "enabled", "budget_tokens" >= 1024 and < max_tokens}`` |
    disabled | adaptive; with thinking enabled: tool_choice any/tool -> "Thinking may not be
    enabled when tool_choice forces tool use.", temperature other than 1 and top_k are rejected,
    and when the conversation ends in a tool loop the last assistant turn must start with a
    thinking/redacted_thinking block ("Expected `thinking` or `redacted_thinking`, but found ...").

Answers (``answer_text`` / ``plan_for`` compute them): the shared rules of mock_openai.py, applied
to the last ``user`` message: its text blocks joined with " " (a string content is one block),
`` [image image/png 123]`` per base64 image (decoded bytes), `` [image <url>]`` per url image,
`` [document application/pdf 456]`` / `` [document <url>]`` per document; a turn of tool_result
blocks answers ``tool said: <r1> | <r2>`` where each result is its string content or its text
blocks joined with " " plus media suffixes (images inside tool results survive), plus
`` / user said: <text>`` if the turn also has text. Prefill: when the last message is assistant,
the answer continues after its text (the prefix is removed when the answer starts with it).
``stop_sequences``: the answer is cut before the earliest one (stop_reason ``stop_sequence``,
``stop_sequence`` set); more words than ``max_tokens``: truncated to max_tokens words
(``max_tokens``). Tool calls: ``toolu_<24 hex>`` ids, stop_reason ``tool_use``.
mock-think: a ``thinking`` block first, text "Let me think about: <user text>" with signature
``mock_core.sign("anthropic-thinking", text)``; if the user text contains "redact" a
``redacted_thinking`` block (data ``REDACTED_DATA``) follows. mock-filter: stop_reason ``refusal``,
no content, ``stop_details: {"type": "refusal", ...}``.
Usage: ``input_tokens`` = words of system + all text blocks / string contents (also inside
tool_result) + the number of declared tools (one word per tool name) -- count_tokens returns the
same number; ``output_tokens`` = words of text + thinking + each tool input's ``json.dumps``;
cache fields 0, ``service_tier: "standard"``.

Stream (``stream: true``): ``message_start`` (usage with input_tokens, output_tokens 1), per block
``content_block_start`` / deltas / ``content_block_stop`` with indices counting every block,
one ``ping`` after the first content_block_start, thinking as thinking_delta pieces + one
signature_delta, redacted_thinking whole in its start event, text as 3-character text_delta
pieces, tool_use as input_json_delta fragments (the first one ``""``), then ``message_delta``
(stop_reason, stop_sequence, cumulative usage incl. input_tokens) and ``message_stop``.
mock-cut-<n>: n text deltas then the TCP connection is aborted (no message_stop, no final HTTP
chunk). mock-overload-mid: two text deltas then ``event: error`` ``overloaded_error``, end.

Faults (after validation; messages quote the presented key unless --no-echo-key, like OpenAI's):
mock-429 -> 429 rate_limit_error + ``retry-after: 7`` + anthropic-ratelimit-* headers;
mock-500 -> 500 api_error; mock-503 -> 503 api_error; mock-529 -> 529 overloaded_error;
mock-401 -> 401 authentication_error; mock-404 -> 404 not_found_error; mock-slow-<ms> waits.
Errors are ``{"type": "error", "error": {"type", "message"}, "request_id": "req_011..."}`` with the
same id in the ``request-id`` header. On Vertex, mock-429 and mock-401 answer in Google's envelope
(429 RESOURCE_EXHAUSTED, 401 UNAUTHENTICATED) -- the Google side of the service fails there --
while the other faults keep Anthropic's envelope.
"""
from __future__ import annotations

import json
import re
import urllib.parse

from mock_core import (Behaviour, Exchange, Plan, Turn, b64_bytes, behaviour, continuation_of, fragments, make_plan,
                       media_suffix, short_id, sign, split_pieces, sse, word_count)
from mock_google_auth import check_bearer, google_error, unauthenticated

ANTHROPIC_VERSIONS = {"2023-06-01", "2023-01-01", "2026-10-21"}
VERTEX_VERSIONS = {"vertex-2023-10-16", "2026-10-21"}
CREATE_FIELDS = {"model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k", "stop_sequences",
                 "stream", "tools", "tool_choice", "thinking", "metadata", "service_tier", "output_config",
                 "cache_control", "container", "mcp_servers", "context_management", "diagnostics", "inference_geo",
                 "speed"}
COUNT_FIELDS = {"model", "messages", "system", "tools", "tool_choice", "thinking", "cache_control", "output_config",
                "speed", "mcp_servers", "context_management"}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
BLOCK_TYPES = ("text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking")
ASSISTANT_ONLY = {"tool_use", "thinking", "redacted_thinking"}
TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,128}")
TOOL_ID = re.compile(r"[a-zA-Z0-9_-]+")
REDACTED_DATA = sign("anthropic-redacted", "redacted")
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "stop_sequence": "stop_sequence", "tool_calls": "tool_use"}

VERTEX_PATH = re.compile(r"(?P<prefix>.*)/(?:v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
                         r"/publishers/anthropic/models/(?P<model>[^/:]+):(?P<verb>[A-Za-z]+)")


class Invalid(Exception):
    """A 400 invalid_request_error with this message."""


def anthropic_error(status: int, type_: str, message: str, headers: list | None = None) -> tuple:
    rid = "req_011" + short_id(20)
    return status, {"type": "error", "error": {"type": type_, "message": message}, "request_id": rid}, \
        [("request-id", rid)] + (headers or [])


def image_magic(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# ---------------------------------------------------------------------------------------------
# Deterministic answers (imported by the tests to compute expectations)
# ---------------------------------------------------------------------------------------------

def _blocks(content) -> list:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def block_media(block: dict) -> str:
    """`` [image image/png 123]``-style suffix of an image/document block ("" otherwise)."""
    src = block.get("source") or {}
    kind = "image" if block.get("type") == "image" else "document"
    if src.get("type") == "base64":
        return media_suffix(src.get("media_type"), src.get("data"), kind=kind)
    if src.get("type") == "url":
        return media_suffix(url=src.get("url"), kind=kind)
    if src.get("type") == "file":
        return media_suffix(url="file:" + str(src.get("file_id")), kind=kind)
    if src.get("type") == "text":
        return f" [{kind} {src.get('media_type')} {len(str(src.get('data', '')).encode())}]"
    return ""


def tool_result_text(block: dict) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    parts = _blocks(content)
    text = " ".join(b.get("text", "") for b in parts if b.get("type") == "text")
    return text + "".join(block_media(b) for b in parts if b.get("type") in ("image", "document"))


def _plain_text(m: dict) -> str:
    return "".join(b.get("text", "") for b in _blocks(m.get("content")) if b.get("type") == "text")


def continuation(body: dict) -> tuple[int, str] | None:
    """(index of the original user message, delivered prefix) when Routero asks to continue a cut answer."""
    msgs = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    return continuation_of([(m.get("role"), _plain_text(m)) for m in msgs])


def last_turn(body: dict) -> Turn:
    msgs = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    cont = continuation(body)
    users = [msgs[cont[0]]] if cont is not None else [m for m in msgs if m.get("role") == "user"]
    if not users:
        return Turn()
    blocks = _blocks(users[-1].get("content"))
    text = " ".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    media = [block_media(b) for b in blocks if b.get("type") in ("image", "document")]
    results = [tool_result_text(b) for b in blocks if b.get("type") == "tool_result"]
    return Turn(text, media, results or None)


def prefill_of(body: dict) -> str:
    msgs = body.get("messages") or []
    cont = continuation(body)
    if cont is not None and not behaviour(body.get("model")).echoprefix:
        return cont[1]
    last = msgs[-1] if msgs and isinstance(msgs[-1], dict) else {}
    if last.get("role") != "assistant":
        return ""
    return "".join(b.get("text", "") for b in _blocks(last.get("content")) if b.get("type") == "text")


def declared_tools(body: dict) -> list[str]:
    return [t["name"] for t in body.get("tools") or [] if isinstance(t, dict) and isinstance(t.get("name"), str)]


def plan_for(body: dict, model: str | None = None) -> Plan:
    """What the mock answers to ``body`` (model from the body unless given, e.g. on Vertex)."""
    b = behaviour(model or body.get("model"))
    return make_plan(b, last_turn(body), declared_tools(body), body.get("max_tokens"), body.get("stop_sequences"),
                     prefill=prefill_of(body))


def answer_text(body: dict) -> str:
    """The visible text the echo models answer (``echo: ...`` / ``tool said: ...``)."""
    return plan_for(body).text


def text_words(content) -> int:
    n = 0
    for b in _blocks(content):
        if b.get("type") == "text":
            n += word_count(b.get("text", "") if isinstance(b.get("text"), str) else "")
        elif b.get("type") == "tool_result":
            c = b.get("content")
            n += word_count(c) if isinstance(c, str) else text_words(c if isinstance(c, list) else [])
    return n


def input_tokens(body: dict) -> int:
    """Words of system + message texts (also inside tool results) + one per declared tool."""
    n = text_words(body.get("system") or [])
    n += sum(text_words(m.get("content")) for m in body.get("messages") or [] if isinstance(m, dict))
    return n + len(declared_tools(body))


def usage(body: dict, plan: Plan | None) -> dict:
    return {"input_tokens": input_tokens(body), "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": plan.output_words() if plan else 0, "service_tier": "standard"}


def content_blocks(plan: Plan, turn: Turn) -> list[dict]:
    blocks = []
    if plan.thinking is not None:
        blocks.append({"type": "thinking", "thinking": plan.thinking, "signature": sign("anthropic-thinking",
                                                                                         plan.thinking)})
        if "redact" in turn.text:
            blocks.append({"type": "redacted_thinking", "data": REDACTED_DATA})
    if plan.text:
        blocks.append({"type": "text", "text": plan.text})
    for name, args in plan.calls:
        blocks.append({"type": "tool_use", "id": "toolu_" + short_id(24), "name": name, "input": args})
    return blocks


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def _num(body: dict, key: str, lo=None, hi=None, integer=False) -> None:
    if key not in body:
        return
    v = body[key]
    if isinstance(v, bool) or not isinstance(v, int if integer else (int, float)):
        raise Invalid(f"{key}: Input should be a valid {'integer' if integer else 'number'}")
    if lo is not None and v < lo:
        raise Invalid(f"{key}: Input should be greater than or equal to {lo}")
    if hi is not None and v > hi:
        raise Invalid(f"{key}: Input should be less than or equal to {hi}")


def _extra(obj: dict, allowed: set, loc: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise Invalid(f"{loc}{extra[0]}: Extra inputs are not permitted")


def validate_source(src, loc: str, kind: str) -> None:
    if not isinstance(src, dict):
        raise Invalid(f"{loc}.source: Field required")
    t = src.get("type")
    if kind == "image" and t == "base64":
        _extra(src, {"type", "media_type", "data"}, f"{loc}.source.base64.")
        if src.get("media_type") not in IMAGE_TYPES:
            raise Invalid(f"{loc}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', "
                          "'image/gif' or 'image/webp'")
        raw = b64_bytes(src.get("data"))
        if raw is None:
            raise Invalid(f"{loc}.source.base64.data: Invalid base64 data")
        actual = image_magic(raw)
        if actual is None:
            raise Invalid(f"{loc}.source.base64.data: Could not process image")
        if actual != src["media_type"]:
            raise Invalid(f"{loc}.source.base64.data: The image was specified using the {src['media_type']} media "
                          f"type, but the image appears to be a {actual} image")
    elif kind == "document" and t == "base64":
        if src.get("media_type") != "application/pdf" or b64_bytes(src.get("data")) is None:
            raise Invalid(f"{loc}.source.base64: a base64 document needs media_type 'application/pdf' and "
                          "base64 data")
    elif kind == "document" and t == "text":
        if src.get("media_type") != "text/plain" or not isinstance(src.get("data"), str):
            raise Invalid(f"{loc}.source.text: a text document needs media_type 'text/plain' and data")
    elif t == "url":
        if not isinstance(src.get("url"), str) or not src["url"].startswith(("http://", "https://")):
            raise Invalid(f"{loc}.source.url.url: Input should be a valid URL")
    elif t == "file":
        if not isinstance(src.get("file_id"), str):
            raise Invalid(f"{loc}.source.file.file_id: Field required")
    elif not (kind == "document" and t == "content"):
        tags = "'base64', 'url', 'file'" if kind == "image" else "'base64', 'text', 'content', 'url', 'file'"
        raise Invalid(f"{loc}.source: Input tag '{t}' found using 'type' does not match any of the expected "
                      f"tags: {tags}")


def validate_block(block, loc: str, role: str, nested: bool = False) -> None:
    if not isinstance(block, dict):
        raise Invalid(f"{loc}: Input should be a valid dictionary or object to extract fields from")
    t = block.get("type")
    allowed = ("text", "image", "document") if nested else BLOCK_TYPES
    if t not in allowed:
        tags = ", ".join(f"'{x}'" for x in allowed)
        raise Invalid(f"{loc}: Input tag '{t}' found using 'type' does not match any of the expected tags: {tags}")
    if t in ASSISTANT_ONLY and role != "assistant":
        raise Invalid(f"{loc}: `{t}` blocks are only allowed in `assistant` messages")
    if t == "tool_result" and role != "user":
        raise Invalid(f"{loc}: `tool_result` blocks are only allowed in `user` messages")
    cc = {"cache_control"}
    if t == "text":
        _extra(block, {"type", "text", "citations"} | cc, f"{loc}.text.")
        if not isinstance(block.get("text"), str):
            raise Invalid(f"{loc}.text.text: Field required")
        if not block["text"]:
            raise Invalid("messages: text content blocks must be non-empty")
    elif t in ("image", "document"):
        _extra(block, {"type", "source", "title", "context", "citations"} | cc if t == "document"
               else {"type", "source"} | cc, f"{loc}.{t}.")
        validate_source(block.get("source"), f"{loc}.{t}", t)
    elif t == "tool_use":
        _extra(block, {"type", "id", "name", "input", "caller"} | cc, f"{loc}.tool_use.")
        if not isinstance(block.get("id"), str) or not TOOL_ID.fullmatch(block["id"]):
            raise Invalid(f"{loc}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'")
        if not isinstance(block.get("name"), str) or not block["name"]:
            raise Invalid(f"{loc}.tool_use.name: Field required")
        if not isinstance(block.get("input"), dict):
            raise Invalid(f"{loc}.tool_use.input: Input should be a valid dictionary")
    elif t == "tool_result":
        _extra(block, {"type", "tool_use_id", "content", "is_error"} | cc, f"{loc}.tool_result.")
        if not isinstance(block.get("tool_use_id"), str) or not TOOL_ID.fullmatch(block["tool_use_id"]):
            raise Invalid(f"{loc}.tool_result.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'")
        content = block.get("content")
        if isinstance(content, list):
            for k, inner in enumerate(content):
                validate_block(inner, f"{loc}.tool_result.content.{k}", role, nested=True)
        elif content is not None and not isinstance(content, str):
            raise Invalid(f"{loc}.tool_result.content: Input should be a valid string or list")
        if "is_error" in block and not isinstance(block["is_error"], bool):
            raise Invalid(f"{loc}.tool_result.is_error: Input should be a valid boolean")
    elif t == "thinking":
        _extra(block, {"type", "thinking", "signature"}, f"{loc}.thinking.")
        if not isinstance(block.get("thinking"), str) or not isinstance(block.get("signature"), str):
            raise Invalid(f"{loc}.thinking.signature: Field required")
        if block["signature"] != sign("anthropic-thinking", block["thinking"]):
            raise Invalid(f"{loc}: Invalid `signature` in `thinking` block")
    elif t == "redacted_thinking":
        _extra(block, {"type", "data"}, f"{loc}.redacted_thinking.")
        if block.get("data") != REDACTED_DATA:
            raise Invalid(f"{loc}: Invalid `data` in `redacted_thinking` block")


def validate_messages(messages) -> None:
    if not isinstance(messages, list):
        raise Invalid("messages: Input should be a valid list")
    if not messages:
        raise Invalid("messages: at least one message is required")
    prev_role = None
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise Invalid(f"messages.{i}: Input should be a valid dictionary")
        _extra(m, {"role", "content"}, f"messages.{i}.")
        role = m.get("role")
        if role not in ("user", "assistant"):
            raise Invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if "content" not in m:
            raise Invalid(f"messages.{i}.content: Field required")
        if i == 0 and role != "user":
            raise Invalid('messages: first message must use the "user" role')
        if role == prev_role:
            raise Invalid(f'messages: roles must alternate between "user" and "assistant", but found multiple '
                          f'"{role}" roles in a row')
        prev_role = role
        content = m["content"]
        final_assistant = i == len(messages) - 1 and role == "assistant"
        if not isinstance(content, (str, list)):
            raise Invalid(f"messages.{i}.content: Input should be a valid string or list")
        if not content and not final_assistant:
            raise Invalid(f"messages.{i}: all messages must have non-empty content except for the optional final "
                          "assistant message")
        for k, block in enumerate(content if isinstance(content, list) else []):
            validate_block(block, f"messages.{i}.content.{k}", role)
        if final_assistant and prefill_of({"messages": [m]}) != prefill_of({"messages": [m]}).rstrip():
            raise Invalid("messages: final assistant content cannot end with trailing whitespace")
    validate_tool_pairs(messages)


def validate_tool_pairs(messages: list) -> None:
    for i, m in enumerate(messages):
        blocks = _blocks(m.get("content"))
        if m["role"] == "assistant":
            ids = [b["id"] for b in blocks if b.get("type") == "tool_use"]
            nxt = _blocks(messages[i + 1].get("content")) if i + 1 < len(messages) else []
            answered = {b.get("tool_use_id") for b in nxt if b.get("type") == "tool_result"}
            missing = [x for x in ids if x not in answered]
            if missing:
                raise Invalid(f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                              f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                              "`tool_result` block in the next message.")
            continue
        prev = _blocks(messages[i - 1].get("content")) if i else []
        known = {b.get("id") for b in prev if b.get("type") == "tool_use"}
        seen_other = False
        for k, b in enumerate(blocks):
            if b.get("type") != "tool_result":
                seen_other = True
                continue
            if b.get("tool_use_id") not in known:
                raise Invalid(f"messages.{i}.content.{k}: unexpected `tool_use_id` found in `tool_result` blocks: "
                              f"{b.get('tool_use_id')}. Each `tool_result` block must have a corresponding "
                              "`tool_use` block in the previous message.")
            if seen_other:
                raise Invalid(f"messages.{i}.content.{k}: `tool_result` blocks must come before any other content "
                              "in the `user` message that answers the `tool_use` blocks")


def validate_tools(body: dict) -> None:
    tools = body.get("tools")
    if tools is None:
        return
    if not isinstance(tools, list):
        raise Invalid("tools: Input should be a valid list")
    names = []
    for i, t in enumerate(tools):
        if not isinstance(t, dict):
            raise Invalid(f"tools.{i}: Input should be a valid dictionary")
        name = t.get("name")
        if not isinstance(name, str) or not TOOL_NAME.fullmatch(name):
            raise Invalid(f"tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
        names.append(name)
        if t.get("type") in (None, "custom"):
            _extra(t, {"type", "name", "description", "input_schema", "cache_control", "strict", "defer_loading",
                       "input_examples", "eager_input_streaming", "allowed_callers"}, f"tools.{i}.custom.")
            schema = t.get("input_schema")
            if not isinstance(schema, dict):
                raise Invalid(f"tools.{i}.custom.input_schema: Field required")
            if schema.get("type") != "object":
                raise Invalid(f"tools.{i}.custom.input_schema.type: Input should be 'object'")
    if len(set(names)) != len(names):
        raise Invalid("tools: Tool names must be unique.")


def validate_thinking(body: dict, create: bool) -> bool:
    """Returns whether thinking is on (enabled or adaptive)."""
    th = body.get("thinking")
    if th is None:
        return False
    if not isinstance(th, dict) or th.get("type") not in ("enabled", "disabled", "adaptive"):
        raise Invalid("thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', "
                      "'disabled', 'adaptive'")
    if th["type"] == "enabled":
        _extra(th, {"type", "budget_tokens", "display"}, "thinking.enabled.")
        budget = th.get("budget_tokens")
        if isinstance(budget, bool) or not isinstance(budget, int):
            raise Invalid("thinking.enabled.budget_tokens: Field required")
        if budget < 1024:
            raise Invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
        if create and isinstance(body.get("max_tokens"), int) and budget >= body["max_tokens"]:
            raise Invalid("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
                          "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
                          "#max-tokens-and-context-window-size")
    else:
        _extra(th, {"type", "display"}, f"thinking.{th['type']}.")
    if th["type"] == "disabled":
        return False
    tc = body.get("tool_choice")
    if isinstance(tc, dict) and tc.get("type") in ("any", "tool"):
        raise Invalid("Thinking may not be enabled when tool_choice forces tool use.")
    if "temperature" in body and body["temperature"] != 1:
        raise Invalid("`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation "
                      "at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility")
    if "top_k" in body:
        raise Invalid("`top_k` must be unset when thinking is enabled. Please consult our documentation at "
                      "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility")
    return True


def validate_thinking_loop(messages: list) -> None:
    """With thinking on, a tool loop's last assistant turn must start with a thinking block."""
    if len(messages) < 2 or messages[-1].get("role") != "user":
        return
    results = [b for b in _blocks(messages[-1].get("content")) if b.get("type") == "tool_result"]
    prev = _blocks(messages[-2].get("content"))
    if results and prev and prev[0].get("type") not in ("thinking", "redacted_thinking"):
        raise Invalid(f"messages.{len(messages) - 2}.content.0.type: Expected `thinking` or `redacted_thinking`, but "
                      f"found `{prev[0].get('type')}`. When `thinking` is enabled, a final `assistant` message must "
                      "start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` "
                      "blocks). We recommend you include thinking blocks from previous turns. To avoid this "
                      "requirement, disable `thinking`. Please consult our documentation at "
                      "https://docs.claude.com/en/docs/build-with-claude/extended-thinking")


def validate_body(body, create: bool, vertex: bool) -> None:
    """Raise Invalid on the first problem (see the module docstring for the rules)."""
    if not isinstance(body, dict):
        raise Invalid("Input should be a valid dictionary or object to extract fields from")
    allowed = set(CREATE_FIELDS if create else COUNT_FIELDS)
    if vertex:
        allowed.add("anthropic_version")
        if create:
            allowed.discard("model")
    _extra(body, allowed, "")
    if vertex:
        if "anthropic_version" not in body:
            raise Invalid("anthropic_version: Field required")
        if body["anthropic_version"] not in VERTEX_VERSIONS:
            raise Invalid("anthropic_version: Input should be 'vertex-2023-10-16'")
    if "model" in allowed and not isinstance(body.get("model"), str):
        raise Invalid("model: Field required")
    if create and "max_tokens" not in body:
        raise Invalid("max_tokens: Field required")
    if "messages" not in body:
        raise Invalid("messages: Field required")
    _num(body, "max_tokens", 0, integer=True)
    _num(body, "temperature", 0, 1)
    _num(body, "top_p", 0, 1)
    _num(body, "top_k", 0, integer=True)
    if "stream" in body and not isinstance(body["stream"], bool):
        raise Invalid("stream: Input should be a valid boolean")
    stops = body.get("stop_sequences")
    if stops is not None and (not isinstance(stops, list) or not all(isinstance(s, str) for s in stops)):
        raise Invalid("stop_sequences: Input should be a valid list of strings")
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        if not isinstance(system, list):
            raise Invalid("system: Input should be a valid string or list")
        for k, block in enumerate(system):
            if not isinstance(block, dict) or block.get("type") != "text":
                raise Invalid(f"system.{k}.type: Input should be 'text'")
            validate_block(block, f"system.{k}", "system")
    md = body.get("metadata")
    if md is not None:
        if not isinstance(md, dict):
            raise Invalid("metadata: Input should be a valid dictionary")
        _extra(md, {"user_id"}, "metadata.")
    validate_tools(body)
    tc = body.get("tool_choice")
    if tc is not None:
        if not isinstance(tc, dict) or tc.get("type") not in ("auto", "any", "tool", "none"):
            raise Invalid("tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', "
                          "'any', 'tool', 'none'")
        keys = {"none": {"type"}, "tool": {"type", "name", "disable_parallel_tool_use"}}.get(
            tc["type"], {"type", "disable_parallel_tool_use"})
        _extra(tc, keys, f"tool_choice.{tc['type']}.")
        if tc["type"] == "tool" and not isinstance(tc.get("name"), str):
            raise Invalid("tool_choice.tool.name: Field required")
    thinking_on = validate_thinking(body, create)
    validate_messages(body["messages"])
    if thinking_on:
        validate_thinking_loop(body["messages"])


# ---------------------------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------------------------

def match(path: str):
    """('messages'|'count', None) for first-party paths, ('vertex', match) for Vertex, else None."""
    path = urllib.parse.unquote(path)
    if path.endswith("/v1/messages"):
        return "messages", None
    if path.endswith("/v1/messages/count_tokens"):
        return "count", None
    m = VERTEX_PATH.fullmatch(path)
    return ("vertex", m) if m else None


class AnthropicMessages:
    def __init__(self, ex: Exchange, kind: str, vmatch):
        self.ex, self.req, self.call, self.mock = ex, ex.req, ex.call, ex.mock
        self.vertex = kind == "vertex"
        self.vmatch = vmatch
        self.create = kind == "messages" or (self.vertex and vmatch.group("model") != "count-tokens")
        self.call["family"] = "vertex-anthropic" if self.vertex else "anthropic"

    def first_party_auth(self) -> tuple | None:
        h = self.req.headers
        presented = None
        if "x-api-key" in h:
            self.call["auth_style"], presented = "x-api-key", h["x-api-key"]
        elif self.req.bearer() is not None:
            self.call["auth_style"], presented = "bearer", self.req.bearer()
        if presented is None:
            return anthropic_error(401, "authentication_error", "x-api-key header is required")
        if presented != self.mock.key:
            return anthropic_error(401, "authentication_error", "invalid x-api-key")
        self.call["auth_ok"] = True
        version = h.get("anthropic-version")
        if version is None:
            return anthropic_error(400, "invalid_request_error", "anthropic-version: header is required")
        if version not in ANTHROPIC_VERSIONS:
            return anthropic_error(400, "invalid_request_error", f'anthropic-version: "{version}" is not a valid '
                                                                 "version")
        return None

    async def handle(self) -> bool:
        ex = self.ex
        if self.req.method != "POST":
            return await ex.reply(anthropic_error(405, "invalid_request_error",
                                                  f"Method {self.req.method} not allowed"))
        if self.vertex:
            verb = self.vmatch.group("verb")
            if verb not in ("rawPredict", "streamRawPredict"):
                return await ex.reply((404, google_error(404, f"Method not found: {verb}")))
            problem = check_bearer(self.mock, self.req, self.call)
        else:
            problem = self.first_party_auth()
        if problem:
            return await ex.reply(problem)
        if self.req.content_type != "application/json":
            return await ex.reply(anthropic_error(400, "invalid_request_error",
                                                  "Content-Type: expected application/json"))
        body = ex.parse_json()
        if body is None:
            return await ex.reply(anthropic_error(400, "invalid_request_error",
                                                  "There was an error parsing the body of your request: invalid JSON"))
        try:
            validate_body(body, self.create, self.vertex)
            if self.vertex and self.create:
                streaming = self.vmatch.group("verb") == "streamRawPredict"
                if streaming != (body.get("stream") is True):
                    raise Invalid(f"stream: {self.vmatch.group('verb')} requires \"stream\": "
                                  f"{'true' if streaming else 'false (or absent)'}")
        except Invalid as exc:
            return await ex.reply(anthropic_error(400, "invalid_request_error", str(exc)))
        model = self.vmatch.group("model") if (self.vertex and self.create) else body.get("model")
        self.call["model"] = model
        self.call["stream"] = body.get("stream") is True
        if not self.create:
            return await ex.json(200, {"input_tokens": input_tokens(body)})
        b = behaviour(model)
        await b.delay()
        fault = self.fault(b, model)
        if fault:
            return await ex.reply(fault)
        msgs = body.get("messages") or []
        if b.noprefill and msgs and isinstance(msgs[-1], dict) and msgs[-1].get("role") == "assistant":
            # What recent Claude models answer to a trailing assistant message.
            return await ex.reply(anthropic_error(400, "invalid_request_error",
                                                  "This model does not support assistant message prefill. "
                                                  "The conversation must end with a user message."))
        plan = plan_for(body, model)
        turn = last_turn(body)
        if b.filter:
            plan = Plan("", None, [], "refusal")
        msg = {"id": "msg_" + short_id(24), "type": "message", "role": "assistant", "model": model,
               "content": [] if b.filter else content_blocks(plan, turn),
               "stop_reason": STOP_REASONS.get(plan.finish, plan.finish), "stop_sequence": plan.stop_sequence,
               "usage": usage(body, plan)}
        if b.filter:
            msg["stop_details"] = {"type": "refusal", "category": "general_harms",
                                   "explanation": "The mock refuses (mock-filter)."}
        if body.get("stream") is True:
            return await self.stream(msg, b)
        return await ex.json(200, msg, [("request-id", "req_011" + short_id(20))])

    def fault(self, b: Behaviour, model: str) -> tuple | None:
        hint = self.mock.key_hint(self.req)
        if self.vertex and b.fault == 429:
            return 429, google_error(429, "Quota exceeded for aiplatform.googleapis.com/"
                                          f"online_prediction_requests_per_base_model with base model: {model}. "
                                          "Please submit a quota increase request." + hint)
        if self.vertex and b.fault == 401:
            return unauthenticated("ACCESS_TOKEN_EXPIRED")
        if b.fault == 429:
            return anthropic_error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute "
                                                            "rate limit" + hint, [
                ("retry-after", "7"), ("anthropic-ratelimit-requests-limit", "50"),
                ("anthropic-ratelimit-requests-remaining", "0"),
                ("anthropic-ratelimit-requests-reset", "2030-01-01T00:00:07Z")])
        table = {500: ("api_error", "Internal server error"), 503: ("api_error", "Service unavailable"),
                 529: ("overloaded_error", "Overloaded"), 401: ("authentication_error", "invalid x-api-key"),
                 404: ("not_found_error", f"model: {model}")}
        if b.fault in table:
            type_, message = table[b.fault]
            return anthropic_error(b.fault, type_, message + (hint if b.fault >= 500 else ""))
        return None

    async def stream(self, msg: dict, b: Behaviour) -> bool:
        start = dict(msg, content=[], stop_reason=None, stop_sequence=None,
                     usage=dict(msg["usage"], output_tokens=1))
        start.pop("stop_details", None)
        events = [("message_start", {"type": "message_start", "message": start})]
        text_deltas = 0
        for index, block in enumerate(msg["content"]):
            t = block["type"]
            empty = {"thinking": {"type": "thinking", "thinking": "", "signature": ""},
                     "text": {"type": "text", "text": ""},
                     "tool_use": dict(block, input={})}.get(t, block)
            events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                                   "content_block": empty}))
            if index == 0:
                events.append(("ping", {"type": "ping"}))
            if t == "thinking":
                deltas = [{"type": "thinking_delta", "thinking": p} for p in split_pieces(block["thinking"], 8)]
                deltas.append({"type": "signature_delta", "signature": block["signature"]})
            elif t == "text":
                deltas = [{"type": "text_delta", "text": p} for p in split_pieces(block["text"])]
            elif t == "tool_use":
                deltas = [{"type": "input_json_delta", "partial_json": p}
                          for p in [""] + fragments(json.dumps(block["input"], ensure_ascii=False))]
            else:
                deltas = []
            for d in deltas:
                if d["type"] == "text_delta":
                    if b.cut is not None and text_deltas >= b.cut:
                        return await self._send(events, "cut")
                    if b.overload_mid and text_deltas == 2:
                        events.append(("error", {"type": "error", "error": {"type": "overloaded_error",
                                                                             "message": "Overloaded"}}))
                        return await self._send(events, True)
                    text_deltas += 1
                events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}))
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        if not msg["content"]:
            events.append(("ping", {"type": "ping"}))
        if b.cut is not None:
            return await self._send(events, "cut")
        u = msg["usage"]
        delta = {"stop_reason": msg["stop_reason"], "stop_sequence": msg["stop_sequence"]}
        if "stop_details" in msg:
            delta["stop_details"] = msg["stop_details"]
        events.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": {
            "input_tokens": u["input_tokens"], "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
            "output_tokens": u["output_tokens"]}}))
        events.append(("message_stop", {"type": "message_stop"}))
        return await self._send(events, True)

    async def _send(self, events: list, outcome) -> bool:
        async def produce(s):
            ok = await s.send_all([sse(data, name) for name, data in events])
            return outcome if ok else False
        return await self.ex.stream(produce, headers=[("request-id", "req_011" + short_id(20))])


async def handle(ex: Exchange, kind: str, vmatch) -> bool:
    return await AnthropicMessages(ex, kind, vmatch).handle()


__all__ = ["answer_text", "plan_for", "input_tokens", "usage", "last_turn", "REDACTED_DATA", "match", "handle"]
