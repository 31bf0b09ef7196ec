"""OpenAI Chat Completions, as the mock serves it (``POST {prefix}/chat/completions``).

Contract: see the docstring of ``mock_openai.py``. ``OpenAIChat`` is the engine; Azure OpenAI
(``mock_azure.AzureChat``) subclasses it and changes only what Azure does differently (URL,
auth, error envelope, content-filter annotations). Standard library only.
"""
from __future__ import annotations

import asyncio
import json
import re
import time
import uuid

from mock_core import (Behaviour, Exchange, Plan, Turn, args_words, behaviour, continuation_of, dumps, fragments, json_answer,
                       make_plan, media_suffix, plain_answer, split_pieces, truncate_words, word_count)

LONG_GAP_S = 0.1  # pacing of mock-long-<n>; the disconnect/stall tests rely on it

# ---------------------------------------------------------------------------------------------
# Deterministic answers (imported by the tests to compute expectations)
# ---------------------------------------------------------------------------------------------


def message_text(message: dict) -> str:
    """Text of one chat message: a string content, or the text parts of a content array."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def data_url(url: str):
    """``data:<mime>;base64,<data>`` -> (mime, data), else None."""
    m = re.fullmatch(r"data:([^;,]+);base64,(.*)", url or "", re.S)
    return (m.group(1), m.group(2)) if m else None


def message_media(message: dict) -> list[str]:
    """Media suffixes of a chat message: image_url (data URL or URL), input_audio, file parts."""
    out = []
    content = message.get("content")
    for p in content if isinstance(content, list) else []:
        if not isinstance(p, dict):
            continue
        if p.get("type") == "image_url":
            url = (p.get("image_url") or {}).get("url", "")
            d = data_url(url)
            out.append(media_suffix(d[0], d[1]) if d else media_suffix(url=url, kind="image"))
        elif p.get("type") == "input_audio":
            a = p.get("input_audio") or {}
            out.append(media_suffix("audio/" + str(a.get("format", "")), a.get("data", "")))
        elif p.get("type") == "file":
            d = data_url((p.get("file") or {}).get("file_data", ""))
            if d:
                out.append(media_suffix(d[0], d[1]))
    return out


def continuation(body: dict) -> tuple[int, str] | None:
    """(index of the original user message, delivered prefix) when Routero asks to continue a cut answer."""
    msgs = [m for m in body.get("messages", []) if isinstance(m, dict)]
    return continuation_of([(m.get("role"), message_text(m)) for m in msgs])


def last_turn(body: dict) -> Turn:
    """The last user turn; trailing ``tool`` messages make it a turn of tool results; for a continuation
    request, the user turn whose answer is being continued."""
    msgs = [m for m in body.get("messages", []) if isinstance(m, dict)]
    cont = continuation(body)
    if cont is not None:
        return Turn(message_text(msgs[cont[0]]), message_media(msgs[cont[0]]))
    tools = []
    for m in reversed(msgs):
        if m.get("role") != "tool":
            break
        tools.insert(0, message_text(m))
    if tools:
        return Turn("", [], tools)
    users = [m for m in msgs if m.get("role") == "user"]
    return Turn(message_text(users[-1]), message_media(users[-1])) if users else Turn()


# (model, answer) pairs a mock-once-* fault already hit.
ONCE_SEEN: set = set()


def answer_text(body: dict) -> str:
    """The echo answer: ``"echo: " + text of the last user message`` (+ `` [image ...]`` per image),
    or ``"tool said: ..."`` when the conversation ends with tool messages."""
    return plain_answer(last_turn(body))


def usage_for(body: dict, completion: str) -> dict:
    """Token counts are word counts, so tests can predict them exactly."""
    prompt = sum(word_count(message_text(m)) for m in body.get("messages", []) if isinstance(m, dict))
    completion_tokens = word_count(completion)
    return {"prompt_tokens": prompt, "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens}


def long_piece(i: int, pad: int) -> str:
    """Content of chunk ``i`` of ``mock-long-<n>[-<pad>]``."""
    base = f"[{i}]"
    return base + "." * max(0, pad - len(base))


def error_body(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def declared_tools(body: dict) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools") or []
            if isinstance(t, dict) and isinstance(t.get("function"), dict) and t["function"].get("name")]


def chat_plan(body: dict, b: Behaviour) -> Plan:
    stop = body.get("stop")
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    rf = body.get("response_format")
    json_mode = isinstance(rf, dict) and rf.get("type") in ("json_object", "json_schema")
    cont = continuation(body)
    prefill = cont[1] if cont is not None and not b.echoprefix else ""
    plan = make_plan(b, last_turn(body), declared_tools(body), limit, [stop] if isinstance(stop, str) else stop,
                     json_mode, prefill=prefill)
    if b.filter_out:  # the output filter stops the answer after two words
        plan.text, plan.calls, plan.finish = truncate_words(plan.text, 2), [], "content_filter"
    return plan


# Fields Mistral's chat completions endpoint accepts; anything else is rejected with 422.
MISTRAL_FIELDS = {"model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed",
                  "response_format", "tools", "tool_choice", "presence_penalty", "frequency_penalty", "n",
                  "prediction", "parallel_tool_calls", "safe_prompt", "prompt_mode"}
TOOL_ID_9 = re.compile(r"[a-zA-Z0-9]{9}")


def flavour(path: str) -> str:
    """The provider a path prefix stands for: ``/mistral/v1/...`` -> ``mistral``."""
    first = path.strip("/").split("/", 1)[0]
    return "mistral" if first == "codestral" else first


def mistral_problem(body: dict):
    """Mistral's own validation: (status, body) or None."""
    extra = sorted(set(body) - MISTRAL_FIELDS)
    if extra:
        return 422, {"object": "error", "message": {"detail": [
            {"type": "extra_forbidden", "loc": ["body", k], "msg": "Extra inputs are not permitted",
             "input": body[k]} for k in extra]}, "type": "invalid_request_error", "param": None, "code": None}
    for m in body.get("messages", []):
        if not isinstance(m, dict):
            continue
        ids = [c.get("id") for c in m.get("tool_calls") or [] if isinstance(c, dict)]
        if "tool_call_id" in m:
            ids.append(m["tool_call_id"])
        for i in ids:
            if not isinstance(i, str) or not TOOL_ID_9.fullmatch(i):
                return 400, {"object": "error", "message": f"Tool call id was {i} but must be a-z, A-Z, 0-9, "
                             "with a length of 9.", "type": "invalid_request_error", "param": None, "code": None}
    return None


