"""How many processes gunicorn_conf.py lets the dashboard run: several only with a store
they share (CACHE_URL=redis://...). Claim locks, cached sessions and the accounts'
generation live in Django's cache; in one process's memory, a second process would not
see them (two users both told they claimed a study; a logout in one process not ending
the session in another).
"""

import multiprocessing
import runpy
import subprocess
import time
from types import SimpleNamespace

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


LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "studies.infra.redis_cache.RedisCache"


@pytest.mark.parametrize(
    ("cache_url", "workers", "threads"),
    [
        (None, 1, 8),
        ("locmemcache://", 1, 8),
        ("filecache:///tmp/triage-cache", 1, 8),  # add() is not atomic across processes
        ("dbcache://triage_cache", 1, 8),  # nor is it there, on an expired row
        ("redis://127.0.0.1:6379/0", SHARED_DEFAULT, 4),
        ("rediss://cache.example:6380/0", SHARED_DEFAULT, 4),
    ],
)
def test_the_default_is_one_process_unless_the_store_is_shared(
    monkeypatch, cache_url, workers, threads
):
    settings = conf(monkeypatch, **({"CACHE_URL": cache_url} if cache_url else {}))
    assert (settings["workers"], settings["threads"]) == (workers, threads)


@pytest.mark.parametrize(
    ("workers", "backend", "refused"),
    [
        (3, LOCMEM, True),
        (2, LOCMEM, True),
        (2, "django.core.cache.backends.db.DatabaseCache", True),
        (2, "django.core.cache.backends.filebased.FileBasedCache", True),
        (4, REDIS, False),  # shared: any number
        (4, "django.core.cache.backends.redis.RedisCache", False),
        (1, LOCMEM, False),  # one process shares its own memory
    ],
)
def test_the_rule(monkeypatch, workers, backend, refused):
    """(gunicorn_conf.py serves only the dashboard: the sandbox is served with settings
    and a command line of its own, and keeps nothing in a cache.)"""
    reason = conf(monkeypatch)["_refusal"](workers, backend)
    assert (reason is not None) is refused
    if refused:
        assert f"{workers} dashboard processes (WEB_CONCURRENCY or -w) need a shared store" in (
            reason
        )


def test_more_processes_at_run_time_are_held_to_the_rule(monkeypatch):
    """SIGTTIN adds a process after the start: without a shared store, it is undone."""
    settings = conf(monkeypatch)
    hook = settings["nworkers_changed"]
    hook.__globals__["_backend"] = LOCMEM  # as on_starting read it
    errors = []
    server = SimpleNamespace(
        num_workers=2,
        log=SimpleNamespace(error=lambda *args: errors.append(args)),
    )

    hook(server, 2, 1)

    assert server.num_workers == 1
    assert errors and "need a shared store" in errors[0][-1]
    hook.__globals__["_backend"] = REDIS
    server.num_workers = 3
    hook(server, 3, 2)
    assert server.num_workers == 3


def _environ(**extra: str) -> dict[str, str]:
    return clean_environ() | {
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "0",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@pytest.mark.parametrize(
    ("environ", "options"),
    [
        ({"WEB_CONCURRENCY": "2"}, []),
        # The store the workers will use counts, not the one the shell had: -e wins.
        ({"CACHE_URL": "redis://127.0.0.1:1/0"}, ["-w", "2", "-e", "CACHE_URL=locmemcache://"]),
    ],
)
def test_gunicorn_itself_stops_with_the_reason_before_any_worker_starts(tmp_path, environ, options):
    port = free_port()
    done = subprocess.run(  # noqa: S603 (our own gunicorn and config)
        [GUNICORN, "-c", str(CONF), "--no-control-socket", *options, "dashboard.wsgi"],
        cwd=ROOT,
        env=_environ(GUNICORN_BIND=f"127.0.0.1:{port}", **environ),
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )
    assert done.returncode == 1
    assert "2 dashboard processes (WEB_CONCURRENCY or -w) need a shared store" in done.stderr
    assert "Booting worker" not in done.stderr


def test_a_shared_store_given_with_e_lets_several_processes_start(tmp_path):
    """Redis named only on gunicorn's command line (-e) counts too (nothing connects to
    it until a request comes)."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn and config)
            [
                *(GUNICORN, "-c", str(CONF), "--no-control-socket", "-w", "2"),
                *("-e", "CACHE_URL=redis://127.0.0.1:1/0", "dashboard.wsgi"),
            ],
            cwd=ROOT,
            env=_environ(GUNICORN_BIND=f"127.0.0.1:{port}"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        booted = _wait_for(lambda: log.read_text().count("Booting worker") == 2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert booted, log.read_text()


def _wait_for(condition, seconds: float = START_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
