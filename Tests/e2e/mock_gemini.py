"""Google Gemini API and Vertex AI Gemini, as the mock serves them. Standard library only.

Paths (any prefix before them; ``{model}`` is the bare id, e.g. ``mock-echo``):
  Gemini API  POST {prefix}/v1beta/models/{model}:generateContent            (``v1`` works too: the
              POST {prefix}/v1beta/models/{model}:streamGenerateContent      installed google-genai
              POST {prefix}/v1beta/models/{model}:countTokens                 SDK defaults to v1)
  Vertex AI   POST {prefix}/v1/projects/{p}/locations/{l}/publishers/google/models/{model}:<same verbs>
              (``v1beta1`` works too; it is the SDK's default)
``:streamGenerateContent?alt=sse`` answers SSE (``data: {GenerateContentResponse}\\r\\n\\r\\n``, no
terminator, no event names); without ``alt`` it answers one JSON array written progressively
(``[`` + object, then ``\\n,\\r\\n`` + object ..., then ``\\n]``; objects pretty-printed with
2-space indentation like Google's), content-type application/json.

Auth, checked before the body:
  Gemini API: ``x-goog-api-key: <key>`` header or ``?key=<key>`` (key = --key); a wrong key ->
  400 INVALID_ARGUMENT "API key not valid. Please pass a valid API key." with an ErrorInfo detail
  reason ``API_KEY_INVALID`` (what Google returns); a Bearer token issued by the mock's /token is
  accepted too; nothing at all -> 403 PERMISSION_DENIED "Method doesn't allow unregistered callers
  ..." (also Google's behaviour).
  Vertex: ``Authorization: Bearer <token from the mock's /token>``, else 401 UNAUTHENTICATED
  (see mock_google_auth.py); API keys are not accepted there.

Strict request validation (400 INVALID_ARGUMENT; ``details`` carries a google.rpc.BadRequest
with one fieldViolation per problem, ``message`` joins them with newlines):
  * every field is checked against the proto (GenerateContentRequest, Content, Part, Blob,
    FileData, FunctionCall, FunctionResponse, Tool, FunctionDeclaration, Schema, ToolConfig,
    FunctionCallingConfig, SafetySetting, GenerationConfig, ThinkingConfig, CountTokensRequest):
    camelCase and snake_case names are both accepted, as proto JSON does; anything else ->
    ``Invalid JSON payload received. Unknown name "foo" at 'generation_config': Cannot find
    field.`` (top level: ``Unknown name "foo": Cannot find field.``; paths use proto names and
    ``[i]`` indices, map entries ``properties[i].value``) -- so JSON-Schema leftovers such as
    ``additionalProperties`` / ``$schema`` in ``parameters`` or ``responseSchema`` are rejected;
    Vertex-only fields (``labels``, ``model_armor_config``, ``routing_config`` ...) are unknown
    on the Gemini API; wrong JSON types -> ``Invalid value at '<path>' (TYPE_STRING), 5``,
    bytes that are not base64 -> ``... (TYPE_BYTES), Base64 decoding failed for "..."``, enum
    values outside the proto's -> ``Invalid value at '<path>' (type.googleapis.com/...<Enum>)``
    (Schema ``type`` is case-insensitive);
  * ``contents`` required and non-empty; roles ``user``/``model`` only ("Please use a valid
    role: user, model."); a missing role means user on the Gemini API but is rejected on Vertex;
    no empty ``parts``; each part exactly one data field (text, inlineData, fileData,
    functionCall, functionResponse, executableCode, codeExecutionResult) besides the modifiers
    thought, thoughtSignature, videoMetadata, partMetadata, mediaResolution; empty ``text`` is
    rejected; functionCall only in model turns, functionResponse only in user turns;
    ``functionResponse.response`` and ``functionCall.args`` must be objects (Struct);
  * a functionResponse turn must directly follow the model turn holding the functionCall parts,
    answer all of them (same count; matched by ``id`` when the calls had ids, else by name), and
    every functionCall turn must be answered by the next content ("Please ensure that function
    response turn comes immediately after a function call turn." / "Please ensure that the
    number of function response parts is equal to the number of function call parts of the
    function call turn." -- Google's messages);
  * function declarations: names ``^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$``; Schema ``OBJECT`` with
    empty/absent ``properties`` is rejected ("should be non-empty for OBJECT type"),
    ``required`` names must be properties, ``enum`` only for STRING; not both ``parameters`` and
    ``parametersJsonSchema``; ``allowedFunctionNames`` only with mode ANY;
  * ``responseSchema`` and ``responseJsonSchema`` not both; either needs ``responseMimeType``
    application/json (or text/x.enum);
  * thinking models (``think`` in the model name), current turn (after the last user turn that
    is not only functionResponses): the first functionCall part of each model turn must carry
    its ``thoughtSignature`` -> else "Function call is missing a thought_signature in
    functionCall parts. ..." (Gemini 3 behaviour). A signature on a functionCall part must be
    the one the mock issued for that call (name + args) or Google's documented dummy
    ``skip_thought_signature_validator`` -> else "Corrupted thought signature.".

Answers: the shared rules of mock_openai.py applied to the last ``user`` content: its non-thought
``text`` parts joined with " ", `` [image image/png 123]`` per inlineData (mime + decoded bytes;
audio/video/document by mime), `` [image <fileUri>]`` per fileData; a turn of functionResponse
parts answers ``tool said: <r1> | <r2>`` where r = ``response.output`` if present else the whole
``response`` (a string as is, anything else ``json.dumps``), plus media suffixes of
``functionResponse.parts`` (inlineData / fileData). generationConfig: ``maxOutputTokens`` truncates
to that many words (finishReason MAX_TOKENS), ``stopSequences`` cut before the earliest
(finishReason STOP), ``responseMimeType: application/json`` gives the mock-json answer.
Response: one candidate ``{"content": {"role": "model", "parts": [...]}, "finishReason", "index": 0}``;
mock-think adds a first part ``{"text": "Let me think about: <user text>", "thought": true}`` (regardless
of thinkingConfig) and ``thoughtsTokenCount``; mock-tool / mock-tools2 give functionCall parts
``{"id": "call_<12 hex>", "name": <first declared function>, "args": {"city": ...}}`` (finishReason
STOP), without ``id`` for mock-*-noid; with think (e.g. ``mock-think-tool``) the first functionCall
part carries ``thoughtSignature`` (= ``call_signature(name, args)``). ``modelVersion`` = the model
from the URL, ``responseId`` random; Vertex adds ``createTime`` and usage ``trafficType``.
usageMetadata: ``promptTokenCount`` = words of all non-thought text parts of contents +
systemInstruction + one per declared function (countTokens ``totalTokens`` is the same number),
``candidatesTokenCount`` = words of text + each call's ``json.dumps(args)``, ``thoughtsTokenCount``
= words of the thought, ``totalTokenCount`` the sum, ``promptTokensDetails`` TEXT.
Safety: mock-filter -> a candidate without content, finishReason SAFETY, safetyRatings with a
blocked HIGH rating; a user text containing "blockme" -> ``promptFeedback.blockReason: SAFETY``
and no candidates (any model).
Streams: the thought (one chunk), the text in 3-character chunks, function calls whole in one
chunk; finishReason on the last chunk; usageMetadata with running totals and modelVersion /
responseId on every chunk. mock-cut-<n>: n text chunks then the connection is aborted (no final
HTTP chunk; no closing ``]`` in array mode). mock-overload-mid: two text chunks then an error
object ``{"error": {503 UNAVAILABLE}}`` (an SSE event / an array element), end.

Faults: mock-429 -> 429 RESOURCE_EXHAUSTED with QuotaFailure + RetryInfo ``retryDelay: "7s"``
details and NO retry-after header (Google sends none); mock-500 INTERNAL; mock-503 UNAVAILABLE;
mock-401 401 UNAUTHENTICATED; mock-404 404 NOT_FOUND ("models/mock-404 is not found for API
version v1beta ..."); mock-slow-<ms> waits. Envelope ``{"error": {"code", "message", "status",
"details"?}}``; messages of 429/5xx quote the presented key unless --no-echo-key.
"""
from __future__ import annotations

