"""Azure OpenAI (classic, deployment-scoped surface), as the mock serves it. Standard library only.

Paths (any prefix before them):
  POST {prefix}/openai/deployments/{deployment}/chat/completions?api-version=YYYY-MM-DD[-preview]
       other deployment operations (embeddings, completions ...) -> 404 "Resource not found"
  POST {prefix}/{tenant}/oauth2/v2.0/token      Microsoft Entra client-credentials token endpoint

Checks, in this order:
  ``api-version`` query parameter: missing -> 404 ``{"error": {"code": "404", "message":
  "Resource not found"}}`` (what Azure answers); not ``YYYY-MM-DD`` / ``YYYY-MM-DD-preview`` ->
  400 ``{"error": {"code": "BadRequest", "message": "API version not supported"}}``;
  auth: ``api-key: <key>`` (key = --key), or ``Authorization: Bearer <token>`` where the token was
  issued by the mock's Entra endpoint and is not expired; else 401 with Azure's messages
  ("Access denied due to missing subscription key ...", "Access denied due to invalid
  subscription key or wrong API endpoint ...", "Unauthorized. Access token is missing, invalid,
  audience is incorrect (https://cognitiveservices.azure.com), or have expired.");
  the body is OpenAI chat, validated like mock_chat.OpenAIChat (content-type, JSON, messages
  non-empty, stream_options only with stream) plus Azure's "Unrecognized request argument
  supplied: <field>" (400) for fields outside ``AZURE_FIELDS``; body ``model`` is optional and
  ignored: the DEPLOYMENT name selects the behaviour (same vocabulary as every family).

Responses: OpenAI chat shapes (tools, json, max_tokens/stop, 3-character stream deltas, tool
argument fragments, stream_options.include_usage, ``[DONE]``), with ``model`` =
``AZURE_MODEL`` ("gpt-4o-2024-08-06"), never the deployment, plus content-filter annotations:
``prompt_filter_results`` (non-stream: top level; stream: a FIRST chunk with ``choices: []``,
``id: ""``, ``model: ""``, ``object: ""``, ``created: 0``) and per-choice ``content_filter_results``
(stream: ``{}`` on the role chunk, the safe set on content and finish chunks).
mock-filter -> 400 ``error.code: "content_filter"``, ``param: "prompt"``, ``innererror: {"code":
"ResponsibleAIPolicyViolation", "content_filter_result": {... violence filtered ...}}``;
mock-filter-out -> the first two words of the answer, then finish_reason ``content_filter`` with
``violence: {filtered: true, severity: medium}`` on that choice (stream and non-stream).
Faults: mock-429 -> 429 ``{"error": {"code": "429", "message": "Requests to the
ChatCompletions_Create Operation ... Please retry after 7 seconds. ..."}}`` + ``retry-after: 7``,
``retry-after-ms: 7000``; mock-500 / mock-503 -> ``code "500"`` / ``"503"``; mock-401 -> 401 invalid
subscription key; mock-404 -> 404 ``DeploymentNotFound``. Every response carries
``apim-request-id`` and ``x-ms-region: mock``.

Entra token endpoint: form ``grant_type=client_credentials&client_id=...&client_secret=<key>
&scope=https://cognitiveservices.azure.com/.default`` -> ``{"token_type": "Bearer", "expires_in":
N, "ext_expires_in": N, "access_token": "eyJ0eXAi....mock-entra-<hex>"}`` (N =
--token-expires-in); wrong secret -> 401 ``invalid_client`` (AADSTS7000215), other scope -> 400
``invalid_scope``, other grant -> 400 ``unsupported_grant_type``.
"""
from __future__ import annotations

import re
import time
import urllib.parse
import uuid

from mock_chat import OpenAIChat, error_body
from mock_core import Behaviour, Exchange

