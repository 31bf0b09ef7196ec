"""Rate limits (issue 7, item 5): exact across workers and hosts sharing one Redis.

Stacks (module fixtures): ``rl_a`` and ``rl_b`` (3 workers each) share one Redis, like two gateway
hosts; ``rl_par`` limits parallel requests per key; ``rl_out`` / ``rl_closed`` own their Redis,
which the outage tests kill and restart. Limits count in fixed minutes, so a test that needs its
burst inside one window first waits out the last seconds of a minute (never a timed assertion).
"""
from __future__ import annotations

import json
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import _stack
from helpers import (MASTER_KEY, Stack, chat_body, free_port, open_raw_stream, pid_alive, poll, raw_request,
                     read_until_events, sse_events, unique)

RPM = 50          # rl-rpm: per-model rpm of the (only) key
TPM = 300         # rl-tpm: per-model tpm
DEPLOY_RPM = 3    # rl-deploy: the first deployment's own rpm


def deployment(mock_port: int, model: str, extra: str = "") -> str:
    return (f"{{model: openai/{model}, api_base: \"http://127.0.0.1:{mock_port}/v1\", "
            f"api_key: os.environ/MOCK_UPSTREAM_KEY{extra}}}")


def limits_config(mock_port: int, limits: list[str], groups: dict[str, list[str]]) -> str:
    lines = ["auth: {master_key: os.environ/ROUTERO_MASTER_KEY}", "cache: {enabled: false, namespace: e2e-rl}",
             "limits:"] + [f"  {line}" for line in limits] + ["models:"]
    for name, deps in groups.items():
        lines += [f"  - name: {name}", "    deployments:"] + [f"      - {d}" for d in deps]
    return "\n".join(lines) + "\n"


def shared_config(mock_port: int) -> str:
    return limits_config(mock_port, [f"per_model: {{rl-rpm: {{rpm: {RPM}}}, rl-tpm: {{tpm: {TPM}}}}}"], {
        "rl-rpm": [deployment(mock_port, "mock-echo")],
        "rl-tpm": [deployment(mock_port, "mock-long-100")],
        "rl-deploy": [deployment(mock_port, "mock-echo", f", id: dep-a, rpm: {DEPLOY_RPM}, order: 1"),
                      deployment(mock_port, "mock-echo", ", id: dep-b, order: 2")],
        "rl-free": [deployment(mock_port, "mock-echo")],
    })


@pytest.fixture(scope="module")
def rl_a(tmp_path_factory, mock, binary):
    s = _stack(tmp_path_factory, "rl_a", shared_config(mock.port), binary, workers=3, tls=False)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def rl_b(tmp_path_factory, mock, binary, rl_a):
    s = _stack(tmp_path_factory, "rl_b", shared_config(mock.port), binary, workers=3, redis=rl_a.redis_url, tls=False)
    yield s
    s.stop()


def fresh_window(margin: float = 12.0) -> None:
    """Wait for the next minute when fewer than ``margin`` seconds of this one are left."""
    left = 60 - time.time() % 60
    if left < margin:
        time.sleep(left + 0.2)


def post(stack: Stack, body: dict, headers: dict | None = None):
    return raw_request(stack.port, "POST", "/v1/chat/completions", body, headers=headers)


