"""Health, readiness, model listing, TLS."""
from __future__ import annotations

import json
import ssl
import urllib.request

import openai

from conftest import FAILOVER_GROUPS, MAIN_MODELS
from helpers import MASTER_KEY, REPO, chat_body, raw_request, unique


def test_health_is_200(stack):
    """GET /health (liveness) answers 200 through nginx."""
    status, _, _ = raw_request(stack.port, "GET", "/health", headers={"Authorization": None})
    assert status == 200


def test_ready_is_200_with_redis(stack):
    """GET /health/ready answers 200 while Redis is up."""
    status, _, body = raw_request(stack.port, "GET", "/health/ready", headers={"Authorization": None})
    assert status == 200, body[:300]


def test_ready_is_degraded_without_redis(noredis_stack):
    """A worker whose Redis is unreachable is alive (/health 200) and still serves, so readiness
    says 200 "degraded" with the reason (deploy/ROUTING.md) rather than taking it out of rotation."""
    status, _, _ = raw_request(noredis_stack.port, "GET", "/health", headers={"Authorization": None})
    assert status == 200
    status, _, body = raw_request(noredis_stack.port, "GET", "/health/ready", headers={"Authorization": None})
    assert status == 200 and json.loads(body) == {"status": "degraded", "reason": "redis_unreachable"}, body[:300]


def test_chat_works_without_redis(noredis_stack):
    """The cache fails open: with Redis down, chat completions still succeed (never a hit)."""
    text = unique("noredis")
    for _ in range(2):
        status, headers, body = raw_request(noredis_stack.port, "POST", "/v1/chat/completions",
                                            chat_body("mock-echo", text), timeout=15)
        assert status == 200, body[:300]
        assert headers.get("x-routero-cache") != "hit"


def test_models_lists_configured_names(client):
    """GET /v1/models returns every configured model group in OpenAI's list shape."""
    models = client.models.list()
    ids = [m.id for m in models.data]
    assert ids == list(MAIN_MODELS) + ["fb-primary"] + list(FAILOVER_GROUPS), "configured names, in file order"

    assert all(m.object == "model" for m in models.data)


def test_unknown_path_is_json_404(stack):
    """An unknown /v1 path -> 404 with an OpenAI-shaped body."""
    status, _, body = raw_request(stack.port, "GET", "/v1/does-not-exist")
    assert status == 404
    assert "error" in json.loads(body)


def test_https_listener_with_self_signed_cert(stack):
    """The TLS listener serves the same API; the local certificate verifies for 127.0.0.1."""
    cafile = str(REPO / ".run/tls/cert.pem")
    ctx = ssl.create_default_context(cafile=cafile)
    with urllib.request.urlopen(f"https://127.0.0.1:{stack.tls_port}/health", context=ctx, timeout=10) as r:
        assert r.status == 200
    c = openai.OpenAI(base_url=f"https://127.0.0.1:{stack.tls_port}/v1", api_key=MASTER_KEY, max_retries=0,
                      http_client=openai.DefaultHttpxClient(verify=ctx))
    text = unique("tls")
    r = c.chat.completions.create(model="mock-echo", messages=[{"role": "user", "content": text}])
    assert r.choices[0].message.content == "echo: " + text