AZURE_MODEL = "gpt-4o-2024-08-06"
AZURE_PATH = re.compile(r"(?P<prefix>.*)/openai/deployments/(?P<deployment>[^/]+)/(?P<op>.+)")
ENTRA_PATH = re.compile(r".*/(?P<tenant>[^/]+)/oauth2/v2\.0/token")
API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(-preview)?")
COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"
AZURE_FIELDS = {"messages", "model", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "max_tokens",
                "max_completion_tokens", "n", "presence_penalty", "response_format", "seed", "stop", "stream",
                "stream_options", "temperature", "top_p", "tools", "tool_choice", "parallel_tool_calls", "user",
                "function_call", "functions", "data_sources", "reasoning_effort", "store", "metadata", "modalities",
                "audio", "prediction", "user_security_context", "verbosity", "web_search_options"}

SAFE = {"hate": {"filtered": False, "severity": "safe"}, "self_harm": {"filtered": False, "severity": "safe"},
        "sexual": {"filtered": False, "severity": "safe"}, "violence": {"filtered": False, "severity": "safe"}}
PROMPT_FILTER = [{"prompt_index": 0, "content_filter_results": dict(SAFE, jailbreak={"filtered": False,
                                                                                    "detected": False})}]
OUTPUT_SAFE = dict(SAFE, protected_material_text={"filtered": False, "detected": False},
                   protected_material_code={"filtered": False, "detected": False})
OUTPUT_FILTERED = dict(OUTPUT_SAFE, violence={"filtered": True, "severity": "medium"})


