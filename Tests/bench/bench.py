#!/usr/bin/env python3
"""Routero micro-benchmark -- prints numbers, asserts nothing. Run via Tests/bench/bench.sh.

Everything shares one machine, so read the RATIOS, not the absolute numbers.
  1. Overhead: wrk against (a) nginx proxy_pass -> instant mock and (b) nginx -> Routero ->
     the same instant mock, at -c1, -c32 and -c64. The instant mock is an nginx `return 200` with a
     fixed chat.completion (a Python mock would be the bottleneck). Cache off.
  2. Translation: the same instant upstream in each family (fixed JSON bodies and fixed SSE
     bodies of CHUNKS events), wrk at -c32 through the gateway, passthrough vs translated rows
     (OpenAI in -> Anthropic upstream, Anthropic in -> OpenAI upstream), non-stream and stream:
     worker CPU per request and per stream chunk.
  3. Streaming TTFB: time to the first SSE byte. (a) The instant SSE upstream (nginx `return 200`
     of a fixed stream) through nginx proxy_pass vs through nginx -> Routero, on one kept client
     connection, 300 requests each, interleaved: the added p50 is Routero's own TTFB overhead.
     (b) The Python mock direct vs through the gateway, a new connection each time (noisier: the
     mock's own thread-per-connection start-up is in the direct number only).
  4. Held streams (held_mock.py / held_client.py): K streams of HELD_CHUNKS events 1 s apart, each on
     its own connection, opened over 5 s, through nginx proxy_pass and through Routero (2 workers),
     interleaved: CPU per stream of the whole process tree (nginx master+workers; nginx + workers +
     Redis), chunk gap p50/p99/max, TTFT p50/max, streams completed exactly, peak RSS of the tree.
  5. 2,000 concurrent idle streams held by ONE worker: its RSS and thread count.
  6. The floor of the shape (floor_worker.c, compiled here): the cheapest worker nginx -> FastCGI ->
     worker -> libcurl allows, run by deploy/run behind the gateway's own nginx config. In the
     overhead section at c=32 it answers without an upstream call ("answer") and relays the instant
     mock ("relay"); in the held section it relays the held mock. What Routero costs above it is
     Routero's own work; what the floor costs above nginx proxy_pass is the shape's.
About 6 minutes in total with the default sections. Env: BENCH_SECONDS (wrk duration per run,
default 5), BENCH_STREAMS (idle streams, default 2000), BENCH_HELD (held-stream counts, default
"500,2000"; "500,2000,10000" adds the 10,000-stream run, about 1 more minute and ~25,000 fds),
BENCH_SECTIONS (comma list of overhead,translation,ttfb,held,idle,floor; default all; floor adds the
floor worker's rows to the overhead and held sections).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "Tests/e2e"))
from helpers import MASTER_KEY, MOCK_KEY, MockUpstream, Stack, free_port, worker_binary  # noqa: E402
sys.path.insert(0, str(HERE))
import async_frames  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
STREAMS = int(os.environ.get("BENCH_STREAMS", "2000"))
HELD = [int(k) for k in os.environ.get("BENCH_HELD", "500,2000").split(",") if k.strip()]
HELD_CHUNKS = 30
SECTIONS = set(os.environ.get("BENCH_SECTIONS", "overhead,translation,ttfb,held,idle,floor").split(","))
FIXED = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": "bench",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello from the instant mock."},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}}, separators=(",", ":"))
BODY = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "hi"}]})
CHUNKS = 20  # content events in each fixed stream body


def fixed_anthropic_message() -> str:
    return json.dumps({
        "id": "msg_bench", "type": "message", "role": "assistant", "model": "claude-bench",
        "content": [{"type": "text", "text": "Hello from the instant mock."}], "stop_reason": "end_turn",
        "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 6}}, separators=(",", ":"))


def fixed_openai_sse() -> str:
    def chunk(delta, finish=None):
        return "data: " + json.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
                                      "model": "bench", "choices": [{"index": 0, "delta": delta,
                                                                     "finish_reason": finish}]},
                                     separators=(",", ":")) + "\n\n"
    out = chunk({"role": "assistant", "content": ""})
    out += "".join(chunk({"content": f"word{i} "}) for i in range(CHUNKS))
    out += chunk({}, "stop")
    out += "data: " + json.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
                                  "model": "bench", "choices": [],
                                  "usage": {"prompt_tokens": 5, "completion_tokens": CHUNKS, "total_tokens": 25}},
                                 separators=(",", ":")) + "\n\n"
    return out + "data: [DONE]\n\n"


def fixed_anthropic_sse() -> str:
    def event(name, data):
        return f"event: {name}\ndata: " + json.dumps(dict(type=name, **data), separators=(",", ":")) + "\n\n"
    out = event("message_start", {"message": {"id": "msg_bench", "type": "message", "role": "assistant",
                                              "model": "claude-bench", "content": [], "stop_reason": None,
                                              "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 1}}})
    out += event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
    out += "".join(event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": f"word{i} "}})
                   for i in range(CHUNKS))
    out += event("content_block_stop", {"index": 0})
    out += event("message_delta", {"delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                   "usage": {"output_tokens": CHUNKS}})
    return out + event("message_stop", {})


def nginx_literal(text: str) -> str:
    """A body for nginx's `return 200 '...'`: quotes escaped, newlines kept as real newlines."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


