"""Session fixtures for the Routero end-to-end suite.

Everything runs on 127.0.0.1: one mock upstream (mock_openai.py) stands in for every provider,
and complete stacks (Redis + workers + nginx) are started with deploy/run, exactly as a user
would. Stacks:
  stack          2 workers, native-schema config, its own Redis
  stack2         1 worker, same config, sharing stack's Redis (a second gateway host)
  provider_stack LiteLLM-format config, one deployment per OpenAI-compatible provider
  noredis_stack  1 worker pointed at a Redis port nobody listens on
The worker binary: $ROUTERO_BINARY, else .build/release/routero (else .build-ops/...).
"""
from __future__ import annotations

import pytest

from helpers import MockUpstream, Stack, free_port, worker_binary

# Models the main config serves, all on the mock. (model name -> extra deployment keys)
MAIN_MODELS = {
    "mock-echo": {},
    "mock-tool": {},                       # the streamed tool-call cache test
    "mock-linger-1500": {},                # a client that leaves at [DONE] before the upstream ends
    "mock-429": {},
    "mock-500": {},
    "mock-503": {},
    "mock-401": {},
    "mock-cut-3": {},
    "mock-slow-300": {},
    "mock-slow-3000": {"timeout": 1},      # deployment timeout below the mock's delay -> 504
    "mock-slow-1500": {"timeout": 30, "stream_timeout": 0.5},  # only streaming calls time out
    "mock-long-10": {},
    "mock-long-20": {},
    "mock-long-100": {},
    "mock-long-60-524288": {},             # 60 x 512 KiB events: more than all the buffers on the way
    "mock-huge-512": {},
    "mock-huge-2048": {},                  # over server.max_response_bytes
    "mock-notchat": {},                    # 200 JSON that is not a chat.completion
    "mock-text": {},                       # 200 text/plain
    "mock-once-500": {},                   # failover scenarios "... once": the provider recovers
    "mock-once-429-2": {},
    "mock-once-reset": {},
}
# routing.fallbacks of the main config: a group whose only deployment fails falls back to another.
MAIN_FALLBACKS = {"fb-primary": ["mock-echo"]}
# Failover groups: name -> the model of the failing order-1 deployment (None: connection refused;
# provider/model: that provider row, on the mock under /<provider>/v1).
FAILOVER_GROUPS = {"failover-500": "mock-500", "failover-429": "mock-429", "failover-down": None,
                   "failover-drop": "mock-drop", "failover-404": "mock-404", "failover-single": "groq/mock-echo"}
MAX_BODY_BYTES = 262144                    # the 413 test sends more than this
MAX_RESPONSE_BYTES = 1048576               # mock-huge-512 fits, mock-huge-2048 does not
CACHE_MAX_ENTRY_BYTES = 262144             # mock-huge-512 is served but not cached

# OpenAI-compatible provider rows exercised through the gateway (prefix = path on the mock).
PROVIDERS = ["groq", "together_ai", "fireworks_ai", "deepseek", "mistral", "xai", "perplexity",
             "openrouter", "databricks", "hosted_vllm", "ollama", "moonshot", "dashscope", "zhipuai",
             "minimax", "volcengine"]
KEYLESS_PROVIDERS = {"ollama"}