def azure_error(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def match(path: str):
    path = urllib.parse.unquote(path)
    m = ENTRA_PATH.fullmatch(path)
    if m:
        return "entra", m
    m = AZURE_PATH.fullmatch(path)
    return ("chat", m) if m else None


class AzureChat(OpenAIChat):
    family = "azure"

    def __init__(self, ex: Exchange, m):
        super().__init__(ex)
        self.deployment, self.op = m.group("deployment"), m.group("op")
        self.api_version = self.req.query.get("api-version")
        self.call["family"] = "azure"
        self.call["model"] = self.deployment
        ex.headers += [("apim-request-id", str(uuid.uuid4())), ("x-ms-region", "mock")]

    def model_of(self, body: dict) -> str:
        return self.deployment

    def response_model(self, model: str) -> str:
        return AZURE_MODEL

    def leading_chunks(self) -> list[dict]:
        return [{"choices": [], "created": 0, "id": "", "model": "", "object": "",
                 "prompt_filter_results": PROMPT_FILTER}]

    def decorate(self, obj: dict, kind: str) -> dict:
        for choice in obj.get("choices", []):
            filtered = choice.get("finish_reason") == "content_filter"
            if kind == "chunk" and "role" in choice.get("delta", {}):
                choice["content_filter_results"] = {}
            else:
                choice["content_filter_results"] = OUTPUT_FILTERED if filtered else OUTPUT_SAFE
        if kind == "completion":
            obj["prompt_filter_results"] = PROMPT_FILTER
        return obj

    def check_auth(self) -> tuple | None:
        h = self.req.headers
        if "api-key" in h:
            self.call["auth_style"] = "api-key"
            if h["api-key"] != self.mock.key:
                return 401, azure_error("401", "Access denied due to invalid subscription key or wrong API endpoint. "
                                               "Make sure to provide a valid key for an active subscription and use a "
                                               "correct regional API endpoint for your resource.")
        elif self.req.bearer() is not None:
            self.call["auth_style"] = "bearer"
            expiry = self.mock.azure_tokens.get(self.req.bearer())
            if expiry is None or expiry < time.time():
                return 401, azure_error("401", "Unauthorized. Access token is missing, invalid, audience is incorrect "
                                               "(https://cognitiveservices.azure.com), or have expired.")
        else:
            return 401, azure_error("401", "Access denied due to missing subscription key. Make sure to include "
                                           "subscription key when making requests to an API.")
        self.call["auth_ok"] = True
        return None

    def validate_fields(self, body: dict) -> tuple | None:
        extra = sorted(set(body) - AZURE_FIELDS)
        if extra:
            return 400, error_body(f"Unrecognized request argument supplied: {extra[0]}", "invalid_request_error")
        return None

    def fault(self, b: Behaviour, model: str) -> tuple | None:
        hint = self.mock.key_hint(self.req)
        if b.fault == 429:
            return 429, azure_error("429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API "
                                           f"version {self.api_version} have exceeded token rate limit of your current "
                                           "OpenAI S0 pricing tier. Please retry after 7 seconds. Please go here: "
                                           "https://aka.ms/oai/quotaincrease if you would like to further increase "
                                           "the default rate limit." + hint), \
                [("retry-after", "7"), ("retry-after-ms", "7000"), ("x-ratelimit-remaining-requests", "0")]
        if b.fault in (500, 503):
            msg = ("The server had an error while processing your request. Sorry about that!" if b.fault == 500
                   else "The service is temporarily unable to process your request. Please try again later.")
            return b.fault, azure_error(str(b.fault), msg + hint)
        if b.fault == 401:
            return 401, azure_error("401", "Access denied due to invalid subscription key or wrong API endpoint. "
                                           "Make sure to provide a valid key for an active subscription and use a "
                                           "correct regional API endpoint for your resource.")
        if b.fault == 404:
            return 404, azure_error("DeploymentNotFound", "The API deployment for this resource does not exist. If you "
                                                          "created the deployment within the last 5 minutes, please "
                                                          "wait a moment and try again.")
        if b.filter:
            return 400, {"error": {
                "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management "
                           "policy. Please modify your prompt and retry. To learn more about our content filtering "
                           "policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
                "type": None, "param": "prompt", "code": "content_filter", "status": 400,
                "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": dict(
                    SAFE, violence={"filtered": True, "severity": "medium"},
                    jailbreak={"filtered": False, "detected": False})}}}
        return None

    async def handle(self) -> bool:
        if self.api_version is None:
            return await self.ex.json(404, azure_error("404", "Resource not found"))
        if not API_VERSION.fullmatch(self.api_version):
            return await self.ex.json(400, azure_error("BadRequest", "API version not supported"))
        if self.op != "chat/completions" or self.req.method != "POST":
            return await self.ex.json(404, azure_error("404", "Resource not found"))
        return await super().handle()


async def handle_entra(ex: Exchange) -> bool:
    """Client-credentials grant, as login.microsoftonline.com answers it."""
    ex.call["family"] = "entra-token"
    form = {k: v[0] for k, v in urllib.parse.parse_qs(ex.req.body.decode("utf-8", "replace")).items()}
    ex.call["body"] = form
    if form.get("grant_type") != "client_credentials":
        return await ex.json(400, {"error": "unsupported_grant_type", "error_description":
                                   "AADSTS70003: The app requested an unsupported grant type."})
    if form.get("client_secret") != ex.mock.key:
        return await ex.json(401, {"error": "invalid_client", "error_description":
                                   "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in "
                                   "the request is the client secret value, not the client secret ID."})
    if form.get("scope") != COGNITIVE_SCOPE:
        return await ex.json(400, {"error": "invalid_scope", "error_description":
                                   f"AADSTS70011: The provided value for the input parameter 'scope' is not valid. "
                                   f"The scope {form.get('scope')} is not valid."})
    lifetime = ex.mock.token_expires_in
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.mock-entra-" + uuid.uuid4().hex
    ex.mock.azure_tokens[token] = time.time() + lifetime
    ex.call["auth_ok"] = True
    return await ex.json(200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                               "access_token": token})


async def handle(ex: Exchange, kind: str, m) -> bool:
    if kind == "entra":
        return await handle_entra(ex)
    return await AzureChat(ex, m).handle()