# (row name, gateway path, request body): the upstream family is chosen by the model's group.
_MSG = [{"role": "user", "content": "hi"}]
TRANSLATION_ROWS = [
    ("openai>openai json", "/v1/chat/completions", {"model": "bench", "messages": _MSG}),
    ("anthropic>openai json", "/v1/messages", {"model": "bench", "max_tokens": 64, "messages": _MSG}),
    ("openai>anthropic json", "/v1/chat/completions", {"model": "claude-json", "messages": _MSG}),
    ("openai>openai stream", "/v1/chat/completions", {"model": "bench-sse", "stream": True, "messages": _MSG}),
    ("anthropic>openai stream", "/v1/messages", {"model": "bench-sse", "stream": True, "max_tokens": 64, "messages": _MSG}),
    ("openai>anthropic stream", "/v1/chat/completions", {"model": "claude-sse", "stream": True, "messages": _MSG}),
]


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# Descriptors one nginx process needs for the largest held run: a client and an upstream socket
# per stream, and room for the rest.
NGINX_FDS_NEEDED = 2 * max(HELD, default=0) + 1000


def nginx_processes() -> int:
    """worker_processes for every nginx under test (proxy_pass, Routero's front, the floor's
    front): one, unless the open-file hard limit, which a container without CAP_SYS_RESOURCE
    cannot raise, is below NGINX_FDS_NEEDED; then enough to share the streams."""
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY or NGINX_FDS_NEEDED <= hard:
        return 1
    return min(os.cpu_count() or 1, -(-NGINX_FDS_NEEDED // hard))


NGINX_PROCS = nginx_processes()


def start_nginx(work: Path, port: int, servers: str, processes: int = 1) -> subprocess.Popen:
    """An nginx with `servers` inside its http block, ready on `port`."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir()
    conf = f"""
daemon off; worker_processes {processes}; pid {work}/nginx.pid; error_log {work}/error.log warn;
{"user root;" if os.geteuid() == 0 else ""}
worker_rlimit_nofile 65536;
events {{ worker_connections 32768; }}
http {{
  access_log off;
  client_body_temp_path {work}/tmp/body; proxy_temp_path {work}/tmp/proxy;
  fastcgi_temp_path {work}/tmp/fcgi; uwsgi_temp_path {work}/tmp/uwsgi; scgi_temp_path {work}/tmp/scgi;
{servers}
}}
"""
    (work / "nginx.conf").write_text(conf)
    proc = subprocess.Popen(["nginx", "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")],
                            stdin=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx in {work} did not start")


def start_instant_nginx(work: Path, held_port: int) -> tuple[subprocess.Popen, subprocess.Popen, int, int]:
    """Two nginx processes: the instant mock, and a plain proxy_pass in front of it (and in front
    of the held-streams mock under /held/). Separate processes, so the proxy's own CPU is measured
    directly rather than as a difference."""
    mock_port, proxy_port = free_port(), free_port()
    body = FIXED.replace("'", "\\'")
    mock = start_nginx(work / "mock", mock_port, f"""
  server {{ listen 127.0.0.1:{mock_port};
           location / {{ default_type application/json; return 200 '{body}'; }}
           location = /anthropic/v1/messages {{ default_type application/json;
                                               return 200 '{nginx_literal(fixed_anthropic_message())}'; }}
           location = /sse/v1/chat/completions {{ default_type text/event-stream;
                                                 return 200 '{nginx_literal(fixed_openai_sse())}'; }}
           location = /anthropic-sse/v1/messages {{ default_type text/event-stream;
                                                   return 200 '{nginx_literal(fixed_anthropic_sse())}'; }} }}""")
    proxy = start_nginx(work / "proxy", proxy_port, f"""
  upstream instant {{ server 127.0.0.1:{mock_port}; keepalive 128; }}
  upstream held {{ server 127.0.0.1:{held_port}; keepalive 128; }}
  server {{ listen 127.0.0.1:{proxy_port};
           location /held/ {{ proxy_pass http://held/; proxy_http_version 1.1;
                             proxy_set_header Connection ""; proxy_buffering off; }}
           location / {{ proxy_pass http://instant; proxy_http_version 1.1;
                        proxy_set_header Connection ""; proxy_buffering off; }} }}""", processes=NGINX_PROCS)
    return mock, proxy, mock_port, proxy_port


def build_floor_worker(work: Path) -> Path | None:
    """floor_worker.c compiled against the libfcgi and libcurl the gateway links (deploy/setup
    installs their headers); None, with a note, where no C compiler is found or it fails."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        log("floor: no C compiler, the floor rows are skipped")
        return None
    binary = work / "floor_worker"
    built = subprocess.run([cc, "-O2", "-Wall", "-o", str(binary), str(HERE / "floor_worker.c"), "-lfcgi", "-lcurl",
                            "-lpthread"], capture_output=True, text=True)
    if built.returncode != 0:
        log(f"floor: {cc} could not build floor_worker.c, the floor rows are skipped:\n{built.stderr.strip()}")
        return None
    return binary


def floor_stack(binary: Path, cfg: Path, state: Path, upstream: str, threads: int, redis: str) -> Stack:
    """Two floor workers behind nginx, started by deploy/run exactly like the gateway's workers."""
    return Stack(cfg, state, workers=2, binary=binary, tls=False, redis=redis,
                 extra_args=["--nginx-workers", str(NGINX_PROCS)],
                 env={"FLOOR_UPSTREAM": upstream, "FLOOR_THREADS": str(threads), "ROUTERO_RUN_SKIP_CHECK": "1"})


def stack_groups(s: Stack, workers_name: str) -> dict:
    """The stack's front nginx (master + workers) and its workers, for CPU accounting."""
    return {"front nginx": family(int((s.state / "nginx.pid").read_text())), workers_name: list(s.worker_pids().values())}


def wrk(url: str, conns: int, script: Path) -> dict:
    threads = 1 if conns == 1 else 2
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{SECONDS}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, timeout=SECONDS + 30).stdout

    def lat(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(rps.group(1)) if rps else float("nan"), "p50": lat(50), "p99": lat(99),
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "errors": errors.group(1) if errors else ""}


def proc_status(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        fields[k] = v.strip()
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "threads": int(fields["Threads"])}


def family(pid: int) -> list[int]:
    """pid and its children (an nginx master and its workers)."""
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(k) for k in kids]


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the given processes, in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def ttfb(port: int, path: str, body: dict, auth: str, n: int = 30) -> list[float]:
    data = json.dumps(body).encode()
    req = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {auth}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode() + data
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        t0 = time.perf_counter()
        s.sendall(req)
        buf = b""
        while b"data:" not in buf:
            part = s.recv(65536)
            if not part:
                break
            buf += part
        out.append((time.perf_counter() - t0) * 1000)
        s.close()
    return out


