"""nginx (Debian's package) on 127.0.0.1 in front of another server, the way teams deploy it:
`gzip on` for JSON and event streams, with or without proxy_buffering. Started by the tests
and the nginx benchmark; `make nginx` installs the package.

    with NginxPeer("http://127.0.0.1:8080", buffering=False) as url: ...
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

CONF = """\
worker_processes 1;
master_process off;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    gzip on;
    gzip_types application/json text/event-stream;
    gzip_min_length 1;
    gzip_proxied any;
    upstream backend {{ server {upstream}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering {buffering};
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NginxPeer:
    """Context manager: yields the root URL of nginx proxying to `upstream_root` (no /v1)."""

    def __init__(self, upstream_root: str, buffering: bool):
        self.upstream = urlsplit(upstream_root).netloc
        self.buffering = buffering
        self.port = _free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="paramlab-nginx-")
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed: `make nginx` (root) or apt-get install nginx-light")
        d = Path(self._dir.name)
        conf = d / "nginx.conf"
        conf.write_text(CONF.format(d=d, upstream=self.upstream, port=self.port,
                                    buffering="on" if self.buffering else "off"))
        self._proc = subprocess.Popen([binary, "-p", str(d), "-c", str(conf)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if self._proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self._proc.stderr.read().decode(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self.url
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening within 10 s")

    def __exit__(self, *exc) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        self._dir.cleanup()
