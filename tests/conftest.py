"""Shared fixtures: the sandbox served over HTTP, its development key, and factories
for sandbox rows.

`sandbox_live_server` yields the base URL ("http://127.0.0.1:<port>") of a threaded
server running sandbox.server.SandboxWSGIHandler against the test databases. A test
that uses it gets transactional access to both "default" and "sandbox" (added below
unless the test carries its own django_db marker), so rows made with the factories
are visible to the server and every test starts from empty tables.
"""

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from django.test.utils import modify_settings
from django.utils import timezone

from dashboard.devserver import NoDelayMixin

# The mocked Avara, its settings and logged-in clients, for the suites that ask for them.
pytest_plugins = ["mocked_avara"]

SANDBOX_DATABASES = ["default", "sandbox"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory
) -> None:
    """SQLite test databases in files, as the dashboard runs, not in memory.

    An in-memory database exists once per connection, so live servers must share the
    test's one connection among their threads; two requests at once (a live refresh and
    the title count beside it) then interleave on one sqlite3 connection, and a lookup
    by primary key once came back with two rows: a 500 no user could ever meet. On files
    each server thread has its own connection (WAL, as configured in settings).
    """
    folder = tmp_path_factory.mktemp("databases")
    for alias, database in settings.DATABASES.items():
        if database["ENGINE"].endswith("sqlite3"):
            database.setdefault("TEST", {})["NAME"] = str(folder / f"test_{alias}.sqlite3")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    marker = pytest.mark.django_db(transaction=True, databases=SANDBOX_DATABASES)
    for item in items:
        wants_server = "sandbox_live_server" in getattr(item, "fixturenames", ())
        if wants_server and item.get_closest_marker("django_db") is None:
            item.add_marker(marker)


class _SandboxServer(NoDelayMixin, ThreadedWSGIServer):
    def set_app(self, application) -> None:
        from sandbox.server import SandboxWSGIHandler

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
    # In-memory SQLite test databases exist once per connection: share ours with the
    # server's threads, as Django's LiveServerTestCase and pytest-django do.
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    hosts = modify_settings(ALLOWED_HOSTS={"append": host})
    hosts.enable()
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
        hosts.disable()


@pytest.fixture
def sandbox_live_server(_sandbox_server: str, transactional_db) -> str:
    """Base URL of the sandbox served over HTTP, e.g. "http://127.0.0.1:54321"."""
    return _sandbox_server


@pytest.fixture
def sandbox_api_key() -> str:
    """The documented development key (settings.SANDBOX_DEV_API_KEY)."""
    return settings.SANDBOX_DEV_API_KEY


# --- Factories: sandbox rows straight into the database --------------------------------

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