def main_config(mock_port: int) -> str:
    """Native schema (deploy/CONFIG.md): the only format with server.max_body_bytes."""
    lines = [
        "server:",
        f"  max_body_bytes: {MAX_BODY_BYTES}",
        f"  max_response_bytes: {MAX_RESPONSE_BYTES}",
        "  drain_timeout_seconds: 20",
        "auth:",
        "  master_key: os.environ/ROUTERO_MASTER_KEY",
        f"cache: {{enabled: true, ttl_seconds: 600, namespace: e2e, max_entry_bytes: {CACHE_MAX_ENTRY_BYTES}}}",
        "allow_unlisted_models: false",
        "routing:",
        "  fallbacks: {" + ", ".join(f"{k}: [{', '.join(v)}]" for k, v in MAIN_FALLBACKS.items()) + "}",
        "models:",
    ]
    for name, extra in MAIN_MODELS.items():
        keys = "".join(f", {k}: {v}" for k, v in extra.items())
        lines += [f"  - name: {name}",
                  f"    deployments: [{{model: openai/{name}, api_base: \"http://127.0.0.1:{mock_port}/v1\", "
                  f"api_key: os.environ/MOCK_UPSTREAM_KEY{keys}}}]"]
    # A group whose only deployment answers 503: routing.fallbacks sends it to mock-echo.
    lines += ["  - name: fb-primary",
              f"    deployments: [{{model: openai/mock-503, api_base: \"http://127.0.0.1:{mock_port}/v1\", "
              "api_key: os.environ/MOCK_UPSTREAM_KEY}]"]
    # Groups whose first deployment (order 1) fails before answering: the gateway must move on
    # to the next one (order 2) before anything reaches the client.
    for name, first in FAILOVER_GROUPS.items():
        base = f"http://127.0.0.1:{mock_port}/v1"
        first_base = "http://127.0.0.1:1/v1" if first is None else base  # port 1: connection refused
        first_model = f"openai/{first or 'mock-echo'}"
        if first and "/" in first:
            first_model, first_base = first, f"http://127.0.0.1:{mock_port}/{first.split('/')[0]}/v1"
        lines += [f"  - name: {name}",
                  "    deployments:",
                  f"      - {{model: {first_model}, api_base: \"{first_base}\", "
                  "api_key: os.environ/MOCK_UPSTREAM_KEY, order: 1}",
                  f"      - {{model: openai/mock-echo, api_base: \"{base}\", "
                  "api_key: os.environ/MOCK_UPSTREAM_KEY, order: 2}"]
    return "\n".join(lines) + "\n"