import json
import re
import time
import urllib.parse

from mock_core import (Behaviour, Exchange, Plan, Turn, args_words, b64_bytes, behaviour, continuation_of, make_plan, media_kind,
                       media_suffix, short_id, sign, split_pieces, sse, word_count)
from mock_google_auth import check_bearer, error_info, google_error, unauthenticated

GEMINI_PATH = re.compile(r"(?P<prefix>.*)/(?P<version>v1|v1beta)/models/(?P<model>[^/:]+):(?P<verb>[A-Za-z]+)")
VERTEX_PATH = re.compile(r"(?P<prefix>.*)/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/"
                         r"(?P<location>[^/]+)/publishers/google/models/(?P<model>[^/:]+):(?P<verb>[A-Za-z]+)")
DUMMY_SIGNATURES = {"skip_thought_signature_validator", "context_engineering_is_the_way_to_go"}
FINISH = {"stop": "STOP", "stop_sequence": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS"}
PROTO_PKG = "type.googleapis.com/google.ai.generativelanguage.v1beta."

# ---------------------------------------------------------------------------------------------
# The proto schema (field names in snake_case; camelCase is derived)
# ---------------------------------------------------------------------------------------------

S, B, I, F, BY, STRUCT, VALUE, DUR = "string", "bool", "int", "float", "bytes", "struct", "value", "duration"


def L(t):
    return ("list", t)


def M(t):
    return ("map", t)


def E(name):
    return ("enum", name)


ENUMS = {
    "Type": {"TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"},
    "HarmCategory": {"HARM_CATEGORY_UNSPECIFIED", "HARM_CATEGORY_DEROGATORY", "HARM_CATEGORY_TOXICITY",
                     "HARM_CATEGORY_VIOLENCE", "HARM_CATEGORY_SEXUAL", "HARM_CATEGORY_MEDICAL",
                     "HARM_CATEGORY_DANGEROUS", "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH",
                     "HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_DANGEROUS_CONTENT",
                     "HARM_CATEGORY_CIVIC_INTEGRITY", "HARM_CATEGORY_JAILBREAK", "HARM_CATEGORY_IMAGE_HATE",
                     "HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT", "HARM_CATEGORY_IMAGE_HARASSMENT",
                     "HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT"},
    "HarmBlockThreshold": {"HARM_BLOCK_THRESHOLD_UNSPECIFIED", "BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE",
                           "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF"},
    "HarmBlockMethod": {"HARM_BLOCK_METHOD_UNSPECIFIED", "SEVERITY", "PROBABILITY"},
    "Mode": {"MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"},
    "Language": {"LANGUAGE_UNSPECIFIED", "PYTHON"},
    "Outcome": {"OUTCOME_UNSPECIFIED", "OUTCOME_OK", "OUTCOME_FAILED", "OUTCOME_DEADLINE_EXCEEDED"},
    "Modality": {"MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO", "VIDEO"},
    "ThinkingLevel": {"THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH"},
    "Behavior": {"UNSPECIFIED", "BLOCKING", "NON_BLOCKING"},
    "Scheduling": {"SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT"},
}

MESSAGES = {
    "GenerateContentRequest": {"model": S, "contents": L("Content"), "system_instruction": "Content",
                               "tools": L("Tool"), "tool_config": "ToolConfig", "safety_settings": L("SafetySetting"),
                               "generation_config": "GenerationConfig", "cached_content": S, "service_tier": VALUE},
    "Content": {"role": S, "parts": L("Part")},
    "Part": {"text": S, "inline_data": "Blob", "file_data": "FileData", "function_call": "FunctionCall",
             "function_response": "FunctionResponse", "executable_code": "ExecutableCode",
             "code_execution_result": "CodeExecutionResult", "thought": B, "thought_signature": BY,
             "video_metadata": "VideoMetadata", "part_metadata": STRUCT, "media_resolution": VALUE},
    "Blob": {"mime_type": S, "data": BY},
    "FileData": {"mime_type": S, "file_uri": S},
    "FunctionCall": {"id": S, "name": S, "args": STRUCT},
    "FunctionResponse": {"id": S, "name": S, "response": STRUCT, "will_continue": B, "scheduling": E("Scheduling"),
                         "parts": L("FunctionResponsePart")},
    "FunctionResponsePart": {"inline_data": "Blob", "file_data": "FileData"},
    "ExecutableCode": {"id": S, "language": E("Language"), "code": S},
    "CodeExecutionResult": {"id": S, "outcome": E("Outcome"), "output": S},
    "VideoMetadata": {"start_offset": DUR, "end_offset": DUR, "fps": F},
    "Tool": {"function_declarations": L("FunctionDeclaration"), "google_search_retrieval": VALUE,
             "code_execution": VALUE, "google_search": VALUE, "url_context": VALUE, "computer_use": VALUE,
             "file_search": VALUE, "google_maps": VALUE},
    "FunctionDeclaration": {"name": S, "description": S, "parameters": "Schema", "parameters_json_schema": VALUE,
                            "response": "Schema", "response_json_schema": VALUE, "behavior": E("Behavior")},
    "Schema": {"type": E("Type"), "format": S, "title": S, "description": S, "nullable": B, "enum": L(S),
               "items": "Schema", "max_items": I, "min_items": I, "properties": M("Schema"), "required": L(S),
               "min_properties": I, "max_properties": I, "min_length": I, "max_length": I, "pattern": S,
               "example": VALUE, "any_of": L("Schema"), "property_ordering": L(S), "default": VALUE,
               "minimum": F, "maximum": F},
    "ToolConfig": {"function_calling_config": "FunctionCallingConfig", "retrieval_config": VALUE,
                   "include_server_side_tool_invocations": B},
    "FunctionCallingConfig": {"mode": E("Mode"), "allowed_function_names": L(S)},
    "SafetySetting": {"category": E("HarmCategory"), "threshold": E("HarmBlockThreshold")},
    "GenerationConfig": {"stop_sequences": L(S), "response_mime_type": S, "response_schema": "Schema",
                         "response_json_schema": VALUE, "response_modalities": L(E("Modality")),
                         "candidate_count": I, "max_output_tokens": I, "temperature": F, "top_p": F, "top_k": F,
                         "seed": I, "presence_penalty": F, "frequency_penalty": F, "response_logprobs": B,
                         "logprobs": I, "enable_enhanced_civic_answers": B, "speech_config": VALUE,
                         "thinking_config": "ThinkingConfig", "image_config": VALUE, "media_resolution": VALUE},
    "ThinkingConfig": {"include_thoughts": B, "thinking_budget": I, "thinking_level": E("ThinkingLevel")},
    "CountTokensRequest": {"contents": L("Content"), "generate_content_request": "GenerateContentRequest"},
    "VertexCountTokensRequest": {"model": S, "instances": VALUE, "contents": L("Content"),
                                 "system_instruction": "Content", "tools": L("Tool"),
                                 "generation_config": "GenerationConfig"},
}
VERTEX_EXTRA = {
    "GenerateContentRequest": {"labels": M(S), "model_armor_config": VALUE},
    "GenerationConfig": {"routing_config": VALUE, "model_selection_config": VALUE, "audio_timestamp": B,
                         "enable_affective_dialog": B},
    "Blob": {"display_name": S}, "FileData": {"display_name": S},
    "SafetySetting": {"method": E("HarmBlockMethod")},
    "Tool": {"retrieval": VALUE, "enterprise_web_search": VALUE},
    "FunctionCallingConfig": {"stream_function_call_arguments": B},
}
DATA_FIELDS = ("text", "inline_data", "file_data", "function_call", "function_response", "executable_code",
               "code_execution_result")
FUNCTION_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _fields(msg: str, vertex: bool) -> dict:
    fields = dict(MESSAGES[msg])
    if vertex:
        fields.update(VERTEX_EXTRA.get(msg, {}))
    return fields


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class Checker:
    """Walks a proto-JSON value, collecting Google-style problems; returns the snake_case copy."""

    def __init__(self, vertex: bool):
        self.vertex = vertex
        self.problems: list[tuple[str, str]] = []   # (field path, description)

    def bad(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def invalid(self, path: str, kind: str, value) -> None:
        self.bad(path, f"Invalid value at '{path}' ({kind}), {json.dumps(value, ensure_ascii=False)}")

    def check(self, value, spec, path: str):
        if value is None:
            return None
        if isinstance(spec, tuple):
            kind, inner = spec
            if kind == "list":
                if not isinstance(value, list):
                    self.invalid(path, "TYPE_MESSAGE" if inner in MESSAGES else f"TYPE_{str(inner).upper()}", value)
                    return value
                return [self.check(v, inner, f"{path}[{i}]") for i, v in enumerate(value)]
            if kind == "map":
                if not isinstance(value, dict):
                    self.invalid(path, "TYPE_MESSAGE", value)
                    return value
                return {k: self.check(v, inner, f"{path}[{i}].value") for i, (k, v) in enumerate(value.items())}
            return self.enum(value, inner, path)
        if spec in MESSAGES:
            return self.message(value, spec, path)
        return self.scalar(value, spec, path)

    def enum(self, value, name: str, path: str):
        values = ENUMS[name]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        v = value.upper() if (name == "Type" and isinstance(value, str)) else value
        if v not in values:
            self.invalid(path, PROTO_PKG + name, value)
        return v

    def message(self, value, name: str, path: str):
        if not isinstance(value, dict):
            self.invalid(path, PROTO_PKG + name.replace("Vertex", ""), value)
            return value
        fields = _fields(name, self.vertex)
        lookup = {**{camel(f): f for f in fields}, **{f: f for f in fields}}
        out = {}
        for key, v in value.items():
            f = lookup.get(key)
            if f is None:
                where = f" at '{path}'" if path else ""
                self.bad(path, f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.')
                continue
            if f in out:
                self.bad(path, f'Invalid JSON payload received. Duplicate field "{key}" at \'{path}\'.')
            out[f] = self.check(v, fields[f], _join(path, f))
        return out

    def scalar(self, value, spec: str, path: str):
        ok = {
            S: isinstance(value, str),
            B: isinstance(value, bool),
            I: (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None),
            F: (isinstance(value, (int, float)) and not isinstance(value, bool))
            or (isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d*)?([eE][-+]?\d+)?", value) is not None),
            STRUCT: isinstance(value, dict),
            VALUE: True,
            DUR: isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?s", value) is not None,
            BY: isinstance(value, str),
        }[spec]
        kinds = {S: "TYPE_STRING", B: "TYPE_BOOL", I: "TYPE_INT32", F: "TYPE_FLOAT", DUR:
                 "type.googleapis.com/google.protobuf.Duration", STRUCT: "type.googleapis.com/google.protobuf.Struct",
                 BY: "TYPE_BYTES"}
        if not ok:
            self.invalid(path, kinds[spec], value)
        elif spec == BY and b64_bytes(value) is None:
            self.bad(path, f"Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for "
                           f"{json.dumps(value, ensure_ascii=False)}")
        return value


# ---------------------------------------------------------------------------------------------
# Semantic checks on the snake_case request
# ---------------------------------------------------------------------------------------------

class Invalid(Exception):
    """A 400 INVALID_ARGUMENT with this message (and field)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def call_signature(name: str, args: dict) -> str:
    """The thoughtSignature the mock attaches to the first functionCall part of a thinking model."""
    return sign("gemini-thought", name + "\n" + json.dumps(args or {}, sort_keys=True, ensure_ascii=False,
                                                           separators=(",", ":")))


def schema_problems(schema: dict, path: str, out: list) -> None:
    if not isinstance(schema, dict):
        return
    t = schema.get("type")
    props = schema.get("properties") or {}
    if t == "OBJECT" and not props and not schema.get("any_of"):
        out.append((f"{path}.properties", "should be non-empty for OBJECT type"))
    for i, r in enumerate(schema.get("required") or []):
        if r not in props:
            out.append((f"{path}.required[{i}]", "property is not defined"))
    if schema.get("enum") and t not in (None, "STRING"):
        out.append((f"{path}.enum", "only allowed for STRING type"))
    for i, (k, v) in enumerate(props.items()):
        schema_problems(v, f"{path}.properties[{i}].value", out)
    if schema.get("items") is not None:
        schema_problems(schema["items"], f"{path}.items", out)
    for i, s in enumerate(schema.get("any_of") or []):
        schema_problems(s, f"{path}.any_of[{i}]", out)


def structural_problems(req: dict, vertex: bool, prefix: str = "GenerateContentRequest") -> list[tuple[str, str]]:
    """Google's "* GenerateContentRequest.<path>: <msg>" checks."""
    out = []
    contents = req.get("contents")
    if not contents:
        out.append(("contents", "contents is not specified"))
    for i, c in enumerate(contents or []):
        parts = c.get("parts") if isinstance(c, dict) else None
        if not parts:
            out.append((f"contents[{i}].parts", "contents.parts must not be empty."))
        for j, p in enumerate(parts or []):
            if not isinstance(p, dict):
                continue
            data = [f for f in DATA_FIELDS if p.get(f) is not None]
            if len(data) > 1:
                out.append((f"contents[{i}].parts[{j}]", f"Invalid JSON payload received. Oneof field 'data' is "
                                                         f"already set. Cannot set '{camel(data[1])}'"))
            elif not data or (data == ["text"] and p["text"] == "" and not vertex):
                out.append((f"contents[{i}].parts[{j}].data", "required oneof field 'data' must have one "
                                                             "initialized field"))
            fc, fr = p.get("function_call"), p.get("function_response")
            if isinstance(fc, dict) and not fc.get("name"):
                out.append((f"contents[{i}].parts[{j}].function_call.name", "Name cannot be empty."))
            if isinstance(fr, dict) and not fr.get("name"):
                out.append((f"contents[{i}].parts[{j}].function_response.name", "Name cannot be empty."))
            if isinstance(p.get("inline_data"), dict) and not p["inline_data"].get("mime_type"):
                out.append((f"contents[{i}].parts[{j}].inline_data.mime_type", "mime_type must be set."))
            if isinstance(p.get("file_data"), dict) and not p["file_data"].get("file_uri"):
                out.append((f"contents[{i}].parts[{j}].file_data.file_uri", "file_uri must be set."))
    for i, tool in enumerate(req.get("tools") or []):
        for j, fd in enumerate((tool or {}).get("function_declarations") or []):
            loc = f"tools[{i}].function_declarations[{j}]"
            if not isinstance(fd.get("name"), str) or not FUNCTION_NAME.fullmatch(fd["name"]):
                out.append((f"{loc}.name", "Invalid function name. Must start with a letter or an underscore. Must "
                                           "be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or "
                                           "dashes (-), with a maximum length of 64."))
            if fd.get("parameters") is not None and fd.get("parameters_json_schema") is not None:
                out.append((f"{loc}", "parameters and parameters_json_schema cannot both be set."))
            schema_problems(fd.get("parameters"), f"{loc}.parameters", out)
    fcc = (req.get("tool_config") or {}).get("function_calling_config") or {}
    if fcc.get("allowed_function_names") and fcc.get("mode") != "ANY":
        out.append(("tool_config.function_calling_config.allowed_function_names",
                    "allowed_function_names may only be set when mode is ANY."))
    gc = req.get("generation_config") or {}
    if gc.get("response_schema") is not None or gc.get("response_json_schema") is not None:
        if gc.get("response_schema") is not None and gc.get("response_json_schema") is not None:
            out.append(("generation_config", "response_schema and response_json_schema cannot both be set."))
        if gc.get("response_mime_type") not in ("application/json", "text/x.enum"):
            out.append(("generation_config.response_mime_type", "response_mime_type must be application/json or "
                                                                "text/x.enum when a response schema is set."))
        if gc.get("response_json_schema") is not None and not isinstance(gc["response_json_schema"], dict):
            out.append(("generation_config.response_json_schema", "must be a JSON object."))
        schema_problems(gc.get("response_schema"), "generation_config.response_schema", out)
    return [(path, f"* {prefix}.{path}: {msg}\n") for path, msg in out]


def role_of(content: dict, vertex: bool, i: int) -> str:
    role = content.get("role")
    if not role:
        if vertex:
            raise Invalid(f"Unable to submit request because contents[{i}].role is empty. Set role to user or model "
                          "and try again.", f"contents[{i}].role")
        return "user"
    if role not in ("user", "model"):
        raise Invalid("Please use a valid role: user, model.", f"contents[{i}].role")
    return role


def conversation_problems(req: dict, vertex: bool, think: bool) -> None:
    contents = req.get("contents") or []
    roles = [role_of(c, vertex, i) for i, c in enumerate(contents)]
    parts_of = [[p for p in c.get("parts") or [] if isinstance(p, dict)] for c in contents]
    for i, parts in enumerate(parts_of):
        calls = [p["function_call"] for p in parts if p.get("function_call") is not None]
        responses = [p["function_response"] for p in parts if p.get("function_response") is not None]
        if calls and roles[i] != "model":
            raise Invalid("Please ensure that function call parts are only in model turns.", f"contents[{i}]")
        if responses and roles[i] != "user":
            raise Invalid("Please ensure that function response parts are only in user turns.", f"contents[{i}]")
        if responses:
            prev = [p["function_call"] for p in parts_of[i - 1] if p.get("function_call") is not None] if i else []
            if not prev or roles[i - 1] != "model":
                raise Invalid("Please ensure that function response turn comes immediately after a function call "
                              "turn.", f"contents[{i}]")
            if len(prev) != len(responses):
                raise Invalid("Please ensure that the number of function response parts is equal to the number of "
                              "function call parts of the function call turn.", f"contents[{i}]")
            if any(c.get("id") for c in prev):
                what = "id"
            else:
                what = "name"
            want = sorted(str(c.get(what) or "") for c in prev)
            got = sorted(str(r.get(what) or "") for r in responses)
            if want != got:
                raise Invalid(f"Please ensure that every function response part matches a function call of the "
                              f"previous turn by {what}: calls {want}, responses {got}.", f"contents[{i}]")
        if calls:
            nxt = parts_of[i + 1] if i + 1 < len(parts_of) else []
            if not any(p.get("function_response") is not None for p in nxt):
                raise Invalid("Please ensure that the number of function response parts is equal to the number of "
                              "function call parts of the function call turn.", f"contents[{i + 1}]")
        for j, p in enumerate(parts):
            sig = p.get("thought_signature")
            fc = p.get("function_call")
            if sig is not None and fc is not None and sig not in DUMMY_SIGNATURES \
                    and b64_bytes(sig) != b64_bytes(call_signature(fc.get("name", ""), fc.get("args") or {})):
                raise Invalid("Corrupted thought signature.", f"contents[{i}].parts[{j}].thought_signature")
    if not think:
        return
    start = max((i for i, parts in enumerate(parts_of) if roles[i] == "user"
                 and any(p.get("function_response") is None for p in parts)), default=-1)
    for i in range(start + 1, len(contents)):
        calls = [(j, p) for j, p in enumerate(parts_of[i]) if p.get("function_call") is not None]
        if roles[i] == "model" and calls and calls[0][1].get("thought_signature") is None:
            j, p = calls[0]
            raise Invalid("Function call is missing a thought_signature in functionCall parts. This is required for "
                          "tools to work correctly, and missing thought_signature may lead to degraded model "
                          f"performance. Additional data, function call `default_api:{p['function_call']['name']}` , "
                          f"position {j + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures "
                          "for more details.", f"contents[{i}].parts[{j}]")


# ---------------------------------------------------------------------------------------------
# Deterministic answers (imported by the tests to compute expectations)
# ---------------------------------------------------------------------------------------------

def _g(obj, name: str, default=None):
    """Field by snake_case or camelCase name (tests pass camelCase bodies)."""
    if not isinstance(obj, dict):
        return default
    v = obj.get(name, obj.get(camel(name)))
    return default if v is None else v


def part_media(p: dict) -> str:
    blob, fd = _g(p, "inline_data"), _g(p, "file_data")
    if isinstance(blob, dict):
        return media_suffix(_g(blob, "mime_type", ""), _g(blob, "data", ""))
    if isinstance(fd, dict):
        return media_suffix(url=_g(fd, "file_uri", ""), kind=media_kind(_g(fd, "mime_type", "")))
    return ""


def function_result_text(fr: dict) -> str:
    resp = _g(fr, "response", {})
    v = resp["output"] if isinstance(resp, dict) and "output" in resp else resp
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return text + "".join(part_media(p) for p in _g(fr, "parts", []) if isinstance(p, dict))


def _content_text(c: dict) -> str:
    return "".join(p["text"] for p in _g(c, "parts", []) if isinstance(p, dict) and isinstance(p.get("text"), str)
                   and not p.get("thought"))


def continuation(req: dict) -> tuple[int, str] | None:
    """(index of the original user content, delivered prefix) when Routero asks to continue a cut answer."""
    contents = [c for c in _g(req, "contents", []) if isinstance(c, dict)]
    roles = {"model": "assistant"}
    return continuation_of([(roles.get(c.get("role") or "user", c.get("role") or "user"), _content_text(c))
                            for c in contents])


def last_turn(req: dict) -> Turn:
    cont = continuation(req)
    if cont is not None:
        contents = [c for c in _g(req, "contents", []) if isinstance(c, dict)]
        users = [contents[cont[0]]]
    else:
        users = [c for c in _g(req, "contents", []) if isinstance(c, dict) and (c.get("role") or "user") == "user"]
    if not users:
        return Turn()
    parts = [p for p in _g(users[-1], "parts", []) if isinstance(p, dict)]
    text = " ".join(p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
    media = [part_media(p) for p in parts if part_media(p)]
    results = [function_result_text(_g(p, "function_response")) for p in parts if _g(p, "function_response")]
    return Turn(text, media, results or None)


def declared_functions(req: dict) -> list[str]:
    return [fd.get("name") for t in _g(req, "tools", []) for fd in _g(t, "function_declarations", [])
            if isinstance(fd, dict) and fd.get("name")]


def plan_for(req: dict, model: str) -> Plan:
    """What the mock answers to the (camelCase or snake_case) request for ``model``."""
    gc = _g(req, "generation_config", {})
    limit = _g(gc, "max_output_tokens")
    limit = int(limit) if isinstance(limit, (int, str)) and str(limit).lstrip("-").isdigit() else None
    cont = continuation(req)
    b = behaviour(model)
    return make_plan(b, last_turn(req), declared_functions(req), limit, _g(gc, "stop_sequences"),
                     json_mode=_g(gc, "response_mime_type") == "application/json",
                     prefill=cont[1] if cont is not None and not b.echoprefix else "")


def answer_text(req: dict, model: str = "mock-echo") -> str:
    return plan_for(req, model).text


def prompt_tokens(req: dict) -> int:
    """Words of every non-thought text part of contents + systemInstruction, + one per function."""
    contents = list(_g(req, "contents", []))
    if _g(req, "system_instruction"):
        contents.append(_g(req, "system_instruction"))
    n = sum(word_count(p["text"]) for c in contents if isinstance(c, dict) for p in _g(c, "parts", [])
            if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought"))
    return n + len(declared_functions(req))


def usage_metadata(prompt: int, text: str, calls: list, thinking: str | None, vertex: bool) -> dict:
    cand = word_count(text) + sum(args_words(a) for _, a in calls)
    thoughts = word_count(thinking or "")
    u = {"promptTokenCount": prompt}
    if cand:
        u["candidatesTokenCount"] = cand
    u["totalTokenCount"] = prompt + cand + thoughts
    u["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
    if thoughts:
        u["thoughtsTokenCount"] = thoughts
    if vertex:
        u["trafficType"] = "ON_DEMAND"
    return u


SAFETY_OK = [{"category": c, "probability": "NEGLIGIBLE"} for c in
             ("HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_SEXUALLY_EXPLICIT")]
SAFETY_BLOCKED = [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}] + SAFETY_OK


# ---------------------------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------------------------

def match(path: str):
    path = urllib.parse.unquote(path)
    m = VERTEX_PATH.fullmatch(path)
    if m:
        return "vertex", m
    m = GEMINI_PATH.fullmatch(path)
    return ("gemini", m) if m else None


class Gemini:
    def __init__(self, ex: Exchange, kind: str, m):
        self.ex, self.req, self.call, self.mock = ex, ex.req, ex.call, ex.mock
        self.vertex = kind == "vertex"
        self.model, self.verb, self.version = m.group("model"), m.group("verb"), m.group("version")
        self.call["family"] = "vertex-gemini" if self.vertex else "gemini"
        self.call["model"] = self.model
        self.call["stream"] = self.verb == "streamGenerateContent"
        self.response_id = short_id(20)

    def auth(self) -> tuple | None:
        if self.vertex:
            return check_bearer(self.mock, self.req, self.call)
        key = self.req.headers.get("x-goog-api-key")
        self.call["auth_style"] = "x-goog-api-key" if key is not None else None
        if key is None and "key" in self.req.query:
            key, self.call["auth_style"] = self.req.query["key"], "key-query"
        if key is None and self.req.bearer() is not None:
            return check_bearer(self.mock, self.req, self.call, "generativelanguage.googleapis.com")
        if key is None:
            return 403, google_error(403, "Method doesn't allow unregistered callers (callers without established "
                                          "identity). Please use API Key or other form of API consumer identity to "
                                          "call this API.")
        if key != self.mock.key:
            msg = "API key not valid. Please pass a valid API key."
            return 400, google_error(400, msg, details=[
                error_info("API_KEY_INVALID", service="generativelanguage.googleapis.com"),
                {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": msg}])
        self.call["auth_ok"] = True
        return None

    def bad_request(self, problems: list[tuple[str, str]]) -> tuple:
        return 400, google_error(400, "\n".join(d for _, d in problems), details=[
            {"@type": "type.googleapis.com/google.rpc.BadRequest",
             "fieldViolations": [{"field": f, "description": d} for f, d in problems]}])

    def validate(self, body) -> tuple[dict | None, tuple | None]:
        """(snake_case request, None) or (None, error reply)."""
        checker = Checker(self.vertex)
        count = self.verb == "countTokens"
        root = "GenerateContentRequest"
        if count:
            root = "VertexCountTokensRequest" if self.vertex else "CountTokensRequest"
        req = checker.message(body, root, "")
        if checker.problems:
            return None, self.bad_request(checker.problems)
        if count and not self.vertex:
            if req.get("contents") and req.get("generate_content_request"):
                return None, self.bad_request([("", "* CountTokensRequest: only one of contents and "
                                                    "generate_content_request may be set.\n")])
            inner = req.get("generate_content_request")
            if inner is not None:
                if not inner.get("model"):
                    return None, self.bad_request([("generate_content_request.model", "* CountTokensRequest."
                                                    "generate_content_request.model: model is required.\n")])
                req = inner
        problems = structural_problems(req, self.vertex, "CountTokensRequest" if count else "GenerateContentRequest")
        if problems:
            return None, self.bad_request(problems)
        if self.vertex and any(isinstance(p, dict) and p.get("text") == "" for c in req.get("contents") or []
                               for p in (c or {}).get("parts") or []):
            return None, (400, google_error(400, "Unable to submit request because it has an empty text parameter. "
                                                 "Add a value to the parameter and try again. Learn more: "
                                                 "https://cloud.google.com/vertex-ai/generative-ai/docs/model-"
                                                 "reference/gemini"))
        try:
            conversation_problems(req, self.vertex, behaviour(self.model).think and not count)
        except Invalid as exc:
            return None, self.bad_request([(exc.field, str(exc))])
        return req, None

    def fault(self, b: Behaviour) -> tuple | None:
        hint = self.mock.key_hint(self.req)
        if b.fault == 429:
            return 429, google_error(429, "You exceeded your current quota, please check your plan and billing "
                                          "details. For more information on this error, head to: "
                                          "https://ai.google.dev/gemini-api/docs/rate-limits." + hint, details=[
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                    {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                     "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                     "quotaDimensions": {"location": "global", "model": self.model}, "quotaValue": "3"}]},
                {"@type": "type.googleapis.com/google.rpc.Help", "links": [
                    {"description": "Learn more about Gemini API quotas",
                     "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}])
        if b.fault == 500:
            return 500, google_error(500, "An internal error has occurred. Please retry or report in "
                                          "https://developers.generativeai.google/guide/troubleshooting" + hint)
        if b.fault in (503, 529):
            return 503, google_error(503, "The model is overloaded. Please try again later." + hint)
        if b.fault == 401:
            return unauthenticated("ACCESS_TOKEN_EXPIRED")
        if b.fault == 404:
            return 404, google_error(404, f"models/{self.model} is not found for API version {self.version}, or is "
                                          "not supported for generateContent. Call ListModels to see the list of "
                                          "available models and their supported methods.")
        return None

    async def handle(self) -> bool:
        ex = self.ex
        if self.req.method != "POST" or self.verb not in ("generateContent", "streamGenerateContent", "countTokens"):
            return await ex.reply((404, google_error(404, f"Method not found: {self.req.method} {self.verb}")))
        problem = self.auth()
        if problem:
            return await ex.reply(problem)
        body = ex.parse_json()
        if body is None:
            return await ex.reply((400, google_error(400, "Invalid JSON payload received. Unexpected token.")))
        req, problem = self.validate(body)
        if problem:
            return await ex.reply(problem)
        if self.verb == "countTokens":
            n = prompt_tokens(req)
            obj = {"totalTokens": n, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": n}]}
            if self.vertex:
                obj["totalBillableCharacters"] = sum(len(p.get("text", "")) for c in req.get("contents") or []
                                                     for p in c.get("parts") or [])
            return await ex.json(200, obj)
        b = behaviour(self.model)
        await b.delay()
        fault = self.fault(b)
        if fault:
            return await ex.reply(fault)
        plan = plan_for(req, self.model)
        prompt = prompt_tokens(req)
        if self.verb == "streamGenerateContent":
            return await self.stream(req, plan, b, prompt)
        return await ex.json(200, self.response(self.candidates(plan, b, req), plan, prompt))

    def envelope(self, obj: dict, usage: dict) -> dict:
        obj["usageMetadata"] = usage
        obj["modelVersion"] = self.model
        if self.vertex:
            obj["createTime"] = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        obj["responseId"] = self.response_id
        return obj

    def blocked(self, req: dict) -> bool:
        return "blockme" in last_turn(req).text

    def candidates(self, plan: Plan, b: Behaviour, req: dict) -> list | None:
        """The complete candidate list (None: the prompt is blocked)."""
        if self.blocked(req):
            return None
        if b.filter:
            return [{"finishReason": "SAFETY", "index": 0, "safetyRatings": SAFETY_BLOCKED}]
        parts = []
        if plan.thinking:
            parts.append({"text": plan.thinking, "thought": True})
        if plan.text:
            parts.append({"text": plan.text})
        parts += self.call_parts(plan, b)
        return [{"content": {"parts": parts, "role": "model"} if parts else {"role": "model"},
                 "finishReason": FINISH[plan.finish], "index": 0}]

    def call_parts(self, plan: Plan, b: Behaviour) -> list[dict]:
        out = []
        for k, (name, args) in enumerate(plan.calls):
            fc = {"name": name, "args": args} if b.noid else {"id": "call_" + short_id(12), "name": name, "args": args}
            part = {"functionCall": fc}
            if b.think and k == 0:
                part["thoughtSignature"] = call_signature(name, args)
            out.append(part)
        return out

    def response(self, candidates: list | None, plan: Plan, prompt: int) -> dict:
        if candidates is None:
            return self.envelope({"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": SAFETY_BLOCKED}},
                                 usage_metadata(prompt, "", [], None, self.vertex))
        full = candidates[0].get("finishReason") != "SAFETY"
        return self.envelope({"candidates": candidates},
                             usage_metadata(prompt, plan.text if full else "", plan.calls if full else [],
                                            plan.thinking if full else None, self.vertex))

    def chunks(self, req: dict, plan: Plan, b: Behaviour, prompt: int) -> tuple[list, str | bool]:
        """The stream's objects and how it ends (True, or "cut")."""
        whole = self.candidates(plan, b, req)
        if whole is None or "content" not in whole[0] or b.filter:
            return [self.response(whole, plan, prompt)], True
        pieces = split_pieces(plan.text) if plan.text else []
        if b.cut is not None:
            pieces = pieces[:b.cut]
        steps = []  # (parts, text so far, calls so far, thinking so far)
        if plan.thinking:
            steps.append(([{"text": plan.thinking, "thought": True}], "", [], plan.thinking))
        sofar = ""
        for i, piece in enumerate(pieces):
            sofar += piece
            steps.append(([{"text": piece}], sofar, [], plan.thinking))
            if b.overload_mid and i == 1:
                objs = [self.obj(s, None, prompt) for s in steps]
                return objs + [google_error(503, "The model is overloaded. Please try again later.")], True
        if b.cut is not None:
            return [self.obj(s, None, prompt) for s in steps], "cut"
        if plan.calls:
            steps.append((self.call_parts(plan, b), sofar, plan.calls, plan.thinking))
        if not steps:
            steps.append(([{"text": ""}], "", [], None))
        objs = [self.obj(s, None, prompt) for s in steps[:-1]] + [self.obj(steps[-1], FINISH[plan.finish], prompt)]
        return objs, True

    def obj(self, step, finish: str | None, prompt: int) -> dict:
        parts, text, calls, thinking = step
        cand = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            cand["finishReason"] = finish
        return self.envelope({"candidates": [cand]}, usage_metadata(prompt, text, calls, thinking, self.vertex))

    async def stream(self, req: dict, plan: Plan, b: Behaviour, prompt: int) -> bool:
        objs, outcome = self.chunks(req, plan, b, prompt)
        if self.req.query.get("alt") == "sse":
            events = [sse(o, crlf=True) for o in objs]
            ctype = "text/event-stream"
        else:
            texts = [json.dumps(o, ensure_ascii=False, indent=2) for o in objs]
            events = ["[" + texts[0]] + ["\n,\r\n" + t for t in texts[1:]]
            if outcome is True:
                events.append("\n]")
            ctype = "application/json; charset=UTF-8"

        async def produce(s):
            ok = await s.send_all(events)
            return outcome if ok else False
        return await self.ex.stream(produce, content_type=ctype, headers=[("x-goog-response-id", self.response_id)])


async def handle(ex: Exchange, kind: str, m) -> bool:
    return await Gemini(ex, kind, m).handle()


__all__ = ["answer_text", "plan_for", "prompt_tokens", "call_signature", "match", "handle"]
