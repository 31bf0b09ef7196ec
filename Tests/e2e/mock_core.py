"""Shared plumbing of the mock upstream (standard library only).

The contract of the mock (paths, model names, answers, faults, options) is documented in
``mock_openai.py``; this module holds what every API family uses:

* HTTP/1.1 parsing and writing (``Request``, ``read_request``, ``response_head``, ``http_chunk``);
* ``Exchange``: one request being answered (JSON replies, the call record, chunked streams that
  notice a client leaving early, ``mock-cut-<n>`` style aborts);
* ``Behaviour``: the model-name vocabulary shared by all families (``mock-tool``, ``mock-think``,
  ``mock-429`` ...), matched by prefix so version suffixes (``-20250514``, ``@20241022``) are ignored;
* deterministic answer helpers (echo text, media suffixes, tool-result text, word counts, HMAC
  signatures for thinking blocks / thought signatures).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------------

REASONS = {100: "Continue", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large", 415: "Unsupported Media Type",
           422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable", 529: "Site Overloaded"}


class BadRequest(Exception):
    pass


class Request:
    def __init__(self, method: str, target: str, version: str, headers: list[tuple[str, str]], body: bytes):
        self.method, self.target, self.version, self.body = method, target, version, body
        self.header_list = headers
        self.headers = {k.lower(): v for k, v in headers}
        self.path, _, self.query_string = target.partition("?")
        # First value of each query parameter (``?alt=sse&key=...``).
        self.query = {k: v[0] for k, v in urllib.parse.parse_qs(self.query_string, keep_blank_values=True).items()}

    @property
    def keep_alive(self) -> bool:
        conn = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return conn == "keep-alive"
        return conn != "close"

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None


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


def dumps(obj) -> str:
    """Compact JSON, non-ASCII kept as UTF-8 (what the real APIs send in streams)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


async def send_json(writer, status: int, obj, keep: bool, extra: list | None = None) -> None:
    data = json.dumps(obj, ensure_ascii=False).encode()
    headers = [("content-type", "application/json"), ("content-length", str(len(data))),
               ("x-request-id", "req_" + uuid.uuid4().hex[:16])]
    if not keep:
        headers.append(("connection", "close"))
    writer.write(response_head(status, headers + (extra or [])) + data)
    await writer.drain()


