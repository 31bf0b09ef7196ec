"""Shared helpers for the e2e suite: processes, ports, raw HTTP/SSE clients (stdlib only)."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
E2E = Path(__file__).resolve().parent
MASTER_KEY = "sk-routero-e2e-master"
# The provider key the gateway sends upstream. Distinctive, so tests can grep every response
# and log for it: it must never leave the gateway except towards the upstream.
MOCK_KEY = "sk-mock-e2e-SECRET-7c1f9a2b"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(prefix: str = "t") -> str:
    """A unique user message, so cache entries and mock calls never collide between tests."""
    return f"{prefix} {uuid.uuid4().hex[:12]}"


def worker_binary() -> Path:
    env = os.environ.get("ROUTERO_BINARY")
    candidates = [Path(env)] if env else [REPO / ".build/release/routero", REPO / ".build-ops/release/routero"]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise RuntimeError(f"Routero worker binary not found (tried {', '.join(map(str, candidates))}); "
                       "run `swift build -c release` or set ROUTERO_BINARY")


# ---------------------------------------------------------------------------------------------
# The mock upstream process
# ---------------------------------------------------------------------------------------------

class MockUpstream:
    def __init__(self, port: int, key: str = MOCK_KEY, log_path: Path | None = None):
        self.port, self.key = port, key
        self.base = f"http://127.0.0.1:{port}"
        out = open(log_path, "w") if log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen([sys.executable, str(E2E / "mock_openai.py"), "--port", str(port), "--key", key],
                                     stdout=subprocess.PIPE, stderr=out, text=True)
        line = self.proc.stdout.readline()
        if "mock: listening" not in line:
            self.proc.kill()
            raise RuntimeError(f"mock did not start: {line!r}")

    def calls(self) -> list[dict]:
        with urllib.request.urlopen(self.base + "/_mock/calls", timeout=5) as r:
            return json.load(r)

    def calls_with(self, text: str) -> list[dict]:
        """Calls whose request body mentions ``text`` (tests put a unique marker in the prompt)."""
        return [c for c in self.calls() if text in json.dumps(c.get("body"), ensure_ascii=False)]

    def switch(self, name: str, status: int | None) -> None:
        """Make ``mock-switch-<name>`` answer ``status`` (None: healthy again)."""
        req = urllib.request.Request(self.base + "/_mock/switch", method="POST",
                                     data=json.dumps({"name": name, "status": status}).encode())
        urllib.request.urlopen(req, timeout=5).read()

    def reset(self) -> None:
        req = urllib.request.Request(self.base + "/_mock/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=5).read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# ---------------------------------------------------------------------------------------------
# A stack started with deploy/run
# ---------------------------------------------------------------------------------------------

def pids_mentioning(text: str) -> list[int]:
    """Live processes whose command line mentions ``text`` (orphan check)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmd and state != "Z":
            found.append(int(entry.name))
    return found


def pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Stack:
    """A complete gateway (Redis + N workers + nginx) run by ``deploy/run`` in the foreground.
    ``tls=False`` omits --tls-port, so nginx has no HTTPS listener (``tls_port`` is None)."""

    def __init__(self, config: Path, state: Path, workers: int = 2, redis: str | None = None,
                 binary: Path | None = None, env: dict | None = None, startup_timeout: float = 60,
                 tls: bool = True, port: int | None = None, extra_args: list | None = None):
        self.config, self.state, self.workers = config, state, workers
        self.port, self.tls_port = port or free_port(), (free_port() if tls else None)
        state.mkdir(parents=True, exist_ok=True)
        cmd = ["bash", str(REPO / "deploy/run"), "--config", str(config), "--port", str(self.port),
               "--workers", str(workers), "--state-dir", str(state), "--binary", str(binary or worker_binary())]
        if tls:
            cmd += ["--tls-port", str(self.tls_port)]
        if redis:
            cmd += ["--redis", redis]
        cmd += extra_args or []
        full_env = dict(os.environ, ROUTERO_MASTER_KEY=MASTER_KEY, MOCK_UPSTREAM_KEY=MOCK_KEY, **(env or {}))
        self.stderr_path = state / "run.stderr"
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "w"),
                                     stdin=subprocess.DEVNULL, env=full_env, text=True)
        self.ready_line = self._wait_ready(startup_timeout)
        self.redis_url = self.ready_line.split("redis=", 1)[1].split()[0]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.started_pids = self.recorded_pids()

    def _wait_ready(self, timeout: float) -> str:
        result: list[str] = []

        def reader():
            for line in self.proc.stdout:
                if line.startswith("routero: ready"):
                    result.append(line.strip())
                    return

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        t.join(timeout)
        if not result:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            raise RuntimeError(f"deploy/run did not become ready within {timeout}s:\n{self.stderr_tail()}")
        return result[0]

    def stderr_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def worker_logs(self, n: int = 30) -> str:
        out = []
        for f in sorted(self.state.glob("w*.log")):
            out.append(f"--- {f.name}")
            out += f.read_text(errors="replace").splitlines()[-n:]
        return "\n".join(out)

    def worker_pids(self) -> dict[int, int]:
        pids = {}
        for i in range(1, self.workers + 1):
            try:
                pids[i] = int((self.state / f"w{i}.pid").read_text().strip())
            except (OSError, ValueError):
                pass
        return pids

    def recorded_pids(self) -> set[int]:
        pids = set(self.worker_pids().values()) | {self.proc.pid}
        for name in ("redis.pid", "nginx.pid"):
            try:
                pids.add(int((self.state / name).read_text().strip()))
            except (OSError, ValueError):
                pass
        return pids

    def wait_workers_up(self, timeout: float = 40) -> None:
        """Every worker process alive and its socket present (after a SIGTERM/restart)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            pids = self.worker_pids()
            if len(pids) == self.workers and all(pid_alive(p) for p in pids.values()) and \
                    all((self.state / f"w{i}.sock").exists() for i in pids):
                time.sleep(0.5)  # let the new worker's threads reach accept()
                return
            time.sleep(0.1)
        raise AssertionError(f"workers not back up within {timeout}s:\n{self.stderr_tail()}")

    def client(self, **kw):
        import openai
        return openai.OpenAI(base_url=self.base_url + "/v1", api_key=kw.pop("api_key", MASTER_KEY),
                             max_retries=0, timeout=kw.pop("timeout", 30), **kw)

    def stop(self) -> None:
        """SIGTERM the runner; it must exit 0 and leave no process behind."""
        every = self.started_pids | self.recorded_pids()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("deploy/run did not stop within 60 s after SIGTERM")
        time.sleep(0.2)
        left = sorted({p for p in every if pid_alive(p)} | set(pids_mentioning(str(self.state))))
        if left:
            for p in left:  # clean up so one failure does not poison the next run
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        assert rc == 0, f"deploy/run exited {rc}:\n{self.stderr_tail()}"
        assert not left, f"processes left behind after stop: {left}"


# ---------------------------------------------------------------------------------------------
# Raw HTTP / SSE (what the SDK cannot show: timing, [DONE], exact headers)
# ---------------------------------------------------------------------------------------------

def chat_body(model: str, text: str, stream: bool = False, **extra) -> dict:
    body = {"model": model, "messages": [{"role": "user", "content": text}], **extra}
    if stream:
        body["stream"] = True
    return body


def raw_request(port: int, method: str, path: str, body: bytes | dict | None = None,
                headers: dict | None = None, timeout: float = 30):
    """One request with http.client; returns (status, headers dict lower-cased, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"}
    h.update(headers or {})
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    try:
        conn.request(method, path, body=data, headers={k: v for k, v in h.items() if v is not None})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def sse_events(port: int, body: dict, headers: dict | None = None, timeout: float = 30,
               on_headers=None):
    """POST a streaming request; return (status, headers, [(t_arrival, data_str), ...]).
    Events are timestamped as each completes (blank line), so pacing is observable."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"}
    h.update(headers or {})
    conn.request("POST", "/v1/chat/completions", body=json.dumps(body).encode(), headers=h)
    resp = conn.getresponse()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    if on_headers:
        on_headers(resp.status, hdrs)
    events, data_lines = [], []
    try:
        while True:
            line = resp.readline()
            if not line:
                break
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data_lines:
                    events.append((time.monotonic(), "\n".join(data_lines)))
                    data_lines = []
            elif line.startswith("data:"):
                data_lines.append(line[5:].lstrip(" ") if line.startswith("data: ") else line[5:])
    except (http.client.IncompleteRead, ConnectionError) as exc:
        events.append((time.monotonic(), f"<transport error: {exc!r}>"))
    finally:
        conn.close()
    return resp.status, hdrs, events


def open_raw_stream(port: int, body: dict, rcvbuf: int | None = None) -> socket.socket:
    """Send a streaming request on a bare socket and return it unread (disconnect/stall tests)."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    data = json.dumps(body).encode()
    s.sendall((f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {MASTER_KEY}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
    return s


def read_until_events(s: socket.socket, n: int, timeout: float = 10) -> bytes:
    """Read from a raw stream until ``n`` SSE `data:` events have arrived."""
    s.settimeout(timeout)
    buf = b""
    while buf.count(b"data: ") < n:
        part = s.recv(65536)
        if not part:
            break
        buf += part
    return buf


def poll(fn, timeout: float = 5.0, interval: float = 0.05):
    """Call ``fn`` until it returns something truthy; return it (or the last falsy value)."""
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# Redis processes the outage tests control themselves (kill, freeze, restart)
# ---------------------------------------------------------------------------------------------

def redis_command(port: int, *args: str, timeout: float = 2.0) -> str | None:
    """One RESP command on a fresh connection; the reply's first line (or bulk string), None
    when nothing answered in time."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(f"*{len(args)}\r\n".encode() + b"".join(
                f"${len(a.encode())}\r\n".encode() + a.encode() + b"\r\n" for a in args))
            buf = b""
            while b"\r\n" not in buf:
                part = s.recv(65536)
                if not part:
                    return None
                buf += part
            head, rest = buf.split(b"\r\n", 1)
            if head.startswith(b"$") and int(head[1:]) >= 0:
                n = int(head[1:])
                while len(rest) < n + 2:
                    part = s.recv(65536)
                    if not part:
                        return None
                    rest += part
                return rest[:n].decode(errors="replace")
            return head[1:].decode(errors="replace")
    except OSError:
        return None


class RedisServer:
    """A redis-server on a fixed loopback port that a test may kill, freeze and restart."""

    def __init__(self, directory: Path, port: int | None = None, extra: list | None = None):
        self.directory, self.port, self.extra = directory, port or free_port(), extra or []
        directory.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--logfile", str(self.directory / f"redis-{self.port}.log"), *self.extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not poll(lambda: redis_command(self.port, "PING") == "PONG", timeout=timeout):
            raise RuntimeError(f"redis-server on {self.port} did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.kill()


class RedisCluster:
    """Three masters on loopback, no replicas: CLUSTER ADDSLOTSRANGE + CLUSTER MEET (redis-server
    7.0+, no redis-cli needed), ready in about a second. ``cluster-require-full-coverage no``
    keeps two nodes serving while the third is down; a restarted node reads its nodes.conf and
    comes back with its id and slots."""

    RANGES = [(0, 5460), (5461, 10922), (10923, 16383)]

    def __init__(self, directory: Path):
        self.buses = [free_port() for _ in self.RANGES]
        self.nodes = [RedisServer(directory, extra=self._extra(bus)) for bus in self.buses]
        for node, (lo, hi) in zip(self.nodes, self.RANGES):
            assert redis_command(node.port, "CLUSTER", "ADDSLOTSRANGE", str(lo), str(hi)) == "OK"
        for node, bus in zip(self.nodes[1:], self.buses[1:]):
            assert redis_command(self.nodes[0].port, "CLUSTER", "MEET", "127.0.0.1", str(node.port), str(bus)) == "OK"
        self.wait_consistent()

    @staticmethod
    def _extra(bus: int) -> list:
        return ["--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{bus}.conf", "--cluster-port", str(bus),
                "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no"]

    @property
    def ports(self) -> list[int]:
        return [n.port for n in self.nodes]

    @property
    def url(self) -> str:
        """The --redis form for a cluster: a comma-separated list of seed URLs."""
        return ",".join(n.url for n in self.nodes)

    def wait_consistent(self, timeout: float = 15) -> None:
        def ok():
            infos = [redis_command(p, "CLUSTER", "INFO") or "" for p in self.ports]
            return all("cluster_state:ok" in i and "cluster_known_nodes:3" in i
                       and "cluster_slots_assigned:16384" in i for i in infos)
        if not poll(ok, timeout=timeout, interval=0.05):
            raise RuntimeError("the Redis cluster did not become consistent")

    def node_of(self, key: str) -> int:
        slot = int(redis_command(self.ports[0], "CLUSTER", "KEYSLOT", key))
        return next(i for i, (lo, hi) in enumerate(self.RANGES) if lo <= slot <= hi)

    def keys_on(self, node: int) -> int:
        return int(redis_command(self.ports[node], "DBSIZE") or -1)

    def restart(self, index: int) -> None:
        self.nodes[index].kill()
        self.nodes[index].start()
        self.wait_consistent()

    def stop(self) -> None:
        for n in self.nodes:
            n.stop()


def shared_state_config(mock_port: int, sa_path: str, namespace: str, redis_yaml: str, limits: str | None = None,
                        routing: str | None = None) -> str:
    """A native config for the Redis outage tests: the cache on, an OpenAI deployment and a
    Vertex one (its OAuth token lives in the shared token store), and the given ``redis:`` section
    (and ``limits:`` / ``routing:`` sections, if any)."""
    base = f"http://127.0.0.1:{mock_port}"
    return "\n".join([
        "auth: {master_key: os.environ/ROUTERO_MASTER_KEY}",
        f"cache: {{enabled: true, ttl_seconds: 600, namespace: {namespace}}}",
        f"redis: {redis_yaml}",
        *([f"limits: {limits}"] if limits else []),
        *([f"routing: {routing}"] if routing else []),
        "models:",
        f"  - {{name: mock-echo, deployments: [{{model: openai/mock-echo, api_base: \"{base}/v1\", "
        "api_key: os.environ/MOCK_UPSTREAM_KEY}]}",
        f"  - {{name: vertex-echo, deployments: [{{model: vertex_ai/mock-echo, api_base: \"{base}/vertex\", "
        f"vertex_project: e2e-project, vertex_location: us-central1, vertex_credentials: \"{sa_path}\"}}]}}",
    ]) + "\n"


class Load:
    """Chat requests from ``threads`` threads until ``stop()``: each thread cycles through its own
    few prompts, so most requests are cache hits while the cache works. Records every request as
    (start, seconds, status, x-routero-cache); a request is bounded by ``timeout`` seconds."""

    def __init__(self, port: int, threads: int = 4, prompts: int = 5, model: str = "mock-echo", timeout: float = 30):
        self.port, self.model, self.timeout = port, model, timeout
        self.records: list[tuple[float, float, int, str | None]] = []
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._threads = [threading.Thread(target=self._run, args=([unique(f"load{t}") for _ in range(prompts)],),
                                          daemon=True) for t in range(threads)]
        for t in self._threads:
            t.start()

    def _run(self, prompts: list[str]) -> None:
        i = 0
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                status, headers, _ = raw_request(self.port, "POST", "/v1/chat/completions",
                                                 chat_body(self.model, prompts[i % len(prompts)]), timeout=self.timeout)
                cache = headers.get("x-routero-cache")
            except OSError as exc:
                status, cache = 0, repr(exc)
            with self._lock:
                self.records.append((t0, time.monotonic() - t0, status, cache))
            i += 1

    def stop(self) -> list[tuple[float, float, int, str | None]]:
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        return self.records


def readiness(port: int) -> tuple[int, dict]:
    status, _, body = raw_request(port, "GET", "/health/ready", timeout=10)
    return status, json.loads(body)