def test_rpm_is_exact_across_two_stacks_sharing_redis(rl_a, rl_b):
    """200 concurrent requests, half through each host (3 workers each), against rpm 50."""
    import openai
    fresh_window()
    marker = unique("rpm")
    clients = [rl_a.client(), rl_b.client()]

    def one(i):
        try:
            r = clients[i % 2].chat.completions.with_raw_response.create(
                model="rl-rpm", messages=[{"role": "user", "content": f"{marker} {i}"}])
            return 200, dict(r.headers)
        except openai.RateLimitError as exc:
            return 429, dict(exc.response.headers)

    with ThreadPoolExecutor(64) as pool:
        results = list(pool.map(one, range(200)))
    ok = [h for s, h in results if s == 200]
    limited = [h for s, h in results if s == 429]
    assert len(ok) == RPM and len(limited) == 200 - RPM
    # Every 429 says when to come back, in OpenAI's headers and formats.
    for h in limited:
        assert 1 <= int(h["retry-after"]) <= 60
        assert h["x-ratelimit-limit-requests"] == str(RPM) and h["x-ratelimit-remaining-requests"] == "0"
        assert h["x-ratelimit-reset-requests"].endswith("s")
    assert sorted(int(h["x-ratelimit-remaining-requests"]) for h in ok) == list(range(RPM))

    # The window is spent: Anthropic's SDK raises its RateLimitError, Google's route answers its shape.
    import anthropic
    claude = anthropic.Anthropic(base_url=rl_b.base_url, api_key=MASTER_KEY, max_retries=0, timeout=30)
    with pytest.raises(anthropic.RateLimitError) as info:
        claude.messages.create(model="rl-rpm", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert info.value.response.headers["retry-after"]
    status, headers, body = raw_request(rl_a.port, "POST", "/v1beta/models/rl-rpm:generateContent",
                                        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
                                        headers={"Authorization": None, "x-goog-api-key": MASTER_KEY})
    error = json.loads(body)["error"]
    assert status == 429 and error["code"] == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    assert headers["retry-after"]
    # Other groups are not affected by this group's limit.
    assert post(rl_a, chat_body("rl-free", "still fine"))[0] == 200


def test_stream_tokens_are_reserved_then_reconciled(rl_a, rl_b):
    """A stream reserves prompt + max_tokens up front; its real usage replaces that when it ends."""
    fresh_window(20)
    body = chat_body("rl-tpm", "hi", stream=True, max_tokens=250, stream_options={"include_usage": True})
    s = open_raw_stream(rl_a.port, body)
    try:
        first = read_until_events(s, 1)
        assert b"200 OK" in first.split(b"\r\n", 1)[0]
        # Reserved: ~5 prompt tokens + 250. Another 255 does not fit under 300 while it runs,
        # whichever host is asked.
        status, headers, raw = post(rl_b, chat_body("rl-tpm", "hi", max_tokens=250))
        assert status == 429, raw
        assert headers["x-ratelimit-limit-tokens"] == str(TPM)
        assert int(headers["x-ratelimit-remaining-tokens"]) < 255
        rest = first
        s.settimeout(30)
        while b"data: [DONE]" not in rest:
            part = s.recv(65536)
            assert part, "stream ended without [DONE]"
            rest += part
        usage = [json.loads(line[6:]) for line in rest.decode().split("\n")
                 if line.startswith("data: {") and '"usage": {' in line.replace('":{', '": {')]
        assert usage and usage[-1]["usage"]["total_tokens"] < 50
    finally:
        s.close()
    # The stream really used a few tokens, so the same request now fits (on the other host).
    status, headers, raw = poll(lambda: (r := post(rl_b, chat_body("rl-tpm", "hi", max_tokens=250)))[0] == 200 and r,
                                timeout=10) or (None, None, None)
    assert status == 200
    assert int(headers["x-ratelimit-remaining-tokens"]) >= TPM - 255 - 50


def test_a_deployment_at_its_rpm_is_routed_around(rl_a, rl_b):
    fresh_window()
    answered = []
    for i in range(2 * DEPLOY_RPM):
        stack = (rl_a, rl_b)[i % 2]
        status, headers, raw = post(stack, chat_body("rl-deploy", f"d {i}"))
        assert status == 200, raw
        answered.append(headers["x-routero-deployment"])
    assert answered == ["dep-a"] * DEPLOY_RPM + ["dep-b"] * DEPLOY_RPM


@pytest.fixture(scope="module")
def rl_par(tmp_path_factory, mock, binary):
    text = limits_config(mock.port, ["per_key: {max_parallel: 2}"], {"rl-long": [deployment(mock.port, "mock-long-300")]})
    s = _stack(tmp_path_factory, "rl_par", text, binary, workers=2, tls=False)
    yield s
    s.stop()


def test_max_parallel_counts_held_streams_and_frees_slots_when_clients_leave(rl_par):
    import openai
    streams = [open_raw_stream(rl_par.port, chat_body("rl-long", f"p {i}", stream=True)) for i in range(2)]
    try:
        for s in streams:
            assert b"data: " in read_until_events(s, 1)
        with pytest.raises(openai.RateLimitError) as info:
            rl_par.client().chat.completions.create(model="rl-long", messages=[{"role": "user", "content": "third"}])
        assert info.value.response.headers["retry-after"] == "1"
    finally:
        streams[0].close()  # this client leaves mid-stream: its slot must come back
    try:
        status = poll(lambda: post(rl_par, chat_body("rl-long", "after"))[0] == 200, timeout=10)
        assert status
    finally:
        streams[1].close()


def outage_config(mock_port: int, mode: str) -> str:
    return limits_config(mock_port, ["per_model: {rl-out: {rpm: 3}}", f"on_redis_outage: {mode}"],
                         {"rl-out": [deployment(mock_port, "mock-echo")]})


@pytest.fixture
def rl_out(tmp_path_factory, mock, binary, request):
    s = _stack(tmp_path_factory, "rl_out", outage_config(mock.port, request.param), binary, workers=1, tls=False)
    s.mode = request.param
    extra = []
    s.restarted = extra
    yield s
    for proc in extra:
        proc.kill()
        proc.wait(10)
    s.stop()


def kill_redis(stack: Stack) -> None:
    pid = int((stack.state / "redis.pid").read_text().strip())
    subprocess.run(["kill", "-9", str(pid)], check=True)
    assert poll(lambda: not pid_alive(pid), timeout=10)


def restart_redis(stack: Stack) -> None:
    port = int(stack.redis_url.rsplit(":", 1)[1].split("/")[0])
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--logfile", "/dev/null"])
    stack.restarted.append(proc)
    assert poll(lambda: redis_ping(port), timeout=10)


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
            c.sendall(b"PING\r\n")
            return c.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.parametrize("rl_out", ["local", "fail_closed"], indirect=True)
def test_redis_outage_follows_the_configured_mode_and_recovers(rl_out):
    fresh_window(25)
    assert post(rl_out, chat_body("rl-out", "before"))[0] == 200  # counted in Redis: 1 of 3
    kill_redis(rl_out)
    started = time.monotonic()
    statuses = [post(rl_out, chat_body("rl-out", f"outage {i}")) for i in range(5)]
    assert time.monotonic() - started < 10  # nothing hangs on the dead Redis
    if rl_out.mode == "local":
        # This worker keeps counting on its own: 3 more admitted, then 429 again.
        assert [s for s, _, _ in statuses] == [200, 200, 200, 429, 429]
    else:
        assert all(s == 503 for s, _, _ in statuses)
        error = json.loads(statuses[0][2])["error"]
        assert error["code"] == "rate_limit_unavailable" and statuses[0][1]["retry-after"] == "1"
    restart_redis(rl_out)
    # Back on Redis (an empty one): the shared counter starts again and is what the answer reports.
    status, headers, raw = poll(lambda: (r := post(rl_out, chat_body("rl-out", "after")))[0] == 200 and r, timeout=15) \
        or (None, None, None)
    assert status == 200
    assert headers["x-ratelimit-remaining-requests"] == "2"