def provider_config(mock_port: int) -> str:
    """LiteLLM format, unchanged: one deployment per provider, each under its own path prefix."""
    lines = ["model_list:"]
    for p in PROVIDERS:
        lines += [f"  - model_name: p-{p}",
                  "    litellm_params:",
                  f"      model: {p}/mock-echo",
                  f"      api_base: http://127.0.0.1:{mock_port}/{p}/v1"]
        if p not in KEYLESS_PROVIDERS:
            lines.append("      api_key: os.environ/MOCK_UPSTREAM_KEY")
    lines += ["general_settings:", "  master_key: os.environ/ROUTERO_MASTER_KEY"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def binary():
    try:
        return worker_binary()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def mock(tmp_path_factory):
    m = MockUpstream(free_port(), log_path=tmp_path_factory.mktemp("mock") / "mock.log")
    yield m
    m.stop()


def _stack(tmp_path_factory, name, config_text, binary, **kw):
    base = tmp_path_factory.mktemp(name)
    cfg = base / "config.yaml"
    cfg.write_text(config_text)
    return Stack(cfg, base / "state", binary=binary, **kw)


@pytest.fixture(scope="session")
def stack(tmp_path_factory, mock, binary):
    s = _stack(tmp_path_factory, "stack", main_config(mock.port), binary, workers=2)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def stack2(tmp_path_factory, mock, binary, stack):
    """A second gateway 'host' sharing the first stack's Redis."""
    s = _stack(tmp_path_factory, "stack2", main_config(mock.port), binary, workers=1, redis=stack.redis_url)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def provider_stack(tmp_path_factory, mock, binary):
    s = _stack(tmp_path_factory, "providers", provider_config(mock.port), binary, workers=1)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def noredis_stack(tmp_path_factory, mock, binary):
    dead = free_port()  # nothing listens here
    s = _stack(tmp_path_factory, "noredis", main_config(mock.port), binary, workers=1,
               redis=f"redis://127.0.0.1:{dead}")
    yield s
    s.stop()


# Outbound wire families the translation suite reaches, each a deployment kind on the mock, and the
# behaviours (mock model names without "mock-") each family gets a group for: "<family>-<behaviour>".
FAMILIES = ["openai", "anthropic", "gemini", "vertex", "vclaude", "azure"]
BEHAVIOURS = ["echo", "tool", "tools2", "think", "think-tool", "json", "cut-3", "429", "overload-mid", "filter",
              "tools2-text", "529"]
# Groups whose deployment sets drop_params: true ("<family>-drop" serves mock-echo), for the
# unsupported-parameter tests in test_translation.py.
DROP_PARAMS_FAMILIES = ["anthropic", "gemini"]


def family_deployment(family: str, behaviour: str, mock_port: int, sa_path: str) -> str:
    base = f"http://127.0.0.1:{mock_port}"
    key = "api_key: os.environ/MOCK_UPSTREAM_KEY"
    vertex = (f"api_base: \"{base}/vertex\", vertex_project: e2e-project, vertex_location: us-central1, "
              f"vertex_credentials: \"{sa_path}\"")
    return {
        "openai": f"{{model: openai/mock-{behaviour}, api_base: \"{base}/v1\", {key}}}",
        "anthropic": f"{{model: anthropic/mock-{behaviour}, api_base: \"{base}/anthropic\", {key}}}",
        "gemini": f"{{model: gemini/mock-{behaviour}, api_base: \"{base}/gemini\", {key}}}",
        "vertex": f"{{model: vertex_ai/mock-{behaviour}, {vertex}}}",
        "vclaude": f"{{model: vertex_ai/claude-mock-{behaviour}, {vertex}}}",
        "azure": f"{{model: azure/mock-{behaviour}, api_base: \"{base}/azure\", {key}, api_version: 2024-10-21}}",
    }[family]


def family_config(mock_port: int, sa_path: str) -> str:
    lines = ["auth: {master_key: os.environ/ROUTERO_MASTER_KEY}", "cache: {enabled: false}",
             "allow_unlisted_models: false", "models:"]
    for family in FAMILIES:
        for behaviour in BEHAVIOURS:
            lines.append(f"  - {{name: {family}-{behaviour}, deployments: "
                         f"[{family_deployment(family, behaviour, mock_port, sa_path)}]}}")
    for family in DROP_PARAMS_FAMILIES:
        dep = family_deployment(family, "echo", mock_port, sa_path)
        lines.append(f"  - {{name: {family}-drop, deployments: [{dep[:-1]}, drop_params: true}}]}}")
    # Azure with a Microsoft Entra app instead of a key: the token comes from the mock's
    # /{tenant}/oauth2/v2.0/token (its client secret is the mock key).
    lines.append(f"  - {{name: azure-entra, deployments: [{{model: azure/mock-echo, "
                 f"api_base: \"http://127.0.0.1:{mock_port}/azure\", tenant_id: e2e-tenant, client_id: e2e-client, "
                 f"client_secret: os.environ/MOCK_UPSTREAM_KEY, azure_authority_host: \"http://127.0.0.1:{mock_port}/entra\"}}]}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def service_account(tmp_path_factory, mock):
    import google_sa
    sa = google_sa.make_service_account(tmp_path_factory.mktemp("sa"), token_uri=f"{mock.base}/token")
    google_sa.register(mock.base, sa)
    return sa


@pytest.fixture(scope="session")
def family_stack(tmp_path_factory, mock, binary, service_account):
    """1 worker; a group per (outbound family, behaviour) on the mock: the translation matrix."""
    s = _stack(tmp_path_factory, "families", family_config(mock.port, str(service_account.path)), binary, workers=1)
    yield s
    s.stop()


@pytest.fixture
def client(stack):
    return stack.client()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tail of the gateway logs: the first thing one wants to see."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        for fixture_name in ("stack", "stack2", "provider_stack", "noredis_stack", "family_stack"):
            s = item.funcargs.get(fixture_name)
            if s is not None:
                rep.sections.append((f"{fixture_name} worker logs", s.worker_logs(15)))
                rep.sections.append((f"{fixture_name} deploy/run stderr", s.stderr_tail(15)))