def openai_auth(mock, req, call: dict) -> tuple | None:
    """api.openai.com's key check (Bearer; api-key / x-api-key are accepted too, for the
    OpenAI-compatible providers that use them); --keyless prefixes need none."""
    presented = None
    auth = req.headers.get("authorization")
    if auth is not None:
        call["auth_style"] = "bearer" if auth.lower().startswith("bearer ") else "authorization-other"
        presented = auth[7:].strip() if call["auth_style"] == "bearer" else auth
    elif "api-key" in req.headers:
        call["auth_style"], presented = "api-key", req.headers["api-key"]
    elif "x-api-key" in req.headers:
        call["auth_style"], presented = "x-api-key", req.headers["x-api-key"]
    if any(req.path.startswith(p) for p in mock.keyless):
        call["auth_ok"] = True
        return None
    if presented is None:
        return (401, error_body("You didn't provide an API key. You need to provide your API key in an "
                                "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                                "YOUR_KEY).", "invalid_request_error"))
    if presented != mock.key:
        shown = presented if mock.echo_key else presented[:3] + "*" * 4 + presented[-4:]
        return (401, error_body(f"Incorrect API key provided: {shown}. You can find your API key at "
                                "https://platform.openai.com/account/api-keys.",
                                "invalid_request_error", "invalid_api_key"))
    call["auth_ok"] = True
    return None


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


class OpenAIChat:
    """``POST .../chat/completions`` like api.openai.com; subclass hooks are marked (hook)."""
    family = "openai"

    def __init__(self, ex: Exchange):
        self.ex, self.req, self.call = ex, ex.req, ex.call
        self.mock = ex.mock
        self.path_flavour = flavour(self.req.path)

    # -- hooks ---------------------------------------------------------------------------------

    def model_of(self, body: dict) -> str:
        """(hook) The model that selects the behaviour."""
        return body["model"]

    def response_model(self, model: str) -> str:
        """(hook) The ``model`` reported in responses."""
        return model

    def decorate(self, obj: dict, kind: str) -> dict:
        """(hook) Add family extras to a completion (``kind`` = completion) or a chunk."""
        return obj

    def leading_chunks(self) -> list[dict]:
        """(hook) Chunks sent before the role chunk."""
        return []

    def check_auth(self) -> tuple | None:
        """(hook) Returns an error (status, body) when the auth is missing/wrong, like api.openai.com."""
        return openai_auth(self.mock, self.req, self.call)

    def validate_fields(self, body: dict) -> tuple | None:
        """(hook) Family-specific body checks after the common ones."""
        if self.path_flavour == "mistral":
            return mistral_problem(body)
        return None

    def fault(self, b: Behaviour, model: str) -> tuple | None:
        """(hook) mock-429 / -500 / -503 / -401 / -404 / -filter replies (status, body[, headers])."""
        hint = self.mock.key_hint(self.req)
        if b.fault == 429:
            return (429, error_body(
                "Rate limit reached for requests in organization org-mock on requests per min (RPM): "
                "Limit 3, Used 3, Requested 1. Please try again in 7s." + hint, "requests",
                "rate_limit_exceeded"), [("retry-after", "7"), ("x-ratelimit-remaining-requests", "0")])
        if b.fault in (500, 503):
            msg = ("The server had an error while processing your request. Sorry about that!" if b.fault == 500
                   else "The server is overloaded or not ready yet.")
            return b.fault, error_body(msg + hint, "server_error", None if b.fault == 500 else "server_is_overloaded")
        if b.fault == 401:
            auth = self.req.headers.get("authorization", "")
            shown = auth if self.mock.echo_key else "sk-****"
            return 401, error_body(f"Incorrect API key provided: {shown}. You can find your API key at "
                                   "https://platform.openai.com/account/api-keys.", "invalid_request_error",
                                   "invalid_api_key")
        if b.fault == 404:
            return 404, error_body(f"The model `{model}` does not exist or you do not have access to it.",
                                   "invalid_request_error", "model_not_found")
        if b.ctx:
            return 400, error_body("This model's maximum context length is 8192 tokens. However, your messages "
                                   "resulted in 9000 tokens. Please reduce the length of the messages.",
                                   "invalid_request_error", "context_length_exceeded", "messages")
        if b.policy:
            return 400, error_body("Your request was rejected as a result of our safety system. Your prompt may "
                                   "contain text that is not allowed by our safety system.", "invalid_request_error",
                                   "content_policy_violation")
        return None

    # -- request ---------------------------------------------------------------------------------

    def validate(self):
        """The strict request checks api.openai.com applies, with its error shapes."""
        ctype = self.req.headers.get("content-type", "")
        if self.req.content_type != "application/json":
            return 400, error_body(f"Invalid Content-Type header ({ctype or 'none'}), expected application/json.",
                                   "invalid_request_error")
        body = self.ex.parse_json()
        if body is None:
            return 400, error_body("We could not parse the JSON body of your request. (HINT: This likely means "
                                   "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                                   "payload, but what was sent was not valid JSON.)", "invalid_request_error")
        if isinstance(body, dict):
            self.call["model"] = self.call["model"] or body.get("model")
            self.call["stream"] = body.get("stream") is True
        err = self.check_auth()
        if err:
            return err
        if not isinstance(body, dict):
            return 400, error_body("Invalid type for request body: expected an object.", "invalid_request_error")
        if not isinstance(self.model_of(body), str) or not self.model_of(body):
            return 400, error_body("you must provide a model parameter", "invalid_request_error")
        if "messages" not in body:
            return 400, error_body("Missing required parameter: 'messages'.", "invalid_request_error",
                                   "missing_required_parameter", "messages")
        if not isinstance(body["messages"], list) or not body["messages"]:
            return 400, error_body("Invalid 'messages': empty array. Expected an array with minimum length 1, "
                                   "but got an empty array instead.", "invalid_request_error", "empty_array",
                                   "messages")
        problem = self.validate_fields(body)
        if problem:
            return problem
        if "stream_options" in body and body.get("stream") is not True:
            return 400, error_body("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                                   "invalid_request_error", None, "stream_options")
        return None

    async def handle(self) -> bool:
        problem = self.validate()
        if problem is not None:
            return await self.ex.reply(problem)
        body = self.call["body"]
        model = self.model_of(body)
        switch = re.fullmatch(r"mock-switch-([a-z0-9]+)(?:-slow-(\d+))?", model or "")
        if switch:
            # A provider that fails while its switch (POST /_mock/switch) is set, then recovers:
            # failover scenario 15 and shared cooldowns need a fault that tests turn on and off.
            status = self.mock.switches.get(switch.group(1))
            if status == 429:
                return await self.ex.reply((429, error_body("Rate limit reached.", "requests", "rate_limit_exceeded")))
            if status:
                return await self.ex.reply((status, error_body("The server is unavailable.", "server_error")))
            if switch.group(2):
                await asyncio.sleep(int(switch.group(2)) / 1000)  # healthy but slow: a probe in progress
            model = "mock-echo"
        once = re.fullmatch(r"mock-once-(500|503|reset|429-(\d+))", model or "")
        if once:
            # The fault happens to the FIRST request with this model and text, then the model echoes:
            # failover scenarios 1, 3 and 5 ("... once") need a provider that recovers.
            key = (model, answer_text(body))
            if key not in ONCE_SEEN:
                ONCE_SEEN.add(key)
                self.call["status"] = 0
                if once.group(1) == "reset":
                    self.ex.writer.transport.abort()  # TCP reset before any header
                    return False
                if once.group(2):
                    return await self.ex.reply((429, error_body("Rate limit reached; retry shortly.", "requests",
                                                                "rate_limit_exceeded"), [("retry-after", once.group(2))]))
                return await self.ex.reply((int(once.group(1)), error_body("The server had an error.", "server_error")))
            model = "mock-echo"
        b = behaviour(model)
        await b.delay()
        reply = self.fault(b, model)
        if reply:
            return await self.ex.reply(reply)
        if body.get("stream") is True:
            return await self.stream(body, model, b)
        if model == "mock-notchat":
            return await self.ex.json(200, {"object": "list", "data": []})
        if model == "mock-text":
            return await self.ex.raw(200, "text/plain", b"plain text, not JSON")
        m = re.fullmatch(r"mock-huge-(\d+)", model)
        if m:
            plan = Plan("x" * (int(m.group(1)) * 1024), None, [], "stop")
        else:
            plan = chat_plan(body, b)
        finish = self.finish_reason(plan)
        message = {"role": "assistant", "content": plan.text if (plan.text or not plan.calls) else None,
                   "refusal": None}
        if plan.calls:
            message["tool_calls"] = [{"id": "call_" + uuid.uuid4().hex[:24], "type": "function",
                                      "function": {"name": name, "arguments": dumps_args(args)}}
                                     for name, args in plan.calls]
        obj = {"id": "chatcmpl-" + uuid.uuid4().hex[:24], "object": "chat.completion", "created": int(time.time()),
               "model": self.response_model(model), "system_fingerprint": "fp_mock",
               "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
               "usage": self.usage(body, plan)}
        return await self.ex.json(200, self.decorate(obj, "completion"))

    @staticmethod
    def finish_reason(plan: Plan) -> str:
        return {"stop_sequence": "stop"}.get(plan.finish, plan.finish)

    def usage(self, body: dict, plan: Plan) -> dict:
        u = usage_for(body, plan.text)
        extra = sum(args_words(a) for _, a in plan.calls) + word_count(plan.thinking or "")
        u["completion_tokens"] += extra
        u["total_tokens"] += extra
        if plan.thinking:
            u["completion_tokens_details"] = {"reasoning_tokens": word_count(plan.thinking)}
        return u

    # -- stream ----------------------------------------------------------------------------------

    async def stream(self, body: dict, model: str, b: Behaviour) -> bool:
        """SSE exactly like api.openai.com: role chunk, content deltas, finish chunk, optional
        usage chunk (choices: []), then [DONE]; one HTTP chunk per event, flushed separately."""
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        shown_model = self.response_model(model)
        opts = body.get("stream_options")
        include_usage = isinstance(opts, dict) and opts.get("include_usage") is True
        # Where usage goes: OpenAI's separate chunk, or a provider's own place (always sent there).
        usage_at = {"mistral": "finish", "perplexity": "finish", "moonshot": "choice"}.get(self.path_flavour, "chunk")
        if usage_at != "chunk":
            include_usage = False

        def chunk(delta: dict, finish=None) -> dict:
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": shown_model,
                   "system_fingerprint": "fp_mock",
                   "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            if include_usage:
                obj["usage"] = None
            return self.decorate(obj, "chunk")

        if model == "mock-drop":
            async def drop(s):
                return "drop"
            return await self.ex.stream(drop)
        long_ = re.fullmatch(r"mock-long-(\d+)(?:-(\d+))?", model)
        idle = re.fullmatch(r"mock-idle-(\d+)", model)
        plan = chat_plan(body, b)
        if idle:
            pieces, gap = ["[idle]"], float(idle.group(1))
        elif long_:
            pieces = [long_piece(i, int(long_.group(2) or 0)) for i in range(int(long_.group(1)))]
            gap = LONG_GAP_S
        else:
            pieces = split_pieces(plan.text) if (plan.text or not plan.calls) else []
            if b.cut is not None:
                pieces = pieces[:b.cut]
            gap = self.mock.chunk_delay
        plan.text = "".join(pieces) if (idle or long_ or b.cut is not None) else plan.text

        def events():
            """(payload, pause before it): the pacing of content and finish events is ``gap``."""
            for c in self.leading_chunks():
                yield dumps(c), 0
            yield dumps(chunk({"role": "assistant", "content": "", "refusal": None})), 0
            for i, piece in enumerate(pieces):
                if b.stall is not None and i == b.stall:
                    yield None, 30  # silence with the connection open
                    return
                if b.garbage is not None and i == b.garbage:
                    yield '{"id": "' + cid + '", "object": "chat.completion.chunk", "choi', gap
                yield dumps(chunk({"content": piece})), (b.ttft_ms / 1000 if i == 0 and b.ttft_ms else gap)
                if b.overload_mid and i == 1:
                    yield dumps(error_body("The server is overloaded or not ready yet.", "server_error",
                                           "server_is_overloaded")), gap
                    return
            if b.cut is not None:
                return
            for i, (name, args) in enumerate(plan.calls):
                start = {"index": i, "id": "call_" + uuid.uuid4().hex[:24], "type": "function",
                         "function": {"name": name, "arguments": ""}}
                yield dumps(chunk({"tool_calls": [start]})), gap
                for frag in fragments(dumps_args(args)):
                    yield dumps(chunk({"tool_calls": [{"index": i, "function": {"arguments": frag}}]})), gap
            final = chunk({}, self.finish_reason(plan))
            if usage_at == "finish":
                final["usage"] = self.usage(body, plan)
            elif usage_at == "choice":
                final["choices"][0]["usage"] = self.usage(body, plan)
            yield dumps(final), gap
            if include_usage:
                yield dumps({"id": cid, "object": "chat.completion.chunk", "created": created, "model": shown_model,
                             "system_fingerprint": "fp_mock", "choices": [], "usage": self.usage(body, plan)}), 0
            if not b.nodone:
                yield "[DONE]", 0

        async def produce(s):
            for payload, before in events():
                if not await s.pause(before) or payload is None or not await s.send(f"data: {payload}\n\n"):
                    return False
            if b.linger_ms and not await s.pause(b.linger_ms / 1000):
                return False
            return "cut" if b.cut is not None else True

        return await self.ex.stream(produce, headers=[("x-request-id", "req_" + uuid.uuid4().hex[:16])],
                                    split_utf8=not long_)


def dumps_args(args: dict) -> str:
    """Tool-call arguments as OpenAI sends them: ``json.dumps`` with default separators."""
    return json.dumps(args, ensure_ascii=False)


__all__ = ["OpenAIChat", "answer_text", "usage_for", "message_text", "split_pieces", "long_piece", "error_body",
           "json_answer", "flavour", "LONG_GAP_S"]
