"""The sandbox as a separate server process, for tests that need real concurrency.

The in-process live server shares one connection to the in-memory SQLite test
database between its threads, so it cannot show what concurrent writers do. Here
gunicorn serves `sandbox.wsgi` (2 worker processes x 8 threads, like production) on
a private database of the engine under test:

- SQLite (the default): a file in a private temporary directory;
- PostgreSQL, when SANDBOX_DATABASE_URL is a postgres:// URL (the `stores` run): a
  fresh database next to the one that URL names, dropped afterwards.

The database is migrated before the server starts; tests start from a clean state
through the control plane (`POST /_sandbox/reset`).
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")
START_TIMEOUT_S = 60


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
    name = f"{config['NAME']}_served_{os.getpid()}"[:63]
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


def _environment(workdir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env |= {
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "0",
        "SANDBOX_ENABLED": "1",
        "SANDBOX_DATABASE_URL": database_url,
        # The dashboard's own database is never touched by the sandbox; keep it private.
        "DATABASE_URL": f"sqlite:///{workdir / 'dashboard.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    return env


@contextmanager
def served_sandbox() -> Iterator[str]:
    """Base URL of a gunicorn-served sandbox on a private, migrated database."""
    with tempfile.TemporaryDirectory(prefix="sandbox-served-") as tmp:
        workdir = Path(tmp)
        with _private_database(workdir) as database_url:
            env = _environment(workdir, database_url)
            migrate = [sys.executable, "manage.py", "migrate", "--database", "sandbox", "-v", "0"]
            subprocess.run(migrate, cwd=ROOT, env=env, check=True)  # noqa: S603
            with _gunicorn(workdir, env) as url:
                yield url


@contextmanager
def _gunicorn(workdir: Path, env: dict[str, str]) -> Iterator[str]:
    log = workdir / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "sandbox.wsgi",
        "--bind", "127.0.0.1:0", "--workers", "2", "--threads", "8",
        "--worker-class", "gthread", "--log-level", "info", "--error-logfile", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    try:
        yield _wait_for_url(process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_url(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    booted = 0
    url = None
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        found = LISTENING.search(text)
        url = found[1] if found else None
        booted = text.count("Booting worker")
        if url and booted >= 2:
            return url
        if process.poll() is not None:
            break
        time.sleep(0.1)
    text = log.read_text() if log.exists() else "(no log)"
    raise RuntimeError(f"gunicorn did not start the sandbox:\n{text[-4000:]}")
