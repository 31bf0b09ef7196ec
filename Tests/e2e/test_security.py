"""Security hardening through real nginx, workers and Redis: the client never decides which
secret goes where or which host is called; loops end; auth fails closed; health endpoints
reveal nothing internal and never defeat the Redis circuit breaker."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time

import openai
import pytest

from helpers import MASTER_KEY, MOCK_KEY, REPO, Stack, chat_body, free_port, raw_request, unique

LEAKY_GROQ_KEY = "gsk-must-never-leave-0001"
LEAKY_MISTRAL_KEY = "mistral-must-never-leave-0002"


def scoping_config(mock_port: int) -> str:
    """LiteLLM format: an operator proxy for client-chosen providers (no key of its own), every
    provider by prefix, and a bare OpenAI name; provider keys and OPENAI_API_BASE come from
    environment_variables, as LiteLLM users write them."""
    return f"""
model_list:
  - model_name: "proxy/*"
    litellm_params: {{model: "*", api_base: "http://127.0.0.1:{mock_port}/ollama/v1"}}
  - model_name: "*"
    litellm_params: {{model: "*"}}
  - model_name: gpt-4o-mini
    litellm_params: {{model: gpt-4o-mini}}
environment_variables:
  OPENAI_API_BASE: "http://127.0.0.1:{mock_port}/v1"
  OPENAI_API_KEY: "{MOCK_KEY}"
  GROQ_API_KEY: "{LEAKY_GROQ_KEY}"
  MISTRAL_API_KEY: "{LEAKY_MISTRAL_KEY}"
general_settings:
  master_key: os.environ/ROUTERO_MASTER_KEY
  max_request_size_mb: 1
"""


@pytest.fixture(scope="module")
def scoping_stack(tmp_path_factory, mock, binary):
    base = tmp_path_factory.mktemp("scoping")
    (base / "config.yaml").write_text(scoping_config(mock.port))
    s = Stack(base / "config.yaml", base / "state", workers=1, binary=binary)
    yield s
    s.stop()


@pytest.mark.parametrize("provider", ["openai", "groq", "mistral"])
def test_operator_proxy_never_gets_an_environment_key(scoping_stack, mock, provider):
    """`proxy/<provider>/m` goes to the operator's proxy, which has no key of its own: the
    provider keys in the environment (GROQ_API_KEY, ...) must not be sent to it."""
    text = unique("scope")
    r = scoping_stack.client().chat.completions.create(
        model=f"proxy/{provider}/mock-echo", messages=[{"role": "user", "content": text}])
    assert r.choices[0].message.content == "echo: " + text
    [call] = mock.calls_with(text)
    assert call["path"] == "/ollama/v1/chat/completions"
    sent = json.dumps(call["headers"])
    assert "authorization" not in call["headers"], call["headers"]
    for secret in (LEAKY_GROQ_KEY, LEAKY_MISTRAL_KEY, MOCK_KEY):
        assert secret not in sent


@pytest.mark.parametrize("model", ["gpt-4o-mini", "openai/gpt-4o-mini", "mock-echo-bare-gpt-x"])
def test_provider_base_variable_moves_the_providers_host(scoping_stack, mock, model):
    """LiteLLM's OPENAI_API_BASE (from environment_variables) sets OpenAI's host for exact,
    wildcard and bare names; OPENAI_API_KEY goes with it (today's main sent bare names to the
    public host)."""
    if model == "mock-echo-bare-gpt-x":
        model = "gpt-4.1-nano"   # bare name, routed by the "*" wildcard with the provider inferred
    text = unique("base")
    r = scoping_stack.client().chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
    assert r.choices[0].message.content == "echo: " + text
    [call] = mock.calls_with(text)
    assert call["path"] == "/v1/chat/completions"
    assert call["headers"]["authorization"] == f"Bearer {MOCK_KEY}"


@pytest.mark.parametrize("model", ["ollama/llama3", "hosted_vllm/x", "llamacpp/llamacpp/x", "lm_studio/x"])
def test_client_cannot_pick_a_local_upstream(scoping_stack, model):
    """Wildcard routing never reaches a local server (ollama, vLLM, llama.cpp on the gateway's
    own host: llamacpp's default is this very machine's port 8080) that the operator did not
    configure: 404, at once."""
    started = time.monotonic()
    with pytest.raises(openai.NotFoundError):
        scoping_stack.client().chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}])
    assert time.monotonic() - started < 2


def test_litellm_max_request_size_mb_is_honoured(scoping_stack, mock):
    """general_settings.max_request_size_mb: 1 -> a 1.5 MB body is 413 from the worker (nginx
    allows 32 MB), and nothing reaches the upstream."""
    marker = unique("size")
    status, _, body = raw_request(scoping_stack.port, "POST", "/v1/chat/completions",
                                  chat_body("gpt-4o-mini", marker + " " + "a" * 1_500_000))
    assert status == 413, body[:200]
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert mock.calls_with(marker) == []


# ---------------------------------------------------------------------------------------------
# Loops
# ---------------------------------------------------------------------------------------------

def loop_config(target_port: int) -> str:
    return f"""