def ttfb_kept(port: int, path: str, body: dict, auth: str, n: int) -> list[float]:
    """Time to the first `data:` byte of `n` streams sent one after another on one kept connection."""
    data = json.dumps(body).encode()
    req = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {auth}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data
    out = []
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            s.sendall(req)
            buf = b""
            first = None
            # Both bodies end with [DONE]: as a plain body (proxy_pass of a Content-Length answer)
            # or followed by the last chunk of a chunked one (the gateway).
            while not (buf.endswith(b"data: [DONE]\n\n") or buf.endswith(b"\r\n0\r\n\r\n")):
                part = s.recv(65536)
                if not part:
                    raise RuntimeError(f"connection closed by :{port}")
                buf += part
                if first is None and b"data:" in buf:
                    first = time.perf_counter()
            out.append((first - t0) * 1000)
    finally:
        s.close()
    return out


def idle_streams(port: int, n: int) -> tuple[int, list[socket.socket]]:
    """Open n streams and wait until each has received its first event; return (ok, sockets)."""
    data = json.dumps({"model": "idle", "stream": True, "messages": [{"role": "user", "content": "idle"}]}).encode()
    req = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {MASTER_KEY}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data
    socks, pending = [], {}
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(req)
        socks.append(s)
        pending[s.fileno()] = [s, b""]
        if i % 200 == 199:
            time.sleep(0.05)  # pace the ramp a little; listen backlogs are finite
    deadline = time.time() + 60
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLIN)
    ok = 0
    while pending and time.time() < deadline:
        for fd, _ in poller.poll(500):
            entry = pending.get(fd)
            if entry is None:
                continue
            part = entry[0].recv(65536)
            entry[1] += part
            if b"data:" in entry[1] or not part:
                ok += b"data:" in entry[1]
                poller.unregister(fd)
                del pending[fd]
    return ok, socks


