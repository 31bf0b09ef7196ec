"""deploy/run, deploy/rolling-restart and the nginx config around real workers: the ready line,
state files, supervision, rolling restarts, nginx's own errors and start-up checks."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from helpers import REPO, Stack, pid_alive, raw_request, worker_binary

CONFIG = "model_list:\n  - model_name: x\n    litellm_params: {model: openai/x}\n" \
         "general_settings:\n  master_key: os.environ/ROUTERO_MASTER_KEY\n"


@pytest.fixture(scope="module")
def runner_stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("runner")
    (base / "c.yaml").write_text(CONFIG)
    s = Stack(base / "c.yaml", base / "state", workers=2)
    yield s
    s.stop()


def test_ready_line_and_state_files(runner_stack):
    """One ready line with URLs, worker count, Redis URL and state dir; pid/cmd files written."""
    assert re.fullmatch(r"routero: ready http://127\.0\.0\.1:\d+ \(https://127\.0\.0\.1:\d+\) workers=2 "
                        r"redis=redis://127\.0\.0\.1:\d+ state=\S+", runner_stack.ready_line)
    for n in (1, 2):
        assert (runner_stack.state / f"w{n}.cmd").read_text().count("serve") == 1
        assert pid_alive(int((runner_stack.state / f"w{n}.pid").read_text()))


def test_supervisor_restarts_a_killed_worker(runner_stack):
    """A worker killed with SIGKILL is restarted by deploy/run."""
    old = int((runner_stack.state / "w1.pid").read_text())
    os.kill(old, signal.SIGKILL)
    runner_stack.wait_workers_up(20)
    assert int((runner_stack.state / "w1.pid").read_text()) != old
    assert raw_request(runner_stack.port, "GET", "/health")[0] == 200


def test_rolling_restart_script(runner_stack):
    """deploy/rolling-restart replaces every worker while requests keep succeeding."""
    before = set(runner_stack.worker_pids().values())
    p = subprocess.Popen(["bash", str(REPO / "deploy/rolling-restart"), str(runner_stack.state)],
                         stderr=subprocess.PIPE, text=True)
    codes = []
    while p.poll() is None:
        codes.append(raw_request(runner_stack.port, "GET", "/health")[0])
        time.sleep(0.02)
    assert p.returncode == 0, p.stderr.read()
    assert codes and set(codes) == {200}, codes
    assert not before & set(runner_stack.worker_pids().values())


def test_no_worker_gives_json_502(tmp_path):
    """With every worker gone nginx answers 502 with an OpenAI-shaped JSON body (error_page),
    not its HTML page."""
    (tmp_path / "c.yaml").write_text(CONFIG)
    s = Stack(tmp_path / "c.yaml", tmp_path / "state", workers=1)
    try:
        os.kill(s.proc.pid, signal.SIGSTOP)          # freeze the supervisor so it cannot restart
        pid = s.worker_pids()[1]
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 10
        while pid_alive(pid) and time.time() < deadline:
            time.sleep(0.05)
        status, headers, body = raw_request(s.port, "POST", "/v1/chat/completions", b"{}")
        assert status == 502
        assert json.loads(body)["error"]["code"] == "bad_gateway"
    finally:
        os.kill(s.proc.pid, signal.SIGCONT)
        s.stop()


def listening_ports(pid: int) -> set[int]:
    """TCP ports with a listening socket held by process ``pid`` (from /proc: no ss/lsof needed)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            f = row.split()
            if f[3] == "0A" and f[9] in inodes:          # 0A = LISTEN; f[9] = inode
                ports.add(int(f[1].rsplit(":", 1)[1], 16))
    return ports


def test_two_stacks_without_tls_share_one_machine(tmp_path):
    """TLS is opt-in: without --tls-port nginx gets no HTTPS listener (nothing binds 8443), so
    two stacks on different --port values start side by side, the second sharing the first's
    Redis, and both answer."""
    (tmp_path / "c.yaml").write_text(CONFIG)
    first = Stack(tmp_path / "c.yaml", tmp_path / "a", workers=1, tls=False)
    second = None
    try:
        second = Stack(tmp_path / "c.yaml", tmp_path / "b", workers=1, tls=False, redis=first.redis_url)
        assert second.redis_url == first.redis_url
        for s in (first, second):
            assert re.fullmatch(rf"routero: ready http://127\.0\.0\.1:{s.port} workers=1 "
                                r"redis=redis://127\.0\.0\.1:\d+ state=\S+", s.ready_line), s.ready_line
            assert raw_request(s.port, "GET", "/health")[0] == 200
            directives = re.sub(r"#.*", "", (s.state / "nginx/nginx.conf").read_text())
            assert not re.search(r"\blisten\s[^;]*\bssl\b", directives)
            assert "ssl_" not in directives     # a certificate that was never generated fails nginx -t
            # nginx (the master holds the listening sockets) listens on its HTTP port only.
            assert listening_ports(int((s.state / "nginx.pid").read_text())) == {s.port}
    finally:
        if second:
            second.stop()
        first.stop()                                  # owns the shared Redis: stop it last


def test_nginx_worker_processes_are_configurable(tmp_path):
    """--nginx-workers N renders worker_processes N (one by default) and nginx starts N workers:
    where the open-file hard limit cannot be raised, each holds its own share of the streams."""
    (tmp_path / "c.yaml").write_text(CONFIG)
    s = Stack(tmp_path / "c.yaml", tmp_path / "state", workers=1, tls=False, extra_args=["--nginx-workers", "2"])
    try:
        directives = re.sub(r"#.*", "", (s.state / "nginx/nginx.conf").read_text())
        assert re.search(r"\bworker_processes 2;", directives)
        master = int((s.state / "nginx.pid").read_text())
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        assert len(children) == 2, children
        assert raw_request(s.port, "GET", "/health")[0] == 200
    finally:
        s.stop()


def test_unset_env_reference_is_a_clear_error(tmp_path):
    """A config naming an unset os.environ/ variable stops deploy/run with a message naming it."""
    (tmp_path / "c.yaml").write_text(CONFIG.replace("ROUTERO_MASTER_KEY", "SOME_UNSET_VAR_FOR_TEST"))
    env = {k: v for k, v in os.environ.items() if k != "SOME_UNSET_VAR_FOR_TEST"}
    r = subprocess.run(["bash", str(REPO / "deploy/run"), "--config", str(tmp_path / "c.yaml"),
                        "--state-dir", str(tmp_path / "st"), "--binary", str(worker_binary()), "--port", "1"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode != 0
    assert "SOME_UNSET_VAR_FOR_TEST" in r.stderr
