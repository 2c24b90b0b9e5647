"""Serving the sandbox and the dashboard under gunicorn on free loopback ports.

Each server gets a socket this process binds to 127.0.0.1:0 and hands over as
`fd://N` (no window in which another process could take the port), runs in its own
process group and session (so a Ctrl-C in the terminal reaches only this script, which
then stops them), and is always stopped by `Stack.close()`: SIGQUIT (gunicorn's quick
shutdown) to the whole group, then SIGKILL for anything left after a few seconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

# The sandbox's documented development key (sandbox/README.md): the dashboard and the
# raw calls use the same one.
API_KEY = "sk_sandbox_dev_0123456789abcdef"
ACCESS_LOG_FORMAT = "%(m)s\t%(U)s\t%(q)s\t%(s)s\t%(a)s"
# Variables that would change what is measured: never inherited from the caller.
_STRIPPED_PREFIXES = ("AVARA_", "SANDBOX_", "DJANGO_", "GUNICORN_")
# gunicorn 27 opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl),
# which every gunicorn on the machine would share: the bench's servers need none.
_FIXED = ("--no-control-socket",)
_STRIPPED = {"WEB_CONCURRENCY", "DATABASE_URL", "CACHE_URL", "PORT", "FORWARDED_ALLOW_IPS"}


def clean_env(root: Path, databases: dict[str, str]) -> dict[str, str]:
    """The environment every Django process of the bench starts from (the dashboard's;
    the sandbox's processes add SANDBOX_SETTINGS)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_STRIPPED_PREFIXES) and k not in _STRIPPED
    }
    env.update(databases)
    env.update(
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        DJANGO_ENV="development",
        DJANGO_DEBUG="0",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONPATH=str(root),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


# The sandbox runs with its own settings; its one log line per request is left out, as
# the dashboards' are (DJANGO_LOG_LEVEL): writing them would be part of what is measured.
SANDBOX_SETTINGS = {"DJANGO_SETTINGS_MODULE": "sandbox.settings", "SANDBOX_LOG_LEVEL": "WARNING"}


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    stderr: Path
    access_log: Path | None

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.stderr.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


class Stack:
    """The processes one bench run started; `close()` stops every one of them."""

    def __init__(self, *, root: Path, tmp: Path, env: dict[str, str]) -> None:
        self.root, self.tmp, self.env = root, tmp, env
        self.servers: list[Server] = []
        self.gunicorn = str(Path(sys.executable).with_name("gunicorn"))

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self, name: str, args: list[str], env: dict[str, str], log: Path | None) -> Server:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        sock.set_inheritable(True)
        port = sock.getsockname()[1]
        stderr = self.tmp / f"{name}.log"
        with stderr.open("wb") as err:
            process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
                [self.gunicorn, "--bind", f"fd://{sock.fileno()}", *_FIXED, *args],
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                pass_fds=(sock.fileno(),),
                start_new_session=True,
                preexec_fn=_die_with_parent,  # servers start before any thread does
            )
        sock.close()
        server = Server(name, process, f"http://127.0.0.1:{port}", stderr, log)
        self.servers.append(server)
        return server

    def sandbox(
        self, name: str, *, fault_rate: float = 0.0, workers: int = 2, database: str = ""
    ) -> Server:
        """The sandbox (sandbox.wsgi, its own settings), with an access log to count
        upstream calls; `database` (a URL) instead of the bench's shared sandbox database."""
        log = self.tmp / f"{name}.access.log"
        env = {**self.env, **SANDBOX_SETTINGS, "SANDBOX_FAULT_RATE": str(fault_rate)}
        if database:
            env["SANDBOX_DATABASE_URL"] = database
        args = [
            *("--workers", str(workers), "--worker-class", "gthread", "--threads", "4"),
            *("--access-logfile", str(log), "--access-logformat", ACCESS_LOG_FORMAT),
            *("--max-requests", "0", "--log-level", "warning", "sandbox.wsgi:application"),
        ]
        return self._spawn(name, args, env, log)

    def redis(self) -> str | None:
        """A private Redis (no persistence) on a free loopback port, for the dashboards'
        shared store; None when redis-server is not installed."""
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.access(binary, os.X_OK):
            return None
        for _ in range(5):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
            args += ["no", "--dir", str(self.tmp), "--databases", "16"]
            stderr = self.tmp / "redis.log"
            with stderr.open("wb") as err:
                process = subprocess.Popen(  # noqa: S603 (Debian's redis-server, fixed args)
                    [binary, *args],
                    stdin=subprocess.DEVNULL,
                    stdout=err,
                    stderr=err,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,
                )
            server = Server("redis", process, f"redis://127.0.0.1:{port}", stderr, None)
            self.servers.append(server)
            if _redis_answers(port, process):
                return server.url
        raise RuntimeError(f"redis-server did not start:\n{server.tail()}")

    def dashboard(
        self,
        name: str,
        *,
        upstream: Server,
        cache_url: str | None = None,
        settings: dict | None = None,
    ) -> Server:
        """The dashboard under gunicorn_conf.py, DEBUG off: with a shared store
        (`cache_url`), 2 processes x 4 threads, as the issue's first figures were taken;
        without one, one process of 8 threads (gunicorn_conf.py allows several only with a
        shared store). `settings` overrides environment settings (e.g. sharing off)."""
        env = {
            **self.env,
            **(
                {"CACHE_URL": cache_url, "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4"}
                if cache_url
                else {"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "8"}
            ),
            "GUNICORN_ACCESS_LOG": "",
            # Workers are not recycled during the run, so the memory read at the end is
            # that of a worker that served the whole run.
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_LOG_LEVEL": "warning",
            "AVARA_BASE_URL": upstream.url,
            "AVARA_API_KEY": API_KEY,
            **(settings or {}),
        }
        config = str(self.root / "dashboard" / "gunicorn_conf.py")
        return self._spawn(name, ["-c", config, "dashboard.wsgi:application"], env, None)

    def wait_ready(self, server: Server, path: str, *, headers=None, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=server.url, headers=headers, timeout=5) as client:
            while time.monotonic() < deadline:
                if not server.alive():
                    raise RuntimeError(f"{server.name} exited at start:\n{server.tail()}")
                try:
                    if client.get(path).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"{server.name} was not ready within {timeout:.0f} s:\n{server.tail()}")

    def close(self) -> None:
        """Stop every server; a Ctrl-C meanwhile is held until they are all stopped."""
        held: list[int] = []
        stopping = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {
            sig: signal.signal(sig, lambda sig, frame: held.append(sig)) for sig in stopping
        }
        try:
            self._stop_all()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if held:
            raise KeyboardInterrupt(f"signal {held[0]} while stopping the servers")

    def _stop_all(self) -> None:
        for server in self.servers:
            # SIGQUIT is gunicorn's quick shutdown; Redis stops on SIGTERM.
            quick = signal.SIGTERM if server.name == "redis" else signal.SIGQUIT
            _signal_group(server.process, quick)
        deadline = time.monotonic() + 8
        for server in self.servers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(server.process, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.process.wait(timeout=5)
        self.servers.clear()


def _redis_answers(port: int, process: subprocess.Popen, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as c:
            c.sendall(b"PING\r\n")
            if c.recv(16).startswith(b"+PONG"):
                return True
        time.sleep(0.05)
    return False


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Even if the bench is killed outright (SIGKILL), its gunicorn masters get SIGQUIT
    (Linux only; gunicorn's workers leave when their master goes)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGQUIT)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the server's process group (its master and workers), which we created."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _workers(server: Server):
    """(pid, /proc/pid/status as a dict) of each gunicorn worker of a server: the
    master's child processes."""
    master = str(server.process.pid)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == master:
            yield int(entry.name), fields


def worker_rss_kib(server: Server) -> dict[int, int]:
    """VmRSS (KiB) of each gunicorn worker of a server."""
    return {
        pid: int(fields["VmRSS"].split()[0])
        for pid, fields in _workers(server)
        if "VmRSS" in fields
    }


def worker_cpu_ticks(server: Server) -> dict[int, int]:
    """CPU time (user + system, in clock ticks) each gunicorn worker of a server has
    used so far; a worker that left in between is simply missing."""
    found = {}
    for pid, _ in _workers(server):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (name)"
        found[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return found
