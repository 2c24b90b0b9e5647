"""The sandbox served in a process of its own, with its own settings, on a private database.

Both suites use it (tests/support is on both suites' pythonpath):

- the sandbox's own (tests/sandbox/conftest.py, `served`): gunicorn, 2 processes x 8
  threads, for real concurrency between workers;
- the dashboard's (tests/conftest.py, `sandbox`): `python -m sandbox runsandbox`, as
  `make run` serves it, reached over HTTP only.

The database is nobody else's:

- SQLite (the default): a file in a private temporary directory;
- PostgreSQL, when SANDBOX_DATABASE_URL is a postgres:// URL (the `stores` pass): a
  fresh database next to the one that URL names, dropped afterwards.

It is migrated before the server starts; tests start from a known state through the
control plane (`POST /_sandbox/reset`). Each server gets a control key made up for it, so
no test leans on the development default. Every process started here is stopped by the
context manager that started it.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
import httpx

ROOT = Path(__file__).resolve().parents[2]
DEV_API_KEY = "sk_sandbox_dev_0123456789abcdef"  # the documented development key
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")
START_TIMEOUT_S = 60
_databases = itertools.count(1)


@dataclass(frozen=True)
class ServedSandbox:
    url: str
    control_key: str
    api_key: str = DEV_API_KEY


def _postgres_url() -> str | None:
    url = os.environ.get("SANDBOX_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://", "pgsql://")) else None


@contextmanager
def _private_database(workdir: Path) -> Iterator[str]:
    """A SANDBOX_DATABASE_URL for a database nobody else uses, removed afterwards."""
    base = _postgres_url()
    if base is None:
        yield f"sqlite:///{workdir / 'sandbox.sqlite3'}"
        return
    import psycopg

    config = environ.Env.db_url_config(base)
    name = f"{config['NAME']}_served_{os.getpid()}_{next(_databases)}"[:63]
    admin = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(database_url: str, control_key: str, extra: dict[str, str]) -> dict[str, str]:
    """The sandbox's settings only: nothing of the caller's Django or sandbox settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "SANDBOX_", "AVARA_", "PYTEST_"))
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "SANDBOX_ENV": "development",
        "SANDBOX_DATABASE_URL": database_url,
        "SANDBOX_CONTROL_KEY": control_key,
        "SANDBOX_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextmanager
def served_sandbox(
    *, server: str = "runsandbox", workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[ServedSandbox]:
    """A sandbox served on a free loopback port, on a private, migrated database:
    `server` "runsandbox" (python -m sandbox runsandbox, threaded) or "gunicorn"
    (sandbox.wsgi, `workers` processes x 8 threads). `env` adds sandbox settings."""
    control_key = "sk_sandbox_control_" + secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="sandbox-served-") as tmp:
        workdir = Path(tmp)
        with _private_database(workdir) as database_url:
            environment = _environment(database_url, control_key, env or {})
            migrate = [sys.executable, "-m", "sandbox", "migrate", "-v", "0"]
            subprocess.run(migrate, cwd=ROOT, env=environment, check=True)  # noqa: S603
            start = _gunicorn if server == "gunicorn" else _runsandbox
            with start(workdir, environment, workers) as url:
                yield ServedSandbox(url=url, control_key=control_key)


@contextmanager
def _running(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def _gunicorn(workdir: Path, env: dict[str, str], workers: int) -> Iterator[str]:
    log = workdir / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "sandbox.wsgi",
        "--bind", "127.0.0.1:0", "--workers", str(workers), "--threads", "8",
        "--worker-class", "gthread", "--log-level", "info", "--no-control-socket",
    ]  # fmt: skip
    with _running(command, env, log) as process:

        def started() -> str | None:
            text = log.read_text()
            found = LISTENING.search(text)
            return found[1] if found and text.count("Booting worker") >= workers else None

        yield _wait(process, log, started)


@contextmanager
def _runsandbox(workdir: Path, env: dict[str, str], workers: int) -> Iterator[str]:
    log = workdir / "runsandbox.log"
    url = f"http://127.0.0.1:{_free_port()}"
    command = [sys.executable, "-m", "sandbox", "runsandbox", url.removeprefix("http://")]
    with _running(command, env, log) as process:

        def started() -> str | None:
            try:
                answer = httpx.get(f"{url}/openapi.json", timeout=2)
            except httpx.HTTPError:
                return None
            return url if answer.status_code == 200 else None

        yield _wait(process, log, started)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(process: subprocess.Popen, log: Path, started) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        url = started()
        if url:
            return url
        time.sleep(0.1)
    text = log.read_text() if log.exists() else "(no log)"
    raise RuntimeError(f"the sandbox did not start:\n{text[-4000:]}")
