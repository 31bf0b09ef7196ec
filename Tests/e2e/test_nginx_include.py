"""nginx/routero.conf included into a host's EXISTING server block, installed as documented
(routero.conf and routero-location.conf in <prefix>/snippets/, `include snippets/routero.conf;`):
Routero's paths and JSON error bodies work, and the host's own locations keep nginx's behaviour
(its HTML error pages, not Routero's JSON)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from helpers import REPO, free_port, raw_request

# A typical host server: its own locations, and Routero's include among them.
HOST_CONF = """
{user}
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    fastcgi_temp_path     {prefix}/tmp/fastcgi;
    proxy_temp_path       {prefix}/tmp/proxy;
    uwsgi_temp_path       {prefix}/tmp/uwsgi;
    scgi_temp_path        {prefix}/tmp/scgi;

    upstream routero_workers {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{port};
        server_name host.test;

        location /host/502 {{ return 502; }}
        location /host/upload {{ client_max_body_size 1k; return 200 "uploaded\\n"; }}
        location / {{ default_type text/plain; return 200 "host\\n"; }}

        include snippets/routero.conf;
    }}
}}
"""


class HostNginx:
    """A second nginx of our own, configured as a host that includes Routero's locations."""

    def __init__(self, prefix: Path, sockets: list[Path]):
        self.prefix, self.port = prefix, free_port()
        (prefix / "snippets").mkdir(parents=True)
        (prefix / "tmp").mkdir()
        # The documented install: fastcgi_params at the prefix (as /etc/nginx/fastcgi_params),
        # the Routero snippets under snippets/ (relative includes resolve against the prefix).
        shutil.copy(REPO / "nginx/fastcgi_params", prefix)
        for name in ("routero.conf", "routero-location.conf"):
            shutil.copy(REPO / "nginx" / name, prefix / "snippets")
        servers = "\n".join(f"        server unix:{s} max_fails=0;" for s in sockets)
        # As root nginx would run its workers as "nobody", which cannot reach pytest's 0700 dirs.
        user = "user root;" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(HOST_CONF.format(user=user, prefix=prefix, port=self.port,
                                                            servers=servers))
        self.proc = subprocess.Popen(["nginx", "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"),
                                      "-e", str(prefix / "error.log")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"host nginx exited {self.proc.returncode}: {self.proc.stderr.read()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError("host nginx did not start listening within 10 s")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)      # graceful, as deploy/run stops its nginx
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def assert_nginx_html_error(status: int, headers: dict, body: bytes, expected: int) -> None:
    assert status == expected
    assert headers["content-type"].startswith("text/html"), (headers, body[:200])
    assert b"<html>" in body and b'"error"' not in body


def assert_routero_json_error(status: int, headers: dict, body: bytes, expected: int, code: str) -> None:
    assert status == expected
    assert headers["content-type"].startswith("application/json"), (headers, body[:200])
    assert json.loads(body)["error"]["code"] == code


def test_include_serves_routero_and_leaves_host_locations_alone(stack, tmp_path):
    """Through the host's nginx: Routero's paths reach the workers and nginx's own 413 there is
    Routero's JSON; the host's locations keep nginx's HTML 502/413 pages and their own answers."""
    host = HostNginx(tmp_path / "host", [stack.state / "w1.sock", stack.state / "w2.sock"])
    try:
        # The host's own locations: nginx's behaviour, untouched by the include.
        assert raw_request(host.port, "GET", "/")[2] == b"host\n"
        assert_nginx_html_error(*raw_request(host.port, "GET", "/host/502"), 502)
        assert_nginx_html_error(*raw_request(host.port, "POST", "/host/upload", b"x" * 4096), 413)

        # Routero's locations reach the workers.
        assert raw_request(host.port, "GET", "/health", headers={"Authorization": None})[0] == 200
        status, _, body = raw_request(host.port, "GET", "/v1/models")
        assert status == 200 and json.loads(body)["object"] == "list"
        # The worker answers these (whatever it makes of the request), not the host's `location /`.
        for path in ("/v1beta/models/x:generateContent", "/openai/deployments/x/chat/completions"):
            status, headers, body = raw_request(host.port, "POST", path, b"{}")
            assert headers["content-type"].startswith("application/json"), (path, status, body[:200])
            json.loads(body)
        # nginx's own 413 on a Routero location: Routero's JSON body.
        assert_routero_json_error(*raw_request(host.port, "POST", "/v1/chat/completions",
                                               b"x" * (33 * 1024 * 1024)), 413, "request_too_large")
    finally:
        host.stop()


def test_include_json_502_only_on_routero_locations(tmp_path):
    """No worker reachable: Routero's locations answer the JSON 502, the host's stay HTML."""
    host = HostNginx(tmp_path / "host", [tmp_path / "no-such-worker.sock"])
    try:
        for path in ("/v1/chat/completions", "/v1beta/models/x:generateContent",
                     "/openai/deployments/x/chat/completions"):
            assert_routero_json_error(*raw_request(host.port, "POST", path, b"{}"), 502, "bad_gateway")
        assert_routero_json_error(*raw_request(host.port, "GET", "/health"), 502, "bad_gateway")
        assert_nginx_html_error(*raw_request(host.port, "GET", "/host/502"), 502)
    finally:
        host.stop()
