#!/usr/bin/env python3
"""A mock OpenAI-compatible upstream for Routero's end-to-end tests and the offline demo.

Standard library only (asyncio streams), HTTP/1.1 with keep-alive, Content-Length bodies and
chunked transfer for SSE. One mock stands in for every OpenAI-compatible provider: it serves
``POST {prefix}/chat/completions`` and ``GET {prefix}/models`` under ANY path prefix
(``/v1``, ``/groq/openai/v1``, ``/ollama/v1`` ...) and records every call so tests can assert the
path and auth style the gateway used.

Behaviour is a deterministic function of the request (see ``answer_text``) so tests can compute
the expected reply with ``import mock_openai``. Faults are selected by the model name:

  mock-429            429 + ``retry-after: 7`` + OpenAI rate-limit body
  mock-500 / -503     server errors with OpenAI bodies
  mock-401            401 invalid_api_key (the message echoes the presented key, see --no-echo-key)
  mock-404            404 model_not_found
  mock-slow-<ms>      sleep <ms> before sending the response headers
  mock-cut-<n>        stream the role chunk + n content chunks, then close the TCP connection
                      without the terminating HTTP chunk and without [DONE]
  mock-long-<n>[-<b>] n content chunks 100 ms apart (optionally each padded to <b> bytes)
  mock-huge-<kb>      non-stream answer whose content is <kb> KiB
  mock-idle-<s>       stream: role chunk, then silence for <s> seconds, one chunk, end
                      (cheap long-lived streams for the 2,000-idle-streams bench)
  mock-drop           stream: 200 and SSE headers, then the connection is dropped before any event
  mock-notchat        non-stream: 200 application/json that is not a chat.completion
  mock-text           non-stream: 200 text/plain
  anything else       echo: content = "echo: " + last user message text

Provider flavours, chosen by the first path segment, emulate documented deviations strictly:
  /mistral/, /codestral/  unknown top-level fields -> 422 (Mistral's extra_forbidden shape);
                          tool-call ids other than 9 chars [a-zA-Z0-9] -> 400; streams carry usage
                          in the finish chunk and never send a separate usage chunk
  /perplexity/            streams carry usage in the finish chunk
  /moonshot/              streams carry usage inside choices[0] of the finish chunk

Control API: ``GET /_mock/calls`` (JSON list of recorded calls), ``POST /_mock/reset``,
``GET /_mock/health``.

Run: ``python3 Tests/e2e/mock_openai.py --port N [--key K] [--keyless /ollama]``; prints
``mock: listening on 127.0.0.1:N`` once the socket accepts connections.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import time
import uuid

DEFAULT_KEY = "sk-mock-local"
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


def answer_text(body: dict) -> str:
    """The echo answer: ``"echo: " + text of the last user message``."""
    users = [m for m in body.get("messages", []) if isinstance(m, dict) and m.get("role") == "user"]
    return "echo: " + (message_text(users[-1]) if users else "")


def word_count(text: str) -> int:
    return len(text.split())


def usage_for(body: dict, completion: str) -> dict:
    """Token counts are word counts, so tests can predict them exactly."""
    prompt = sum(word_count(message_text(m)) for m in body.get("messages", []) if isinstance(m, dict))
    completion_tokens = word_count(completion)
    return {"prompt_tokens": prompt, "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens}


def split_pieces(text: str, size: int = 3) -> list[str]:
    """Content deltas: ``size`` characters each (so multibyte characters land inside deltas)."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def long_piece(i: int, pad: int) -> str:
    """Content of chunk ``i`` of ``mock-long-<n>[-<pad>]``."""
    base = f"[{i}]"
    return base + "." * max(0, pad - len(base))