class Exchange:
    """One request being answered: the request, its call record (``/_mock/calls``), the socket.

    Handlers return what ``dispatch`` returns: whether the connection may be reused."""

    def __init__(self, mock, req: Request, call: dict, reader, writer):
        self.mock, self.req, self.call, self.reader, self.writer = mock, req, call, reader, writer
        self.headers: list[tuple[str, str]] = []  # sent on every response of this exchange

    @property
    def keep(self) -> bool:
        return self.req.keep_alive

    async def json(self, status: int, obj, headers: list | None = None) -> bool:
        self.call["status"] = status
        await send_json(self.writer, status, obj, self.keep, self.headers + (headers or []))
        return True

    async def reply(self, reply: tuple) -> bool:
        """Send a ``(status, body[, headers])`` tuple as produced by the validators."""
        return await self.json(reply[0], reply[1], reply[2] if len(reply) > 2 else None)

    async def raw(self, status: int, content_type: str, data: bytes, headers: list | None = None) -> bool:
        self.call["status"] = status
        self.writer.write(response_head(status, [("content-type", content_type), ("content-length", str(len(data)))]
                                        + self.headers + (headers or [])) + data)
        await self.writer.drain()
        return True

    def parse_json(self):
        """The JSON body, or ``None`` when it is not JSON (``call["body"]`` records what came)."""
        try:
            body = json.loads(self.req.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.call["body"] = self.req.body.decode("utf-8", "replace")
            return None
        self.call["body"] = body
        return body

    async def stream(self, produce, content_type: str = "text/event-stream; charset=utf-8",
                     headers: list | None = None, split_utf8: bool = True) -> bool:
        """Send a 200 chunked response whose body ``produce(stream)`` writes.

        ``produce`` returns True (finished: the terminating zero-length chunk is sent), ``"cut"``
        (after one more --chunk-delay-ms the TCP connection is aborted without it), ``"drop"``
        (aborted at once) or False (the client went away)."""
        s = EventStream(self, split_utf8)
        self.call["status"] = 200
        self.writer.write(response_head(200, [("content-type", content_type), ("transfer-encoding", "chunked"),
                                              ("cache-control", "no-cache")] + self.headers + (headers or [])))
        await self.writer.drain()
        s.start()
        ok = False
        try:
            outcome = await produce(s)
            if outcome in ("cut", "drop"):
                # Drop the connection without the terminating zero-length chunk (and without the
                # family's own end-of-stream event): not a client disconnect.
                ok = outcome == "drop" or await s.pause(self.mock.chunk_delay)
                self.writer.transport.abort()
                return False
            if outcome:
                self.writer.write(b"0\r\n\r\n")
                await self.writer.drain()
                ok = True
        except (ConnectionError, OSError):
            ok = False
        finally:
            await s.close(ok)
        # Cancelling a pending read() consumes nothing, so a cleanly finished stream keeps the
        # connection alive like the real APIs do (curl reuses it).
        return ok and not s.consumed


class EventStream:
    """The body of a chunked streaming response; see ``Exchange.stream``."""

    def __init__(self, ex: Exchange, split_utf8: bool):
        self.ex, self.split_utf8 = ex, split_utf8
        self.closed = asyncio.Event()
        self.consumed: list[bytes] = []  # bytes the watcher swallowed: such a connection cannot be reused
        self.watcher = None

    def start(self) -> None:
        # The gateway never half-closes while waiting for the answer, so EOF (or an error) on the
        # read side means it closed the connection: that is how an early disconnect is recorded.
        async def watch_close():
            try:
                while True:
                    data = await self.ex.reader.read(65536)
                    if not data:
                        break
                    self.consumed.append(data)
            except (ConnectionError, OSError):
                pass
            self.closed.set()

        self.watcher = asyncio.ensure_future(watch_close())

    async def send(self, data: bytes | str) -> bool:
        """One event as one HTTP chunk (split inside its first multibyte character, as two chunks
        flushed separately, so the gateway's parser must join bytes across reads)."""
        if isinstance(data, str):
            data = data.encode()
        writer = self.ex.writer
        try:
            cut_at = next((i + 1 for i, b in enumerate(data) if b >= 0xC0), None) if self.split_utf8 else None
            if cut_at is not None:
                writer.write(http_chunk(data[:cut_at]))
                await writer.drain()
                await asyncio.sleep(0.002)
                writer.write(http_chunk(data[cut_at:]))
            else:
                writer.write(http_chunk(data))
            await writer.drain()
        except (ConnectionError, OSError):
            return False
        self.ex.call["chunks_sent"] += 1
        return not self.closed.is_set()

    async def pause(self, seconds: float) -> bool:
        """Sleep; False if the client left meanwhile."""
        if seconds <= 0:
            return not self.closed.is_set()
        try:
            await asyncio.wait_for(self.closed.wait(), seconds)
            return False
        except asyncio.TimeoutError:
            return True

    async def send_all(self, events, gap: float | None = None) -> bool:
        """Send events with ``gap`` seconds (default: --chunk-delay-ms) before each but the first."""
        gap = self.ex.mock.chunk_delay if gap is None else gap
        for i, event in enumerate(events):
            if (i and not await self.pause(gap)) or not await self.send(event):
                return False
        return True

    async def close(self, ok: bool) -> None:
        self.ex.call["ended_at"] = time.time()
        if not ok:
            self.ex.call["client_disconnected"] = True
        if self.watcher is not None:
            self.watcher.cancel()
            # Let the cancellation land: until it does, the reader still has the watcher's waiter
            # and the next request's readuntil() would fail.
            await asyncio.gather(self.watcher, return_exceptions=True)


def sse(data, event: str | None = None, crlf: bool = False) -> str:
    """One SSE event (``event:`` line optional); Google frames with CRLF."""
    nl = "\r\n" if crlf else "\n"
    payload = data if isinstance(data, str) else dumps(data)
    return (f"event: {event}{nl}" if event else "") + f"data: {payload}{nl}{nl}"


# ---------------------------------------------------------------------------------------------
# The model-name vocabulary
# ---------------------------------------------------------------------------------------------

FAULT_CODES = {"429", "500", "503", "529", "401", "404"}


@dataclass
class Behaviour:
    """What a model name asks the mock to do (see the table in mock_openai.py)."""
    name: str
    think: bool = False
    tools: int = 0          # 1: mock-tool, 2: mock-tools2
    text: bool = False      # mock-tool-text: the echo text before the tool call(s)
    json: bool = False
    noid: bool = False      # Gemini: functionCall parts without ids
    filter: bool = False
    filter_out: bool = False
    fault: int | None = None
    cut: int | None = None
    slow_ms: int = 0
    overload_mid: bool = False
    stall: int | None = None    # mock-stall-<n>: n content deltas, then silence with the connection open
    garbage: int | None = None  # mock-garbage-<n>: n content deltas, then a chunk that is not JSON
    ttft_ms: int = 0            # mock-ttft-<ms>: the role chunk at once, the first content after <ms>
    nodone: bool = False        # mock-nodone: finish and usage chunks, but no [DONE]
    linger_ms: int = 0          # mock-linger-<ms>: [DONE], then the response stays open <ms> before it ends
    echoprefix: bool = False    # mock-echoprefix: told to continue a cut answer, it starts over instead
    noprefill: bool = False     # mock-noprefill (Anthropic): a final assistant message is a 400
    ctx: bool = False           # mock-ctx: 400 context_length_exceeded, as api.openai.com words it
    policy: bool = False        # mock-policy: 400 content_policy_violation (the request was refused)

    async def delay(self) -> None:
        if self.slow_ms:
            await asyncio.sleep(self.slow_ms / 1000)


def behaviour(model: str | None) -> Behaviour:
    """Parse ``mock-<token>-<token>...`` (also ``claude-mock-...``); parsing stops at the first unknown token, so any suffix
    (``-20250514``, ``@20241022``, ``-latest``) is ignored. ``models/...`` prefixes are dropped."""
    name = (model or "").rsplit("/", 1)[-1]
    b = Behaviour(name)
    tokens = re.split(r"[-@]", name)
    if tokens[0] == "claude" and len(tokens) > 1:
        # Vertex AI serves Claude in Anthropic's format only for model ids starting with
        # "claude": `claude-mock-tool` behaves as `mock-tool`.
        tokens = tokens[1:]
    if tokens[0] != "mock":
        return b
    i = 1
    while i < len(tokens):
        t, nxt = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
        if t == "think":
            b.think = True
        elif t == "tool":
            b.tools = max(b.tools, 1)
        elif t == "tools2":
            b.tools = 2
        elif t == "text":
            b.text = True
        elif t == "json":
            b.json = True
        elif t == "noid":
            b.noid = True
        elif t == "filter":
            b.filter = True
            if nxt == "out":
                b.filter, b.filter_out, i = False, True, i + 1
        elif t in FAULT_CODES and i == 1:
            b.fault = int(t)
        elif t in ("cut", "slow", "stall", "garbage", "ttft", "linger") and nxt.isdigit():
            if t == "cut":
                b.cut = int(nxt)
            elif t == "stall":
                b.stall = int(nxt)
            elif t == "garbage":
                b.garbage = int(nxt)
            elif t == "ttft":
                b.ttft_ms = int(nxt)
            elif t == "linger":
                b.linger_ms = int(nxt)
            else:
                b.slow_ms = int(nxt)
            i += 1
        elif t in ("nodone", "echoprefix", "noprefill", "ctx", "policy"):
            setattr(b, t, True)
        elif t == "overload" and nxt == "mid":
            b.overload_mid, i = True, i + 1
        elif t != "echo":
            break
        i += 1
    return b


# ---------------------------------------------------------------------------------------------
# Deterministic answers
# ---------------------------------------------------------------------------------------------

MOCK_SECRET = b"routero-mock-signing-secret"
TOOL_CITIES = ("A", "B")  # mock-tools2


def word_count(text: str) -> int:
    return len(text.split())


def split_pieces(text: str, size: int = 3) -> list[str]:
    """Content deltas: ``size`` characters each (so multibyte characters land inside deltas)."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def b64_bytes(data: str) -> bytes | None:
    """Decode standard or URL-safe base64, padding optional; None if it is not base64."""
    if not isinstance(data, str):
        return None
    s = data.strip().replace("-", "+").replace("_", "/")
    s += "=" * (-len(s) % 4)
    try:
        return base64.b64decode(s, validate=True)
    except (ValueError, TypeError):
        return None


def media_kind(mime: str) -> str:
    top = (mime or "").split("/", 1)[0].lower()
    return top if top in ("image", "audio", "video") else "document"


def media_suffix(mime: str | None = None, data: str | None = None, url: str | None = None,
                 kind: str | None = None) -> str:
    """`` [image image/png 123]`` (mime + decoded byte length) or `` [image https://...]`` (URL)."""
    kind = kind or media_kind(mime or "")
    if url is not None:
        return f" [{kind} {url}]"
    raw = b64_bytes(data or "")
    return f" [{kind} {mime} {len(raw) if raw is not None else 0}]"


def echo_answer(text: str, suffixes: list[str] | None = None) -> str:
    return "echo: " + text + "".join(suffixes or [])


def tool_said(results: list[str], user_text: str = "") -> str:
    """Answer to a turn of tool results: ``tool said: r1 | r2`` (+ `` / user said: t``)."""
    return "tool said: " + " | ".join(results) + (f" / user said: {user_text}" if user_text else "")


def json_answer(plain: str) -> str:
    """mock-json: ``{"echo": X}`` where X is the plain answer without its ``echo: `` prefix."""
    return json.dumps({"echo": plain[6:] if plain.startswith("echo: ") else plain}, ensure_ascii=False)


def thinking_text(user_text: str) -> str:
    """mock-think: the reasoning text (Anthropic thinking block, Gemini thought part)."""
    return "Let me think about: " + user_text


def sign(kind: str, text: str) -> str:
    """Deterministic base64 HMAC (the mock's thinking/thought signatures)."""
    digest = hmac.new(MOCK_SECRET, f"{kind}\n{text}".encode(), hashlib.sha256).digest()
    return base64.b64encode(b"mock" + digest).decode()


def tool_args(b: Behaviour, user_text: str) -> list[dict]:
    """The arguments of the call(s) mock-tool / mock-tools2 make."""
    return [{"city": user_text}] if b.tools == 1 else [{"city": c} for c in TOOL_CITIES]


def args_words(args: dict) -> int:
    """Completion tokens of a tool call: words of ``json.dumps(args)`` (default separators)."""
    return word_count(json.dumps(args, ensure_ascii=False))


def fragments(text: str, parts: int = 3) -> list[str]:
    """Split tool-call arguments into ``parts`` fragments (streams send them piecewise)."""
    size = max(1, -(-len(text) // parts))
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def truncate_words(text: str, limit: int) -> str:
    return " ".join(text.split()[:limit])


def cut_at_stop(text: str, stops) -> tuple[str, str | None]:
    """Cut ``text`` before the earliest stop sequence; returns (text, matched or None)."""
    best = None
    for s in stops or []:
        if isinstance(s, str) and s:
            at = text.find(s)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, s)
    return (text[:best[0]], best[1]) if best else (text, None)


def short_id(n: int = 24) -> str:
    return uuid.uuid4().hex[:n]


@dataclass
class Turn:
    """The last user turn, family-independent: its text, media suffixes, and tool results."""
    text: str = ""
    suffixes: list | None = None
    tool_results: list | None = None   # texts of the tool results, when the turn answers tool calls


@dataclass
class Plan:
    """The answer the mock gives: visible text, reasoning, tool calls and why it stopped."""
    text: str
    thinking: str | None
    calls: list            # [(tool name, args dict)]
    finish: str            # stop | length | stop_sequence | tool_calls
    stop_sequence: str | None = None

    def output_words(self) -> int:
        """Completion tokens: words of text + thinking + each call's JSON arguments."""
        return (word_count(self.text) + word_count(self.thinking or "")
                + sum(args_words(a) for _, a in self.calls))


def plain_answer(turn: Turn) -> str:
    """``echo: <text>[ media...]``, or ``tool said: ...`` when the turn carries tool results."""
    suffix = "".join(turn.suffixes or [])
    if turn.tool_results is not None:
        return tool_said(turn.tool_results, (turn.text + suffix).strip())
    return echo_answer(turn.text, turn.suffixes)


# Routero's documented continuation instruction (deploy/ROUTING.md): a model told this after an
# assistant message holding the start of its answer continues that answer (or, mock-echoprefix,
# starts over, as careless models do).
CONTINUE_INSTRUCTION = ("Your previous reply was cut off. Continue it exactly where it stopped: "
                        "output only the rest of the reply, without repeating any of it and without any preamble.")


def continuation_of(roles_texts: list) -> tuple[int, str] | None:
    """For messages ``[(role, text), ...]`` ending ``user, assistant(prefix), user(instruction)``: the index
    of the original user message and the prefix; otherwise None."""
    if len(roles_texts) >= 3 and roles_texts[-1] == ("user", CONTINUE_INSTRUCTION) \
            and roles_texts[-2][0] == "assistant" and roles_texts[-3][0] == "user":
        return len(roles_texts) - 3, roles_texts[-2][1]
    return None


def make_plan(b: Behaviour, turn: Turn, tools: list, max_tokens=None, stops=None, json_mode: bool = False,
              prefill: str = "") -> Plan:
    """The shared answer rules (documented in mock_openai.py)."""
    plain = plain_answer(turn)
    calls = []
    if b.tools and tools and turn.tool_results is None:
        calls = [(tools[0], a) for a in tool_args(b, turn.text)]
    if calls:
        text = plain if b.text else ""
    else:
        text = json_answer(plain) if (b.json or json_mode) else plain
    if prefill and text.startswith(prefill):
        text = text[len(prefill):]
    text, matched = cut_at_stop(text, stops)
    finish = "stop_sequence" if matched else ("tool_calls" if calls else "stop")
    if matched:
        calls = []
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and word_count(text) > max_tokens:
        text, finish, calls = truncate_words(text, max_tokens), "length", []
    thinking = thinking_text(turn.text if turn.tool_results is None else plain) if b.think else None
    return Plan(text, thinking, calls, finish, matched)
