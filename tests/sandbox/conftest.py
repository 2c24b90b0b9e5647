"""The sandbox's own suite, run with the sandbox's own settings (tests/sandbox/pytest.ini:
DJANGO_SETTINGS_MODULE=sandbox.settings; `pytest tests/sandbox`, `make test-sandbox`).

- `api` (Django's test client sending the development key), `anonymous` (no key),
  `control` (the control plane, with its key);
- `sandbox_live_server`: base URL of a threaded live server in this process running
  SandboxWSGIHandler on the test database (a test using it gets transactional access,
  so rows made with the factories are visible to the server); `sandbox_api_key`;
- `sandbox_factory`: `.user()`, `.customer()`, `.study()` rows straight into the
  database (the sandbox testing itself);
- `served`: a separate gunicorn-served sandbox (2 processes x 8 threads) on a private
  database of the engine under test, for the concurrency, request-log and cross-worker
  fault tests.
"""

import itertools
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test import Client
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from django.utils import timezone
from sandbox_helpers import Api, Served

from sandbox.server import NoDelayMixin, SandboxWSGIHandler


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory
) -> None:
    """An SQLite test database in a file, as the sandbox runs, not in memory: an
    in-memory database exists once per connection, so the live server's threads would
    share the test's one connection, and two requests at once would interleave on it."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        folder = tmp_path_factory.mktemp("databases")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test_sandbox.sqlite3")


@pytest.fixture(autouse=True, scope="session")
def _quiet_request_lines() -> None:
    """One line per request is the sandbox's log (sandbox/server.py); thousands of them
    (the fuzzing) would bury a failure's report. Tests of the line set their own level."""
    logging.getLogger("sandbox.request").setLevel(logging.WARNING)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    marker = pytest.mark.django_db(transaction=True)
    for item in items:
        wants_server = "sandbox_live_server" in getattr(item, "fixturenames", ())
        if wants_server and item.get_closest_marker("django_db") is None:
            item.add_marker(marker)


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client, settings.SANDBOX_DEV_API_KEY)


@pytest.fixture
def anonymous(client: Client) -> Api:
    return Api(client, None)


@pytest.fixture
def control(client: Client) -> Api:
    """The control plane, with its own key (settings.SANDBOX_CONTROL_KEY)."""
    return Api(client, settings.SANDBOX_CONTROL_KEY)


# --- The sandbox served over HTTP from this process ---------------------------------------


class _SandboxServer(NoDelayMixin, ThreadedWSGIServer):
    def set_app(self, application) -> None:
        super().set_app(SandboxWSGIHandler())


class SandboxServerThread(LiveServerThread):
    """Django's live server thread, serving the sandbox's handler instead."""

    def _create_server(self, connections_override=None):
        return _SandboxServer(
            (self.host, self.port),
            QuietWSGIRequestHandler,
            allow_reuse_address=False,
            connections_override=connections_override,
        )


@pytest.fixture(scope="session")
def _sandbox_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    host = "127.0.0.1"
    # An in-memory SQLite test database exists once per connection: share ours with the
    # server's threads, as Django's LiveServerTestCase and pytest-django do.
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = SandboxServerThread(host, static_handler=lambda app: app, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://{host}:{thread.port}"
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


@pytest.fixture
def sandbox_live_server(_sandbox_server: str, transactional_db) -> str:
    """Base URL of the sandbox served over HTTP, e.g. "http://127.0.0.1:54321"."""
    return _sandbox_server


@pytest.fixture
def sandbox_api_key() -> str:
    """The documented development key (settings.SANDBOX_DEV_API_KEY)."""
    return settings.SANDBOX_DEV_API_KEY


# --- Factories: rows straight into the sandbox's database ---------------------------------

_serial = itertools.count(1)


class SandboxFactory:
    """`sandbox_factory.user(...)`, `.customer(...)`, `.study(...)`: saved rows with
    sensible unique defaults; keyword arguments override any model field."""

    def user(self, **fields):
        from sandbox.models import ApiUser, new_id

        n = next(_serial)
        defaults = {
            "user_id": new_id("usr"),
            "email": f"user{n}@example.org",
            "first_name": f"First{n}",
            "last_name": f"Last{n}",
            "created_at": timezone.now() - timedelta(days=30) + timedelta(seconds=n),
        }
        return ApiUser.objects.create(**(defaults | fields))

    def customer(self, **fields):
        from sandbox.models import ExpressCustomer, new_id

        defaults = {"customer_id": new_id("cus"), "name": f"Customer {next(_serial)}"}
        return ExpressCustomer.objects.create(**(defaults | fields))

    def study(self, **fields):
        from sandbox.models import Study, new_id

        n = next(_serial)
        stamp = fields.get("created_at") or timezone.now()
        defaults = {
            "study_id": new_id("stu"),
            "study_instance_uid": f"1.2.826.0.1.3680043.8.498.{n}",
            "study_description": f"Study {n}",
            "severity": "normal",
            "created_at": stamp,
            "updated_at": stamp,
        }
        return Study.objects.create(**(defaults | fields))


@pytest.fixture
def sandbox_factory() -> SandboxFactory:
    return SandboxFactory()


# --- A separate server process --------------------------------------------------------------


@pytest.fixture(scope="session")
def _served_sandbox():
    from served_sandbox import served_sandbox

    with served_sandbox(server="gunicorn", workers=2) as sandbox:
        yield sandbox


@pytest.fixture
def served(_served_sandbox) -> Iterator[Served]:
    """A gunicorn-served sandbox (2 processes x 8 threads) on its own database, reset to
    an empty state (the seeded roster, no studies) before each test."""
    with Served(_served_sandbox) as handle:
        handle.reset(studies=0)
        yield handle
