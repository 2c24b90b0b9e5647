"""How many processes gunicorn_conf.py lets the dashboard run: several only with a store
they share (CACHE_URL=redis://...). Claim locks, cached sessions and the accounts'
generation live in Django's cache; in one process's memory, a second process would not
see them (two users both told they claimed a study; a logout in one process not ending
the session in another).
"""

import multiprocessing
import runpy
import subprocess
import sys
import time
from types import SimpleNamespace

import httpx
import pytest

from .servers import ROOT, START_SECONDS, VENV_BIN, clean_environ, free_port

CONF = ROOT / "dashboard" / "gunicorn_conf.py"
GUNICORN = str(VENV_BIN / "gunicorn")
SHARED_DEFAULT = min(2 * multiprocessing.cpu_count() + 1, 8)


def conf(monkeypatch, **environ: str) -> dict:
    """gunicorn_conf.py's settings as gunicorn reads them, under this environment."""
    for name in ("CACHE_URL", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def starting(settings: dict, app: str, workers: int) -> None:
    server = SimpleNamespace(app=SimpleNamespace(app_uri=app), num_workers=workers)
    settings["_check_shared_store"](server)


@pytest.mark.parametrize(
    ("cache_url", "workers", "threads"),
    [
        (None, 1, 8),
        ("locmemcache://", 1, 8),
        ("filecache:///tmp/triage-cache", 1, 8),  # add() is not atomic across processes
        ("redis://127.0.0.1:6379/0", SHARED_DEFAULT, 4),
    ],
)
def test_the_default_is_one_process_unless_the_store_is_shared(
    monkeypatch, cache_url, workers, threads
):
    settings = conf(monkeypatch, **({"CACHE_URL": cache_url} if cache_url else {}))
    assert (settings["workers"], settings["threads"]) == (workers, threads)


def test_several_dashboard_processes_without_a_shared_store_are_refused(monkeypatch):
    settings = conf(monkeypatch, WEB_CONCURRENCY="3")
    with pytest.raises(RuntimeError, match="WEB_CONCURRENCY=3 needs a shared store"):
        starting(settings, "dashboard.wsgi:application", 3)


@pytest.mark.parametrize(
    ("cache_url", "app", "workers"),
    [
        ("redis://127.0.0.1:6379/0", "dashboard.wsgi", 4),  # shared: any number
        (None, "dashboard.wsgi", 1),  # one process shares its own memory
        (None, "sandbox.wsgi:application", 2),  # the sandbox keeps nothing in the cache
    ],
)
def test_what_is_allowed_starts(monkeypatch, cache_url, app, workers):
    settings = conf(monkeypatch, **({"CACHE_URL": cache_url} if cache_url else {}))
    starting(settings, app, workers)  # does not raise


def _environ(**extra: str) -> dict[str, str]:
    return clean_environ() | {
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "0",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def test_gunicorn_itself_stops_with_the_reason_before_any_worker_starts(tmp_path):
    port = free_port()
    done = subprocess.run(  # noqa: S603 (our own gunicorn and config)
        [GUNICORN, "-c", str(CONF), "--no-control-socket", "dashboard.wsgi"],
        cwd=ROOT,
        env=_environ(WEB_CONCURRENCY="2", GUNICORN_BIND=f"127.0.0.1:{port}"),
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )
    assert done.returncode == 1
    assert "WEB_CONCURRENCY=2 needs a shared store: set CACHE_URL=redis://" in done.stderr
    assert "Booting worker" not in done.stderr


def test_the_sandbox_still_serves_from_two_processes(tmp_path):
    port = free_port()
    environ = _environ(
        WEB_CONCURRENCY="2",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        SANDBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dashboard.sqlite3'}",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--database", "sandbox", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=environ,
        check=True,
        timeout=START_SECONDS,
    )
    log = tmp_path / "sandbox.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [GUNICORN, "-c", str(CONF), "--no-control-socket", "sandbox.wsgi:application"],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        answer = _first_answer(f"http://127.0.0.1:{port}/openapi.json", process)
        booted = _wait_for(lambda: log.read_text().count("Booting worker") == 2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert answer == 200
    assert booted, log.read_text()


def _wait_for(condition, seconds: float = START_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _first_answer(url: str, process: subprocess.Popen) -> int | None:
    status = None

    def answered() -> bool:
        nonlocal status
        assert process.poll() is None, "the sandbox exited at start"
        try:
            status = httpx.get(url, timeout=2).status_code
        except httpx.HTTPError:
            return False
        return True

    _wait_for(answered)
    return status