auth: {{master_key: os.environ/ROUTERO_MASTER_KEY}}
models:
  - name: ping
    deployments: [{{model: openai/ping, api_base: "http://127.0.0.1:{target_port}/v1", api_key: os.environ/ROUTERO_MASTER_KEY}}]
"""


def test_deployment_pointing_at_its_own_gateway_ends_with_508(tmp_path, binary):
    port = free_port()
    (tmp_path / "c.yaml").write_text(loop_config(port))
    s = Stack(tmp_path / "c.yaml", tmp_path / "state", workers=2, binary=binary, port=port)
    try:
        started = time.monotonic()
        with pytest.raises(openai.APIStatusError) as ei:
            s.client().chat.completions.create(model="ping", messages=[{"role": "user", "content": "hi"}])
        assert ei.value.status_code == 508
        assert ei.value.code == "loop_detected"
        print(f"\nmeasured: self-loop answered 508 after {(time.monotonic() - started) * 1000:.0f} ms")
        assert time.monotonic() - started < 2
        assert "loop detected" in s.worker_logs(50)
    finally:
        s.stop()


def test_two_gateways_pointing_at_each_other_end_with_508(tmp_path, binary):
    """A -> B -> A: A recognises its own id in x-routero-via on the way back."""
    pa, pb = free_port(), free_port()
    (tmp_path / "a.yaml").write_text(loop_config(pb))
    (tmp_path / "b.yaml").write_text(loop_config(pa))
    a = Stack(tmp_path / "a.yaml", tmp_path / "sa", workers=1, binary=binary, port=pa)
    b = Stack(tmp_path / "b.yaml", tmp_path / "sb", workers=1, binary=binary, port=pb)
    try:
        with pytest.raises(openai.APIStatusError) as ei:
            a.client().chat.completions.create(model="ping", messages=[{"role": "user", "content": "hi"}])
        assert ei.value.status_code == 508 and ei.value.code == "loop_detected"
        a_log, b_log = a.worker_logs(100), b.worker_logs(100)
        # Each gateway handled the request at most twice: one pass each, plus A's refusal.
        assert a_log.count("path=/v1/chat/completions") <= 2
        assert b_log.count("path=/v1/chat/completions") <= 1
    finally:
        a.stop()
        b.stop()


def test_too_many_hops_is_508(stack):
    """A request that already passed through max_hops (5) gateways is refused."""
    status, _, body = raw_request(stack.port, "POST", "/v1/chat/completions", chat_body("mock-echo", "x"),
                                  headers={"x-routero-via": "g1,g2,g3,g4,g5"})
    assert status == 508
    assert json.loads(body)["error"]["code"] == "loop_detected"
    status, _, _ = raw_request(stack.port, "POST", "/v1/chat/completions", chat_body("mock-echo", unique("hop")),
                               headers={"x-routero-via": "g1,g2"})
    assert status == 200


# ---------------------------------------------------------------------------------------------
# Authentication fails closed
# ---------------------------------------------------------------------------------------------

NO_KEY_NATIVE = "models:\n  - name: x\n    deployments: [{model: openai/x}]\n"
NO_KEY_LITELLM = "model_list:\n  - model_name: x\n    litellm_params: {model: openai/x}\n"


@pytest.mark.parametrize("text,setting", [(NO_KEY_NATIVE, "auth.master_key"),
                                          (NO_KEY_LITELLM, "general_settings.master_key")])
def test_no_master_key_refuses_to_start(tmp_path, binary, text, setting):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    env = {"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-x"}
    for verb in (["check-config"], ["serve", "--listen", f"unix:{tmp_path}/w.sock"]):
        r = subprocess.run([str(binary), *verb, "--config", str(cfg)], capture_output=True, text=True, timeout=20,
                           env=env)
        assert r.returncode == 1, r.stdout + r.stderr
        assert setting in r.stderr, r.stderr
        assert ("--auth none" in r.stderr) or ("auth.mode: none" in r.stderr), r.stderr
    # The explicit opt-out works (native in the file, either format on the command line).
    opt = [str(binary), "check-config", "--config", str(cfg), "--auth", "none"]
    assert subprocess.run(opt, capture_output=True, text=True, timeout=20, env=env).returncode == 0
    if text is NO_KEY_NATIVE:
        cfg.write_text("auth: {mode: none}\n" + text)
        r = subprocess.run([str(binary), "check-config", "--config", str(cfg)], capture_output=True, text=True,
                           timeout=20, env=env)
        assert r.returncode == 0, r.stderr


def test_deploy_run_refuses_a_config_without_master_key(tmp_path, binary):
    (tmp_path / "c.yaml").write_text(NO_KEY_LITELLM)
    r = subprocess.run(["bash", str(REPO / "deploy/run"), "--config", str(tmp_path / "c.yaml"), "--port",
                        str(free_port()), "--state-dir", str(tmp_path / "st"), "--binary", str(binary)],
                       capture_output=True, text=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if not k.startswith("ROUTERO")})
    assert r.returncode != 0
    assert "general_settings.master_key" in r.stderr


# ---------------------------------------------------------------------------------------------
# Health endpoints
# ---------------------------------------------------------------------------------------------

def test_health_reveals_nothing_without_the_master_key(stack):
    for path, expected in (("/health", {"status": "ok"}), ("/health/ready", {"status": "ready"})):
        status, headers, body = raw_request(stack.port, "GET", path, headers={"Authorization": None})
        assert status == 200
        assert json.loads(body) == expected, body
        assert "x-routero-worker" not in headers
    # A wrong key is no better than none.
    _, _, body = raw_request(stack.port, "GET", "/health/ready", headers={"Authorization": "Bearer sk-wrong"})
    assert json.loads(body) == {"status": "ready"}
    status, headers, _ = raw_request(stack.port, "POST", "/v1/chat/completions", chat_body("mock-echo", "x"),
                                     headers={"Authorization": "Bearer sk-wrong"})
    assert status == 401 and "x-routero-worker" not in headers
    # The master key unlocks the details.
    _, _, body = raw_request(stack.port, "GET", "/health/ready")
    details = json.loads(body)
    assert details["status"] == "ready" and details["redis"] == "ok" and details["worker"].isdigit()


class FrozenRedis:
    """Accepts TCP connections and never answers: Redis under SIGSTOP, as the kernel shows it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(c)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_readiness_probes_neither_hang_nor_defeat_the_redis_breaker(tmp_path, mock, binary):
    """/health/ready 50 times a second for 3 s while Redis is frozen: every answer is "degraded" within
    1 s, and the worker opens a handful of Redis connections (one probe per breaker interval),
    not one per probe."""
    frozen = FrozenRedis()
    (tmp_path / "c.yaml").write_text("auth: {master_key: os.environ/ROUTERO_MASTER_KEY}\n"
                                     "cache: {enabled: true}\n")
    s = Stack(tmp_path / "c.yaml", tmp_path / "state", workers=1, binary=binary,
              redis=f"redis://127.0.0.1:{frozen.port}")
    try:
        slowest, answers = 0.0, []
        end = time.monotonic() + 3
        while time.monotonic() < end:
            t0 = time.monotonic()
            status, _, body = raw_request(s.port, "GET", "/health/ready", headers={"Authorization": None}, timeout=5)
            slowest = max(slowest, time.monotonic() - t0)
            answers.append((status, body))
            time.sleep(max(0.0, 0.02 - (time.monotonic() - t0)))
        print(f"\nmeasured: {len(answers)} readiness probes in 3 s, slowest {slowest * 1000:.0f} ms, "
              f"{frozen.accepted} Redis connections")
        assert all(st == 200 and json.loads(b) == {"status": "degraded", "reason": "redis_unreachable"}
                   for st, b in answers), answers[:3]
        assert slowest < 1.0, f"a readiness probe took {slowest:.2f}s"
        assert len(answers) >= 100, f"only {len(answers)} probes in 3 s"
        assert frozen.accepted <= 8, f"{frozen.accepted} Redis connections for {len(answers)} probes"
    finally:
        s.stop()
        frozen.close()


def test_deploy_run_auth_none_is_an_explicit_open_gateway(tmp_path, mock, binary):
    """`deploy/run --auth none` is the explicit opt-out: the stack starts without a master key,
    serves without one, and every worker says loudly that authentication is off."""
    (tmp_path / "c.yaml").write_text(
        f"model_list:\n  - model_name: echo\n    litellm_params: {{model: openai/mock-echo, "
        f"api_base: 'http://127.0.0.1:{mock.port}/v1', api_key: os.environ/MOCK_UPSTREAM_KEY}}\n")
    s = Stack(tmp_path / "c.yaml", tmp_path / "state", workers=1, binary=binary, extra_args=["--auth", "none"])
    try:
        text = unique("open")
        status, _, body = raw_request(s.port, "POST", "/v1/chat/completions", chat_body("echo", text),
                                      headers={"Authorization": None})
        assert status == 200, body[:200]
        assert "client authentication is OFF" in s.worker_logs(50)
    finally:
        s.stop()