class HeldMock:
    """held_mock.py in its own process group (it forks), on a free port."""

    def __init__(self, procs: int = 2):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, str(HERE / "held_mock.py"), "--port", str(self.port),
                                      "--chunks", str(HELD_CHUNKS), "--procs", str(procs)],
                                     stdout=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        if "held-mock: listening" not in line:
            self.stop()
            raise RuntimeError(f"held mock did not start: {line!r}")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, 15)
        except OSError:
            pass
        self.proc.wait(10)


def tree_rss_mb(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += proc_status(pid)["rss_mb"]
        except (OSError, KeyError):
            pass
    return total


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(p / 100 * len(v)))]


def held_run(port: int, path: str, auth: str, streams: int, groups: dict, out: Path) -> dict:
    """One held-streams run. `groups` maps a name to a function listing that part of the process
    tree under test (read again while sampling, so processes started meanwhile are counted)."""
    def tree() -> list[int]:
        return [p for g in groups.values() for p in g()]
    before = {name: cpu_seconds(g()) for name, g in groups.items()}
    client = subprocess.Popen([sys.executable, str(HERE / "held_client.py"), "--port", str(port), "--path", path,
                               "--auth", auth, "--streams", str(streams), "--chunks", str(HELD_CHUNKS),
                               "--ramp", "5", "--out", str(out)])
    peak = 0.0
    while client.poll() is None:
        peak = max(peak, tree_rss_mb(tree()))
        time.sleep(0.5)
    spent = {name: cpu_seconds(g()) - before[name] for name, g in groups.items()}
    result = json.loads(out.read_text())
    result.update(cpu_ms_per_stream=1000 * sum(spent.values()) / streams, peak_rss_mb=peak, load=os.getloadavg()[0],
                  parts={name: 1000 * v / streams for name, v in spent.items()})
    return result