def error_body(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


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


# ---------------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------------

REASONS = {100: "Continue", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}


class BadRequest(Exception):
    pass


class Request:
    def __init__(self, method: str, target: str, version: str, headers: list[tuple[str, str]], body: bytes):
        self.method, self.target, self.version, self.body = method, target, version, body
        self.header_list = headers
        self.headers = {k.lower(): v for k, v in headers}
        self.path = target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        conn = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return conn == "keep-alive"
        return conn != "close"


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    except asyncio.LimitOverrunError as exc:
        raise BadRequest("header too large") from exc
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ", 2)
    except ValueError as exc:
        raise BadRequest("bad request line") from exc
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    req = Request(method, target, version, headers, b"")
    if req.headers.get("expect", "").lower() == "100-continue":
        # curl sends Expect for big bodies; answering it avoids curl's 1 s wait.
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    if "chunked" in req.headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # trailers are not supported; expect none
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        req.body = b"".join(parts)
    else:
        length = int(req.headers.get("content-length", "0") or 0)
        req.body = await reader.readexactly(length) if length else b""
    return req


def response_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def http_chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


# ---------------------------------------------------------------------------------------------
# The mock server
# ---------------------------------------------------------------------------------------------


class Mock:
    def __init__(self, key: str, keyless: list[str], echo_key: bool, chunk_delay: float):
        self.key, self.keyless, self.echo_key, self.chunk_delay = key, keyless, echo_key, chunk_delay
        self.calls: list[dict] = []
        self.connections = 0

    # -- connection loop --------------------------------------------------------------------

    async def handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn = self.connections  # serial number: lets tests see whether callers reuse connections
        try:
            while True:
                try:
                    req = await read_request(reader, writer)
                except BadRequest as exc:
                    await self.send_json(writer, 400, error_body(str(exc), "invalid_request_error"), False)
                    return
                if req is None:
                    return
                keep = await self.dispatch(req, reader, writer, conn)
                if not keep or not req.keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - already closed
                pass

    async def send_json(self, writer, status: int, obj, keep: bool, extra: list | None = None) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode()
        headers = [("content-type", "application/json"), ("content-length", str(len(data))),
                   ("x-request-id", "req_" + uuid.uuid4().hex[:16])]
        if not keep:
            headers.append(("connection", "close"))
        writer.write(response_head(status, headers + (extra or [])) + data)
        await writer.drain()

    async def dispatch(self, req: Request, reader, writer, conn: int = 0) -> bool:
        """Handle one request; return whether the connection may be reused."""
        if req.path == "/_mock/calls":
            await self.send_json(writer, 200, self.calls, req.keep_alive)
            return True
        if req.path == "/_mock/reset":
            self.calls.clear()
            await self.send_json(writer, 200, {"ok": True}, req.keep_alive)
            return True
        if req.path == "/_mock/health":
            await self.send_json(writer, 200, {"ok": True}, req.keep_alive)
            return True

        call = {"id": len(self.calls), "method": req.method, "path": req.path, "target": req.target,
                "headers": dict(req.headers), "body": None, "model": None, "stream": False,
                "auth_style": None, "auth_ok": False, "status": None, "started_at": time.time(),
                "ended_at": None, "client_disconnected": False, "chunks_sent": 0, "connection": conn}
        self.calls.append(call)
        try:
            return await self.route(req, call, reader, writer)
        finally:
            if call["ended_at"] is None:
                call["ended_at"] = time.time()

    def check_auth(self, req: Request, call: dict) -> dict | None:
        """Returns an error (status, body) when the auth is missing/wrong, like api.openai.com."""
        presented = None
        auth = req.headers.get("authorization")
        if auth is not None:
            call["auth_style"] = "bearer" if auth.lower().startswith("bearer ") else "authorization-other"
            presented = auth[7:].strip() if call["auth_style"] == "bearer" else auth
        elif "api-key" in req.headers:
            call["auth_style"], presented = "api-key", req.headers["api-key"]
        elif "x-api-key" in req.headers:
            call["auth_style"], presented = "x-api-key", req.headers["x-api-key"]
        if any(req.path.startswith(p) for p in self.keyless):
            call["auth_ok"] = True
            return None
        if presented is None:
            return (401, error_body("You didn't provide an API key. You need to provide your API key in an "
                                    "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                                    "YOUR_KEY).", "invalid_request_error"))
        if presented != self.key:
            shown = presented if self.echo_key else presented[:3] + "*" * 4 + presented[-4:]
            return (401, error_body(f"Incorrect API key provided: {shown}. You can find your API key at "
                                    "https://platform.openai.com/account/api-keys.",
                                    "invalid_request_error", "invalid_api_key"))
        call["auth_ok"] = True
        return None

    def key_hint(self, req: Request) -> str:
        """With --echo-key (default) error messages quote the key the gateway sent, so tests can
        check the gateway never forwards provider error text containing its own secret."""
        if not self.echo_key:
            return ""
        auth = req.headers.get("authorization") or req.headers.get("api-key") or req.headers.get("x-api-key") or ""
        return f" (request authorized with {auth})" if auth else ""

    async def route(self, req: Request, call: dict, reader, writer) -> bool:
        keep = req.keep_alive
        if req.path.endswith("/models") and req.method == "GET":
            err = self.check_auth(req, call)
            if err:
                call["status"] = err[0]
                await self.send_json(writer, err[0], err[1], keep)
                return True
            models = ["mock-echo", "mock-429", "mock-500", "mock-503", "mock-401", "mock-404"]
            call["status"] = 200
            await self.send_json(writer, 200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "mock"} for m in models]}, keep)
            return True
        if not req.path.endswith("/chat/completions"):
            call["status"] = 404
            await self.send_json(writer, 404, error_body(f"Invalid URL ({req.method} {req.path})",
                                                          "invalid_request_error"), keep)
            return True
        if req.method != "POST":
            call["status"] = 405
            await self.send_json(writer, 405, error_body(f"Method {req.method} not allowed",
                                                          "invalid_request_error"), keep)
            return True

        status_body = self.validate(req, call)
        if status_body is not None:
            call["status"] = status_body[0]
            await self.send_json(writer, status_body[0], status_body[1], keep)
            return True
        body = call["body"]
        model = body["model"]
        hint = self.key_hint(req)

        m = re.fullmatch(r"mock-slow-(\d+)", model)
        if m:
            await asyncio.sleep(int(m.group(1)) / 1000)
        if model == "mock-429":
            call["status"] = 429
            await self.send_json(writer, 429, error_body(
                "Rate limit reached for requests in organization org-mock on requests per min (RPM): "
                "Limit 3, Used 3, Requested 1. Please try again in 7s." + hint, "requests",
                "rate_limit_exceeded"), keep, [("retry-after", "7"), ("x-ratelimit-remaining-requests", "0")])
            return True
        if model in ("mock-500", "mock-503"):
            status = int(model[-3:])
            call["status"] = status
            msg = ("The server had an error while processing your request. Sorry about that!" if status == 500
                   else "The server is overloaded or not ready yet.")
            await self.send_json(writer, status, error_body(msg + hint, "server_error",
                                                             None if status == 500 else "server_is_overloaded"), keep)
            return True
        if model == "mock-401":
            call["status"] = 401
            auth = req.headers.get("authorization", "")
            shown = auth if self.echo_key else "sk-****"
            await self.send_json(writer, 401, error_body(
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"), keep)
            return True
        if model == "mock-404":
            call["status"] = 404
            await self.send_json(writer, 404, error_body(
                f"The model `{model}` does not exist or you do not have access to it.",
                "invalid_request_error", "model_not_found"), keep)
            return True

        if body.get("stream") is True:
            return await self.stream(req, call, body, reader, writer)

        if model == "mock-notchat":
            call["status"] = 200
            await self.send_json(writer, 200, {"object": "list", "data": []}, keep)
            return True
        if model == "mock-text":
            call["status"] = 200
            data = b"plain text, not JSON"
            writer.write(response_head(200, [("content-type", "text/plain"), ("content-length", str(len(data)))]) + data)
            await writer.drain()
            return True
        m = re.fullmatch(r"mock-huge-(\d+)", model)
        content = ("x" * (int(m.group(1)) * 1024)) if m else answer_text(body)
        call["status"] = 200
        await self.send_json(writer, 200, {
            "id": "chatcmpl-" + uuid.uuid4().hex[:24], "object": "chat.completion", "created": int(time.time()),
            "model": model, "system_fingerprint": "fp_mock",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": usage_for(body, content)}, keep)
        return True

    def validate(self, req: Request, call: dict):
        """The strict request checks api.openai.com applies, with its error shapes."""
        ctype = req.headers.get("content-type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            return 400, error_body(f"Invalid Content-Type header ({ctype or 'none'}), expected application/json.",
                                   "invalid_request_error")
        try:
            body = json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            call["body"] = req.body.decode("utf-8", "replace")
            return 400, error_body("We could not parse the JSON body of your request. (HINT: This likely means "
                                   "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                                   "payload, but what was sent was not valid JSON.)", "invalid_request_error")
        call["body"] = body
        if isinstance(body, dict):
            call["model"] = body.get("model")
            call["stream"] = body.get("stream") is True
        err = self.check_auth(req, call)
        if err:
            return err
        if not isinstance(body, dict):
            return 400, error_body("Invalid type for request body: expected an object.", "invalid_request_error")
        if not isinstance(body.get("model"), str) or not body["model"]:
            return 400, error_body("you must provide a model parameter", "invalid_request_error")
        if "messages" not in body:
            return 400, error_body("Missing required parameter: 'messages'.", "invalid_request_error",
                                   "missing_required_parameter", "messages")
        if not isinstance(body["messages"], list) or not body["messages"]:
            return 400, error_body("Invalid 'messages': empty array. Expected an array with minimum length 1, "
                                   "but got an empty array instead.", "invalid_request_error", "empty_array",
                                   "messages")
        if flavour(req.path) == "mistral":
            problem = mistral_problem(body)
            if problem:
                return problem
        if "stream_options" in body and body.get("stream") is not True:
            return 400, error_body("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                                   "invalid_request_error", None, "stream_options")
        return None

    async def stream(self, req: Request, call: dict, body: dict, reader, writer) -> bool:
        """SSE exactly like api.openai.com: role chunk, content deltas, finish chunk, optional
        usage chunk (choices: []), then [DONE]; one HTTP chunk per event, flushed separately."""
        model = body["model"]
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        include_usage = isinstance(body.get("stream_options"), dict) and body["stream_options"].get("include_usage") is True
        # Where usage goes: OpenAI's separate chunk, or a provider's own place (always sent there).
        usage_at = {"mistral": "finish", "perplexity": "finish", "moonshot": "choice"}.get(flavour(req.path), "chunk")
        if usage_at != "chunk":
            include_usage = False

        def chunk(delta: dict, finish=None) -> dict:
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "system_fingerprint": "fp_mock",
                   "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            if include_usage:
                obj["usage"] = None
            return obj

        if model == "mock-drop":
            call["status"] = 200
            writer.write(response_head(200, [("content-type", "text/event-stream; charset=utf-8"),
                                             ("transfer-encoding", "chunked")]))
            await writer.drain()
            writer.transport.abort()
            call["ended_at"] = time.time()
            return False
        cut = re.fullmatch(r"mock-cut-(\d+)", model)
        long_ = re.fullmatch(r"mock-long-(\d+)(?:-(\d+))?", model)
        idle = re.fullmatch(r"mock-idle-(\d+)", model)
        if idle:
            pieces, gap = ["[idle]"], float(idle.group(1))
        elif long_:
            pieces = [long_piece(i, int(long_.group(2) or 0)) for i in range(int(long_.group(1)))]
            gap = LONG_GAP_S
        else:
            pieces = split_pieces(answer_text(body))
            if cut:
                pieces = pieces[:int(cut.group(1))]
            gap = self.chunk_delay
        content = "".join(pieces)

        call["status"] = 200
        writer.write(response_head(200, [
            ("content-type", "text/event-stream; charset=utf-8"), ("transfer-encoding", "chunked"),
            ("cache-control", "no-cache"), ("x-request-id", "req_" + uuid.uuid4().hex[:16])]))
        await writer.drain()

        # The gateway never half-closes while waiting for the answer, so EOF (or an error) on the
        # read side means it closed the connection: that is how an early disconnect is recorded.
        closed = asyncio.Event()
        consumed = []  # bytes the watcher swallowed; a connection that lost bytes cannot be reused

        async def watch_close():
            try:
                while True:
                    data = await reader.read(65536)
                    if not data:
                        break
                    consumed.append(data)
            except (ConnectionError, OSError):
                pass
            closed.set()

        watcher = asyncio.ensure_future(watch_close())

        async def send_event(payload: str) -> bool:
            data = f"data: {payload}\n\n".encode()
            try:
                # Split an event inside its first multibyte character (as two HTTP chunks, flushed
                # separately) so the gateway's SSE parser must join bytes across reads.
                cut_at = next((i + 1 for i, b in enumerate(data) if b >= 0xC0), None)
                if cut_at is not None and not long_:
                    writer.write(http_chunk(data[:cut_at]))
                    await writer.drain()
                    await asyncio.sleep(0.002)
                    writer.write(http_chunk(data[cut_at:]))
                else:
                    writer.write(http_chunk(data))
                await writer.drain()
            except (ConnectionError, OSError):
                return False
            call["chunks_sent"] += 1
            return not closed.is_set()

        async def pause(seconds: float) -> bool:
            if seconds <= 0:
                return not closed.is_set()
            try:
                await asyncio.wait_for(closed.wait(), seconds)
                return False
            except asyncio.TimeoutError:
                return True

        def dumps(obj) -> str:
            return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

        try:
            ok = await send_event(dumps(chunk({"role": "assistant", "content": "", "refusal": None})))
            for piece in pieces:
                ok = ok and await pause(gap) and await send_event(dumps(chunk({"content": piece})))
                if not ok:
                    break
            if ok and cut:
                # Drop the connection without the terminating zero-length chunk and without [DONE].
                await pause(gap)
                writer.transport.abort()
                call["ended_at"] = time.time()
                return False
            if ok:
                final = chunk({}, "stop")
                if usage_at == "finish":
                    final["usage"] = usage_for(body, content)
                elif usage_at == "choice":
                    final["choices"][0]["usage"] = usage_for(body, content)
                ok = await pause(gap) and await send_event(dumps(final))
            if ok and include_usage:
                usage_chunk = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                               "system_fingerprint": "fp_mock", "choices": [], "usage": usage_for(body, content)}
                ok = await send_event(dumps(usage_chunk))
            if ok:
                ok = await send_event("[DONE]")
            if ok:
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            ok = False
        finally:
            call["ended_at"] = time.time()
            if not ok:
                call["client_disconnected"] = True
            watcher.cancel()
        # Cancelling a pending read() consumes nothing, so a cleanly finished stream keeps the
        # connection alive like api.openai.com does (curl reuses it).
        return ok and not consumed


async def main_async(args) -> None:
    mock = Mock(args.key, [p for p in args.keyless.split(",") if p], args.echo_key, args.chunk_delay_ms / 1000)
    server = await asyncio.start_server(mock.handle_connection, args.host, args.port, limit=1 << 20, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"mock: listening on {args.host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Mock OpenAI-compatible upstream (stdlib only).")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port (printed)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--key", default=DEFAULT_KEY, help="the API key the mock expects")
    parser.add_argument("--keyless", default="/ollama",
                        help="comma-separated path prefixes that need no auth (default /ollama)")
    parser.add_argument("--no-echo-key", dest="echo_key", action="store_false",
                        help="do not quote the presented key in error messages")
    parser.add_argument("--chunk-delay-ms", type=float, default=10.0,
                        help="pause between SSE events of a normal stream")
    args = parser.parse_args()
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
