"""Real server processes for the operations tests: gunicorn started as the image starts it,
and a tiny stand-in for Avara's users endpoint (what /readyz probes).

Every process started here is stopped by the context manager that started it, by its
own pid; ports are free loopback ports chosen at start.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_environ() -> dict[str, str]:
    """This process's environment without any dashboard setting (those come from the test),
    with our virtualenv's executables first on PATH (where the image has its own)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "AVARA_", "GUNICORN_", "SANDBOX_", "PYTEST_"))
        and k not in {"DATABASE_URL", "CACHE_URL", "WEB_CONCURRENCY", "PORT"}
    }
    keep["PATH"] = f"{VENV_BIN}{os.pathsep}{keep.get('PATH', '')}"
    return keep


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()


@contextmanager
def serve(command: list[str], env: dict[str, str], *, log: Path, port: int) -> Iterator[Server]:
    """Run `command` (it must listen on 127.0.0.1:`port`) until /healthz answers; stop it after."""
    with serve_all([(command, env, log, port)]) as (server,):
        yield server


@contextmanager
def serve_all(specs: list[tuple[list[str], dict[str, str], Path, int]]) -> Iterator[list[Server]]:
    """Start several servers at once (command, env, log, port each), wait for all, stop all."""
    servers = []
    try:
        for command, env, log, port in specs:
            with log.open("wb") as out:
                process = subprocess.Popen(  # noqa: S603 - commands from our own Dockerfile
                    command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                )
            servers.append(Server(url=f"http://127.0.0.1:{port}", process=process, log=log))
        for server in servers:
            _wait_healthy(server.url, server.process, server.log)
        yield servers
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(
        f"the server did not answer /healthz in {START_SECONDS} s:\n{log.read_text()}"
    )


def json_lines(server: Server) -> list[dict]:
    """The server's output, each line parsed as JSON (fails on any line that is not)."""
    return [json.loads(line) for line in server.lines() if line.strip()]


# --- A stand-in for Avara: the users endpoint only ----------------------------------------


@dataclass
class FakeAvara:
    url: str
    requests: list[dict] = field(default_factory=list)


@contextmanager
def fake_avara() -> Iterator[FakeAvara]:
    """Answers GET /v1/viewer/users with an empty page and records each request's headers."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append({"path": self.path, "headers": dict(self.headers)})
            found = self.path.startswith("/v1/viewer/users")
            body = json.dumps({"users": [], "cursor": None, "hasMore": False}).encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeAvara(url=f"http://127.0.0.1:{server.server_address[1]}", requests=seen)
    finally:
        server.shutdown()
        server.server_close()
