#!/usr/bin/env python3
"""A strict mock of every upstream API family Routero talks to, for the e2e tests and the offline demo.

One process, one port (``mock_openai.py --port N``), dispatch by path. Standard library only
(asyncio streams; HTTP/1.1 with keep-alive, Content-Length bodies, chunked transfer for streams).
Every request except ``/_mock/*`` is recorded in ``GET /_mock/calls``. Behaviour is a
deterministic function of the request, so tests compute the expected reply by importing the
family's module (``answer_text`` / ``plan_for`` / ``usage_for`` ...). The mocks are as strict as
the real services (unknown fields, role order, tool pairing, signatures ...) so translation
bugs surface as 400s; where the real API is more lenient it says so below.

Families (each documented in full in its module's docstring):

  family            paths (any prefix before them)                                     module
  OpenAI chat       POST {p}/chat/completions, GET {p}/models                          mock_chat
  Azure OpenAI      POST {p}/openai/deployments/{deployment}/chat/completions?api-version=..
                    POST {p}/{tenant}/oauth2/v2.0/token (Entra client credentials)     mock_azure
  Anthropic         POST {p}/v1/messages, POST {p}/v1/messages/count_tokens            mock_anthropic
  Vertex Claude     POST {p}/v1/projects/{P}/locations/{L}/publishers/anthropic/models/{m}:rawPredict
                    | :streamRawPredict, .../models/count-tokens:rawPredict            mock_anthropic
  Gemini API        POST {p}/v1beta/models/{m}:generateContent | :streamGenerateContent[?alt=sse]
                    | :countTokens   (v1 too)                                          mock_gemini
  Vertex Gemini     POST {p}/v1/projects/{P}/locations/{L}/publishers/google/models/{m}:<same verbs>
                    (v1beta1 too)                                                      mock_gemini
  Google OAuth      POST {p}/token (service-account JWT bearer grant)                  mock_google_auth
  anything else     404 in OpenAI's shape

Auth per family: OpenAI ``Authorization: Bearer <key>`` (``api-key`` / ``x-api-key`` accepted; the
--keyless prefixes need none); Azure ``api-key: <key>`` or an Entra token from the mock;
Anthropic ``x-api-key: <key>`` (or Bearer) + ``anthropic-version``; Gemini ``x-goog-api-key: <key>``
or ``?key=``; Vertex (both publishers) ``Authorization: Bearer <token>`` where the token came from
the mock's ``/token`` and has not expired. ``<key>`` is --key (default ``sk-mock-local``; the e2e
suite uses helpers.MOCK_KEY).

Model names (the model in the body; for Azure the deployment, for Gemini/Vertex the URL segment)
select the behaviour, with the same vocabulary in every family. A name is parsed as ``mock-`` +
dash-separated tokens; parsing stops at the first unknown token, so version suffixes
(``mock-tool-20250514``, ``mock-echo@20241022``) are ignored and tokens combine
(``mock-think-tool``, ``mock-slow-300-tool``):

  (any other name)    echo: the answer is "echo: " + the last user turn's text (see Answers)
  mock-tool           ONE tool call to the FIRST declared tool, args {"city": <last user text>};
                      no tools declared -> the normal text answer; a turn of tool results -> text
  mock-tools2         two parallel calls to the first tool, {"city": "A"} and {"city": "B"}
  mock-tool-text      the echo text as well, before the call(s)
  mock-tool-noid      Gemini: functionCall parts without ``id``
  mock-think          reasoning first: Anthropic ``thinking`` block (HMAC ``signature``; plus a
                      ``redacted_thinking`` block when the user text contains "redact"); Gemini
                      ``thought: true`` part + ``thoughtSignature`` on the first functionCall;
                      OpenAI/Azure ``usage.completion_tokens_details.reasoning_tokens``. Thinking
                      text: "Let me think about: <last user text>" (after tool results: "Let me
                      think about: tool said: ..."); emitted whatever the request's thinking
                      settings (the tests can check those in the recorded body)
  mock-json           the answer is the JSON text ``{"echo": <plain answer minus "echo: ">}``
                      (also for OpenAI/Azure ``response_format`` json_object/json_schema and Gemini
                      ``responseMimeType: application/json``)
  mock-429            429; OpenAI/Azure/Anthropic with ``retry-after: 7``, Gemini/Vertex with a
                      RetryInfo ``retryDelay: "7s"`` detail and no header (as Google does)
  mock-500, mock-503  server errors in the family's envelope
  mock-529            Anthropic: 529 overloaded_error (Gemini: 503 UNAVAILABLE)
  mock-401            401 in the family's envelope
  mock-404            404 (OpenAI model_not_found, Azure DeploymentNotFound, Anthropic
                      not_found_error, Google NOT_FOUND)
  mock-slow-<ms>      sleep <ms> before the response headers
  mock-cut-<n>        stream: n content (text) events, then the TCP connection is aborted without
                      the family's terminator and without the terminating HTTP chunk
  mock-overload-mid   stream: two text events, then the family's mid-stream error (OpenAI/Azure
                      ``data: {"error": ...}``, Anthropic ``event: error`` overloaded_error, Google
                      ``{"error": {503 UNAVAILABLE}}`` element), end
  mock-filter         Azure: 400 content_filter; Anthropic: stop_reason refusal; Gemini:
                      finishReason SAFETY (no content); plain OpenAI: no effect. (Gemini also blocks the prompt --
                      promptFeedback.blockReason SAFETY, no candidates -- when the user text
                      contains "blockme", whatever the model)
  mock-filter-out     Azure/OpenAI: two words, then finish_reason content_filter
OpenAI chat only (unchanged):
  mock-once-500|503   the FIRST request with this model and text gets the error, later ones echo
  mock-once-429-<s>   the first gets 429 with ``retry-after: <s>``, later ones echo
  mock-once-reset     the first has its TCP connection reset before any header, later ones echo
  mock-switch-<name>[-slow-<ms>]
                      while switch <name> is set (POST /_mock/switch {"name", "status"}) the answer is
                      that status (429 without retry-after, others a server_error body); unset
                      (status null or 0) it echoes (after <ms> when given)
  mock-long-<n>[-<b>] n content chunks 100 ms apart (optionally each padded to <b> bytes)
  mock-huge-<kb>      non-stream answer whose content is <kb> KiB
  mock-idle-<s>       stream: role chunk, then silence for <s> seconds, one chunk, end
                      (cheap long-lived streams for the 2,000-idle-streams bench)
  mock-drop           stream: 200 and SSE headers, then the connection is dropped before any event
  mock-notchat        non-stream: 200 application/json that is not a chat.completion
  mock-text           non-stream: 200 text/plain
  mock-401            (OpenAI) the message echoes the presented Authorization (see --no-echo-key)

Answers (mock_core.make_plan; each family extracts the last user turn its own way):
  * text = the last user turn's text parts joined with " "; media in that turn append
    `` [image image/png 123]`` (mime + decoded byte length, for base64 data) or
    `` [image https://...]`` (the URL/URI), kind image|audio|video|document by mime;
  * a turn of tool results (OpenAI trailing ``tool`` messages, Anthropic ``tool_result``, Gemini
    ``functionResponse``) answers ``tool said: <r1> | <r2>`` (+ `` / user said: <text>`` when the
    turn also has text); media inside a tool result append their suffix to that result;
  * stop sequences cut the answer before the earliest match; more words than the max-tokens
    setting truncate it to that many words (finish: length / max_tokens / MAX_TOKENS);
  * Anthropic prefill: a final assistant message's text is removed from the front of the answer.
Usage = word counts: prompt = words of all text in the messages (+ system; Anthropic and Gemini
also + one per declared tool); completion = words of the answer text + thinking text + each tool
call's ``json.dumps(args)``. Streams split text into 3-character deltas (so multibyte characters
land inside deltas and events are split across HTTP chunks inside their first multibyte
character); tool arguments stream as 3 fragments (Anthropic: an empty one first); Gemini sends
functionCall parts whole.

OpenAI-compatible flavours, chosen by the first path segment, emulate documented deviations:
  /mistral/, /codestral/  unknown top-level fields -> 422 (Mistral's extra_forbidden shape);
                          tool-call ids other than 9 chars [a-zA-Z0-9] -> 400; streams carry usage
                          in the finish chunk and never send a separate usage chunk
  /perplexity/            streams carry usage in the finish chunk
  /moonshot/              streams carry usage inside choices[0] of the finish chunk

Call records (``GET /_mock/calls``, a JSON list in arrival order): id, method, path, target (with
query), headers (lower-cased), body (parsed JSON; the form dict for token endpoints), model,
stream, family (openai | azure | anthropic | vertex-anthropic | gemini | vertex-gemini |
google-token | entra-token), auth_style (bearer | api-key | x-api-key | x-goog-api-key |
key-query | ...), auth_ok, status, started_at, ended_at, client_disconnected, chunks_sent,
connection (serial number of the TCP connection); token grants add ``jwt`` {header, claims} and
``grant`` ("issued" or the OAuth error code).

Control API (not recorded): ``GET /_mock/calls``, ``POST /_mock/reset`` (clears the calls),
``POST /_mock/switch`` (``{"name", "status"}``: sets or clears a mock-switch-<name> fault),
``GET /_mock/health``, ``POST /_mock/google/service-accounts`` (JSON ``{"public_key_pem",
"client_email"?, "private_key_id"?, "expires_in"?}``: registers a service account's public key
for the token endpoint, see google_sa.py), ``POST /_mock/expire-tokens`` (every issued Google and
Entra token expires now, to exercise refresh-on-401).

Run: ``python3 Tests/e2e/mock_openai.py --port N [--key K] [--keyless /ollama] [--no-echo-key]
[--chunk-delay-ms 10] [--google-sa-public-key PEM]... [--google-sa-email E] [--google-sa-key-id K]
[--token-expires-in 3599]``; prints ``mock: listening on 127.0.0.1:N`` once the socket accepts
connections (``--port 0`` picks a free port).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time

import mock_anthropic
import mock_azure
import mock_gemini
import mock_google_auth
from mock_chat import (LONG_GAP_S, OpenAIChat, answer_text, error_body, flavour, long_piece, message_text,
                       openai_auth, usage_for)
from mock_core import BadRequest, Exchange, read_request, send_json, split_pieces, word_count

__all__ = ["answer_text", "usage_for", "split_pieces", "message_text", "long_piece", "error_body", "word_count",
           "flavour", "LONG_GAP_S", "DEFAULT_KEY", "Mock"]

DEFAULT_KEY = "sk-mock-local"
MODELS = ["mock-echo", "mock-429", "mock-500", "mock-503", "mock-401", "mock-404"]


class Mock:
    def __init__(self, key: str, keyless: list[str], echo_key: bool, chunk_delay: float,
                 token_expires_in: int = 3599):
        self.key, self.keyless, self.echo_key, self.chunk_delay = key, keyless, echo_key, chunk_delay
        self.token_expires_in = token_expires_in
        self.calls: list[dict] = []
        self.connections = 0
        self.google_accounts: list[dict] = []     # registered service-account public keys
        self.google_tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.azure_tokens: dict[str, float] = {}
        self.switches: dict[str, int] = {}          # mock-switch-<name> -> status while failing

    # -- connection loop --------------------------------------------------------------------

    async def handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn = self.connections  # serial number: lets tests see whether callers reuse connections
        try:
            while True:
                try:
                    req = await read_request(reader, writer)
                except BadRequest as exc:
                    await send_json(writer, 400, error_body(str(exc), "invalid_request_error"), False)
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

    def key_hint(self, req) -> str:
        """With --echo-key (default) error messages quote the key the gateway sent, so tests can
        check the gateway never forwards provider error text containing its own secret."""
        if not self.echo_key:
            return ""
        h = req.headers
        auth = h.get("authorization") or h.get("api-key") or h.get("x-api-key") or h.get("x-goog-api-key") \
            or req.query.get("key") or ""
        return f" (request authorized with {auth})" if auth else ""

    async def control(self, req, writer) -> bool:
        keep = req.keep_alive
        if req.path == "/_mock/calls":
            await send_json(writer, 200, self.calls, keep)
        elif req.path == "/_mock/reset":
            self.calls.clear()
            await send_json(writer, 200, {"ok": True}, keep)
        elif req.path == "/_mock/health":
            await send_json(writer, 200, {"ok": True}, keep)
        elif req.path == "/_mock/google/service-accounts" and req.method == "POST":
            try:
                stored = mock_google_auth.register_account(self, json.loads(req.body))
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                await send_json(writer, 400, {"error": f"bad service account: {exc!r}"}, keep)
            else:
                await send_json(writer, 200, stored, keep)
        elif req.path == "/_mock/switch" and req.method == "POST":
            body = json.loads(req.body or b"{}")
            self.switches[str(body["name"])] = int(body.get("status") or 0)
            await send_json(writer, 200, {"switches": self.switches}, keep)
        elif req.path == "/_mock/expire-tokens" and req.method == "POST":
            for store in (self.google_tokens, self.azure_tokens):
                for token in store:
                    store[token] = 0
            await send_json(writer, 200, {"expired": len(self.google_tokens) + len(self.azure_tokens)}, keep)
        else:
            await send_json(writer, 404, {"error": f"unknown control path {req.path}"}, keep)
        return True

    async def dispatch(self, req, reader, writer, conn: int = 0) -> bool:
        """Handle one request; return whether the connection may be reused."""
        if req.path.startswith("/_mock/"):
            return await self.control(req, writer)
        call = {"id": len(self.calls), "method": req.method, "path": req.path, "target": req.target,
                "headers": dict(req.headers), "body": None, "model": None, "stream": False, "family": "openai",
                "auth_style": None, "auth_ok": False, "status": None, "started_at": time.time(),
                "ended_at": None, "client_disconnected": False, "chunks_sent": 0, "connection": conn}
        self.calls.append(call)
        try:
            return await self.route(Exchange(self, req, call, reader, writer))
        finally:
            if call["ended_at"] is None:
                call["ended_at"] = time.time()

    async def route(self, ex: Exchange) -> bool:
        req = ex.req
        for family in (mock_azure, mock_anthropic, mock_gemini):
            m = family.match(req.path)
            if m:
                return await family.handle(ex, *m)
        if req.path.endswith("/token"):
            return await mock_google_auth.handle_token(ex)
        if req.path.endswith("/models") and req.method == "GET":
            err = openai_auth(self, req, ex.call)
            if err:
                return await ex.reply(err)
            return await ex.json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "mock"} for m in MODELS]})
        if not req.path.endswith("/chat/completions"):
            return await ex.json(404, error_body(f"Invalid URL ({req.method} {req.path})", "invalid_request_error"))
        if req.method != "POST":
            return await ex.json(405, error_body(f"Method {req.method} not allowed", "invalid_request_error"))
        return await OpenAIChat(ex).handle()


async def main_async(args) -> None:
    mock = Mock(args.key, [p for p in args.keyless.split(",") if p], args.echo_key, args.chunk_delay_ms / 1000,
                args.token_expires_in)
    for path in args.google_sa_public_key:
        with open(path) as f:
            mock_google_auth.register_account(mock, {"public_key_pem": f.read(), "client_email": args.google_sa_email,
                                                     "private_key_id": args.google_sa_key_id})
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
    parser = argparse.ArgumentParser(description="Mock upstream APIs (OpenAI, Azure, Anthropic, Gemini, Vertex).")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port (printed)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--key", default=DEFAULT_KEY, help="the API key the mock expects (every family)")
    parser.add_argument("--keyless", default="/ollama",
                        help="comma-separated path prefixes that need no auth (default /ollama; OpenAI chat only)")
    parser.add_argument("--no-echo-key", dest="echo_key", action="store_false",
                        help="do not quote the presented key in error messages")
    parser.add_argument("--chunk-delay-ms", type=float, default=10.0,
                        help="pause between events of a normal stream")
    parser.add_argument("--google-sa-public-key", action="append", default=[], metavar="PEM",
                        help="public key (PEM) of a service account whose JWTs /token accepts (repeatable)")
    parser.add_argument("--google-sa-email", default=None,
                        help="if set, the JWT iss (client_email) the --google-sa-public-key keys must carry")
    parser.add_argument("--google-sa-key-id", default=None,
                        help="if set, the JWT header kid (private_key_id) the --google-sa-public-key keys carry")
    parser.add_argument("--token-expires-in", type=int, default=3599,
                        help="lifetime (s) of issued Google / Entra access tokens (their expires_in)")
    args = parser.parse_args()
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