def main() -> None:
    for tool in ("nginx", "wrk", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} not installed (run deploy/setup)")
    if "held" in SECTIONS and importlib.util.find_spec("uvloop") is None:
        sys.exit(f"bench: the held-streams client and mock need uvloop, missing from {sys.executable} "
                 "(run deploy/setup --test, or pip install uvloop)")
    work = Path(tempfile.mkdtemp(prefix="routero-bench-"))
    os.chmod(work, 0o755)
    started = time.time()
    instant = proxy = mock = stack = idle_stack = held_mock = None
    floors: list[Stack] = []
    floor_bin = None
    rows = {}
    translated = {}
    held = {}
    direct = via = kept = None
    idle = None
    try:
        held_mock = HeldMock()
        instant, proxy, mock_port, proxy_port = start_instant_nginx(work, held_mock.port)
        mock = MockUpstream(free_port(), key=MOCK_KEY)
        cfg = work / "config.yaml"
        cfg.write_text(
            "auth: {master_key: os.environ/ROUTERO_MASTER_KEY}\n"
            "cache: {enabled: false}\n"
            f"server: {{max_concurrent_requests: {max(4096, max(HELD, default=0))}}}\n"
            "allow_unlisted_models: false\n"
            "models:\n"
            f"  - {{name: bench, deployments: [{{model: openai/bench, api_base: \"http://127.0.0.1:{mock_port}/v1\", api_key: os.environ/MOCK_UPSTREAM_KEY}}]}}\n"
            f"  - {{name: stream, deployments: [{{model: openai/mock-echo, api_base: \"http://127.0.0.1:{mock.port}/v1\", api_key: os.environ/MOCK_UPSTREAM_KEY}}]}}\n"
            f"  - {{name: bench-sse, deployments: [{{model: openai/bench, api_base: \"http://127.0.0.1:{mock_port}/sse/v1\", api_key: os.environ/MOCK_UPSTREAM_KEY}}]}}\n"
            f"  - {{name: claude-json, deployments: [{{model: anthropic/claude-bench, api_base: \"http://127.0.0.1:{mock_port}/anthropic\", api_key: os.environ/MOCK_UPSTREAM_KEY}}]}}\n"
            f"  - {{name: claude-sse, deployments: [{{model: anthropic/claude-bench, api_base: \"http://127.0.0.1:{mock_port}/anthropic-sse\", api_key: os.environ/MOCK_UPSTREAM_KEY}}]}}\n"
            f"  - {{name: held, deployments: [{{model: openai/held, api_base: \"http://127.0.0.1:{held_mock.port}/v1\", api_key: os.environ/MOCK_UPSTREAM_KEY}}]}}\n"
            f"  - {{name: idle, deployments: [{{model: openai/mock-idle-120, api_base: \"http://127.0.0.1:{mock.port}/v1\", api_key: os.environ/MOCK_UPSTREAM_KEY}}]}}\n")
        log("starting gateway (2 workers)")
        stack = Stack(cfg, work / "stack", workers=2, extra_args=["--nginx-workers", str(NGINX_PROCS)])
        script = work / "post.lua"
        script.write_text(f"wrk.method = 'POST'\nwrk.body = {json.dumps(BODY)}\n"
                          "wrk.headers['Content-Type'] = 'application/json'\n"
                          f"wrk.headers['Authorization'] = 'Bearer {MASTER_KEY}'\n")
        stack_nginx = int((work / "stack" / "nginx.pid").read_text())
        groups = {
            "front nginx": family(stack_nginx),
            "routero workers": list(stack.worker_pids().values()),
            "mock nginx": family(instant.pid),
            "proxy nginx": family(proxy.pid),
        }
        if "floor" in SECTIONS and SECTIONS & {"overhead", "held"}:
            floor_bin = build_floor_worker(work)
        if "overhead" in SECTIONS:
            variants = [("a nginx->mock", f"http://127.0.0.1:{proxy_port}/v1/chat/completions", groups),
                        ("b nginx->routero->mock", f"{stack.base_url}/v1/chat/completions", groups)]
            floor_rows = []
            if floor_bin:
                log("starting the floor workers (answer, relay)")
                answer = floor_stack(floor_bin, cfg, work / "floor-answer", "", 64, stack.redis_url)
                floors.append(answer)
                relay = floor_stack(floor_bin, cfg, work / "floor-relay", f"http://127.0.0.1:{mock_port}", 64, stack.redis_url)
                floors.append(relay)
                floor_rows = [("c floor: answer", f"{answer.base_url}/v1/chat/completions", stack_groups(answer, "floor workers")),
                              ("d floor: relay", f"{relay.base_url}/v1/chat/completions", stack_groups(relay, "floor workers"))]
            for conns in (1, 32, 64):
                for name, url, measured in variants + (floor_rows if conns == 32 else []):
                    log(f"wrk -c{conns} {name}")
                    before = {g: cpu_seconds(p) for g, p in measured.items()}
                    rows[(name, conns)] = wrk(url, conns, script)
                    spent = {g: cpu_seconds(p) - before[g] for g, p in measured.items()}
                    requests = rows[(name, conns)]["rps"] * SECONDS
                    rows[(name, conns)]["cpu_us"] = {g: 1e6 * v / requests for g, v in spent.items() if v > 0}
            while floors:
                floors.pop().stop()
        worker_mem = {pid: proc_status(pid) for pid in stack.worker_pids().values()}

        if "translation" in SECTIONS:
            log("translation rows")
            for name, path, body in TRANSLATION_ROWS:
                row_script = work / f"{name.replace(' ', '_').replace('>', '-')}.lua"
                row_script.write_text(f"wrk.method = 'POST'\nwrk.body = {json.dumps(json.dumps(body))}\n"
                                      "wrk.headers['Content-Type'] = 'application/json'\n"
                                      f"wrk.headers['Authorization'] = 'Bearer {MASTER_KEY}'\n")
                workers = list(stack.worker_pids().values())
                before = cpu_seconds(workers)
                result = wrk(f"{stack.base_url}{path}", 32, row_script)
                result["worker_us"] = 1e6 * (cpu_seconds(workers) - before) / max(result["rps"] * SECONDS, 1)
                translated[name] = result

        if "ttfb" in SECTIONS:
            log("streaming TTFB")
            instant_body = {"model": "bench-sse", "stream": True, "messages": [{"role": "user", "content": "ttfb"}]}
            kept_proxy, kept_gateway = [], []
            for _ in range(3):
                kept_proxy += ttfb_kept(proxy_port, "/sse/v1/chat/completions", instant_body, "none", 100)
                kept_gateway += ttfb_kept(stack.port, "/v1/chat/completions", instant_body, MASTER_KEY, 100)
            kept = (kept_proxy, kept_gateway)
            direct = ttfb(mock.port, "/v1/chat/completions",
                          {"model": "mock-echo", "stream": True, "messages": [{"role": "user", "content": "ttfb"}]}, MOCK_KEY)
            via = ttfb(stack.port, "/v1/chat/completions",
                       {"model": "stream", "stream": True, "messages": [{"role": "user", "content": "ttfb"}]}, MASTER_KEY)

        if "held" in SECTIONS:
            if NGINX_PROCS > 1:
                log(f"the open-file hard limit is below {NGINX_FDS_NEEDED}: every nginx under test "
                    f"runs {NGINX_PROCS} worker processes")
            redis_pid = int((work / "stack" / "redis.pid").read_text())
            trees = {
                "nginx proxy_pass": (proxy_port, "/held/v1/chat/completions", "none", {"nginx": lambda: family(proxy.pid)}),
                "routero": (stack.port, "/v1/chat/completions", MASTER_KEY,
                            {"nginx": lambda: family(stack_nginx), "workers": lambda: list(stack.worker_pids().values()),
                             "redis": lambda: [redis_pid]}),
            }
            if floor_bin:
                log("starting the floor workers (held)")
                held_floor = floor_stack(floor_bin, cfg, work / "floor-held", f"http://127.0.0.1:{held_mock.port}",
                                         max(HELD) // 2 + 200, stack.redis_url)
                floors.append(held_floor)
                floor_nginx = int((held_floor.state / "nginx.pid").read_text())
                trees["floor"] = (held_floor.port, "/v1/chat/completions", "none",
                                  {"nginx": lambda: family(floor_nginx),
                                   "workers": lambda: list(held_floor.worker_pids().values())})
            for k in HELD:
                for name, (port, path, auth, parts) in trees.items():
                    log(f"held streams: {k} via {name} (~{HELD_CHUNKS + 10} s)")
                    held[(k, name)] = held_run(port, path, auth, k, parts, work / "held.json")
                    time.sleep(2)  # let closed connections settle before the next run
        while floors:
            floors.pop().stop()
        stack.stop()
        stack = None

        if "idle" in SECTIONS:
            log(f"{STREAMS} idle streams against one worker")
            idle_stack = Stack(cfg, work / "idle", workers=1)
            wpid = idle_stack.worker_pids()[1]
            before = proc_status(wpid)
            t0 = time.time()
            ok, socks = idle_streams(idle_stack.port, STREAMS)
            ramp = time.time() - t0
            time.sleep(1)
            holding = proc_status(wpid)
            for s in socks:
                s.close()
            time.sleep(2)
            idle = (ok, ramp, before, holding, proc_status(wpid))
    finally:
        for s in (*floors, stack, idle_stack):
            if s is not None:
                try:
                    s.stop()
                except AssertionError as exc:
                    log(f"stop: {exc}")
        if mock:
            mock.stop()
        if held_mock:
            held_mock.stop()
        for n in (instant, proxy):
            if n:
                n.send_signal(3)  # SIGQUIT
                n.wait(10)

    # ------------------------------------------------------------------ report
    print()
    print(f"Routero bench ({os.cpu_count()} CPUs, everything on one box: compare ratios) -- wrk {SECONDS}s per row, cache off")
    print(f"load average at the start of the report: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if rows:
        print(f"{'variant':<26}{'conc':>5}{'req/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}  errors")
        for (name, conns), r in rows.items():
            print(f"{name:<26}{conns:>5}{r['rps']:>11.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['non2xx']:>9}  {r['errors']}")
        for conns in (1, 32, 64):
            a, b = rows[("a nginx->mock", conns)], rows[("b nginx->routero->mock", conns)]
            print(f"ratio b/a at c={conns}: throughput {b['rps'] / a['rps']:.2f}x, p50 {b['p50'] / a['p50']:.1f}x")
        print("CPU per request (us), from /proc utime+stime over each wrk run:")
        for (name, conns), r in rows.items():
            parts = ", ".join(f"{g} {v:.0f}" for g, v in r.get("cpu_us", {}).items())
            print(f"  {name:<24} c={conns:<3} {parts}")
        for conns in (1, 32, 64):
            a = rows[("a nginx->mock", conns)]["cpu_us"]
            b = rows[("b nginx->routero->mock", conns)]["cpu_us"]
            # The proxy's own cost: nginx proxy_pass alone vs front nginx + Routero (the mock excluded).
            pa = a.get("proxy nginx", 0)
            pb = b.get("front nginx", 0) + b.get("routero workers", 0)
            print(f"  non-streaming CPU us/request at c={conns}: nginx proxy_pass {pa:.0f}, routero (front nginx + workers) "
                  f"{pb:.0f}  ({pb / pa if pa > 0 else float('nan'):.1f}x)")
        floor_answer, floor_relay = rows.get(("c floor: answer", 32)), rows.get(("d floor: relay", 32))
        if floor_answer and floor_relay:
            pa = rows[("a nginx->mock", 32)]["cpu_us"].get("proxy nginx", 0)
            b32 = rows[("b nginx->routero->mock", 32)]["cpu_us"]
            pb = b32.get("front nginx", 0) + b32.get("routero workers", 0)
            fa, fr = (sum(r["cpu_us"].values()) for r in (floor_answer, floor_relay))
            print(f"  the shape's floor at c=32 (front nginx + floor workers, us/request): no upstream call {fa:.0f} "
                  f"({fa / pa if pa > 0 else float('nan'):.1f}x nginx proxy_pass), relaying the mock {fr:.0f} "
                  f"({fr / pa if pa > 0 else float('nan'):.1f}x); routero {pb:.0f} is {pb / fr if fr > 0 else float('nan'):.1f}x the floor")
        a1, b1 = rows[("a nginx->mock", 1)], rows[("b nginx->routero->mock", 1)]
        print(f"added p50 latency at c=1: {b1['p50'] - a1['p50']:.3f} ms")
        print("worker RSS after load: " + ", ".join(f"pid {p}: {m['rss_mb']:.1f} MB / {m['threads']} threads"
                                                    for p, m in worker_mem.items()))
    if translated:
        print()
        print(f"translation at c=32 (routero worker CPU; streams carry {CHUNKS} content events)")
        print(f"{'row':<30}{'req/s':>9}{'non-2xx':>9}{'us/request':>12}{'us/chunk':>10}{'vs passthrough':>16}")
        for name, r in translated.items():
            stream = name.endswith("stream")
            base = translated["openai>openai stream" if stream else "openai>openai json"]["worker_us"]
            per_chunk = f"{r['worker_us'] / CHUNKS:.1f}" if stream else ""
            print(f"{name:<30}{r['rps']:>9.0f}{r['non2xx']:>9}{r['worker_us']:>12.0f}{per_chunk:>10}"
                  f"{r['worker_us'] / base:>15.2f}x")
    if kept is not None:
        proxy_t, gateway_t = kept
        print()
        print(f"streaming TTFB on one kept connection, {len(proxy_t)} streams each (instant SSE upstream, first data: byte)")
        print(f"  nginx proxy_pass  p50 {statistics.median(proxy_t):7.3f} ms   p99 {pct(proxy_t, 99):7.3f} ms")
        print(f"  via gateway       p50 {statistics.median(gateway_t):7.3f} ms   p99 {pct(gateway_t, 99):7.3f} ms"
              f"   added p50 {statistics.median(gateway_t) - statistics.median(proxy_t):.3f} ms")
    if direct is not None:
        print()
        print(f"streaming TTFB over {len(direct)} requests (python mock, first data: byte)")
        print(f"  direct      p50 {statistics.median(direct):7.2f} ms   max {max(direct):7.2f} ms")
        print(f"  via gateway p50 {statistics.median(via):7.2f} ms   max {max(via):7.2f} ms"
              f"   added p50 {statistics.median(via) - statistics.median(direct):.2f} ms")
    if held:
        print()
        print(f"held streams: {HELD_CHUNKS} chunks 1 s apart, one connection each, opened over 5 s; "
              "CPU of the whole process tree" + (f"; nginx worker processes {NGINX_PROCS}" if NGINX_PROCS > 1 else ""))
        print(f"{'streams':>8} {'via':<17}{'exact':>12}{'CPU ms/stream':>14}{'gap p50':>9}{'p99':>8}{'max':>8}"
              f"{'TTFT p50':>10}{'max':>8}{'peak RSS MB':>12}{'load':>6}")
        for (k, name), r in held.items():
            g, t = r["gaps_ms"], r["ttft_ms"]
            print(f"{k:>8} {name:<17}{r['exact']:>6}/{k:<5}{r['cpu_ms_per_stream']:>14.2f}{pct(g, 50):>9.0f}"
                  f"{pct(g, 99):>8.0f}{max(g, default=float('nan')):>8.0f}{pct(t, 50):>10.1f}"
                  f"{max(t, default=float('nan')):>8.1f}{r['peak_rss_mb']:>12.0f}{r['load']:>6.1f}")
            if len(r["parts"]) > 1:
                print(f"{'':>9}CPU ms/stream by part: " + ", ".join(f"{n} {v:.2f}" for n, v in r["parts"].items()))
            if r["failed"]:
                print(f"{'':>9}failures: {sorted(set(r['failed']))[:3]}")
        for k in HELD:
            a, b = held.get((k, "nginx proxy_pass")), held.get((k, "routero"))
            if a and b and a["cpu_ms_per_stream"] > 0:
                print(f"  {k} streams: routero/nginx CPU per stream {b['cpu_ms_per_stream'] / a['cpu_ms_per_stream']:.1f}x")
            f = held.get((k, "floor"))
            if a and b and f and a["cpu_ms_per_stream"] > 0 and f["cpu_ms_per_stream"] > 0:
                print(f"  {k} streams: floor/nginx {f['cpu_ms_per_stream'] / a['cpu_ms_per_stream']:.1f}x, "
                      f"routero/floor {b['cpu_ms_per_stream'] / f['cpu_ms_per_stream']:.2f}x")
        try:
            frames = async_frames.frame_sizes(str(worker_binary()))[:3]
            print("  largest async frames (heap per call, held by every open stream): "
                  + ", ".join(f"{size:,} B" for size, _ in frames) + " (Tests/bench/async_frames.py names them)")
        except (OSError, subprocess.CalledProcessError) as error:
            log(f"async frame sizes skipped: {error}")
    if idle is not None:
        ok, ramp, before, holding, after = idle
        print()
        print(f"idle streams on ONE worker: {ok}/{STREAMS} streams open (ramp {ramp:.1f}s)")
        print(f"  before   RSS {before['rss_mb']:7.1f} MB  threads {before['threads']:5}")
        print(f"  holding  RSS {holding['rss_mb']:7.1f} MB  threads {holding['threads']:5}"
              f"   (+{(holding['rss_mb'] - before['rss_mb']) * 1024 / max(ok, 1):.1f} KB per stream)")
        print(f"  closed   RSS {after['rss_mb']:7.1f} MB  threads {after['threads']:5}")
    print(f"total bench time {time.time() - started:.0f}s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
