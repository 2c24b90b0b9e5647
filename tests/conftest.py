"""The dashboard's suite (dashboard.settings). It reaches the sandbox as the dashboard does:
over HTTP, to a process of its own running the sandbox's own settings.

- tests/sandbox is the sandbox's own suite, run separately on its settings
  (`pytest tests/sandbox`, tests/sandbox/pytest.ini); `make test` runs both.
- `sandbox_server`: one sandbox for the whole session, served by
  `python -m sandbox runsandbox` on a free loopback port, as `make run` serves it, on a
  private database (tests/support/served_sandbox.py). It takes the development key and
  a second key whose description is markup (MARKUP_API_KEY, for the XSS corpus).
- `sandbox`: that sandbox, emptied through its control plane before the test (no
  study, user or customer; no fault; the clock real; the request log empty), as a
  `SandboxControl` (tests/support/sandbox_control.py). A test using it gets transactional
  access to the dashboard's database (unless it carries its own django_db marker), as
  live servers need.
"""

import json
from collections.abc import Iterator

import pytest
from django.conf import settings
from sandbox_control import MARKUP_API_KEY, MARKUP_KEY_DESCRIPTION, SandboxControl
from served_sandbox import DEV_API_KEY, ServedSandbox, served_sandbox

collect_ignore = ["sandbox"]


def pytest_report_header() -> str:
    return (
        "the sandbox's own suite (tests/sandbox, sandbox.settings) runs separately: "
        "pytest tests/sandbox (make test runs both)"
    )


# The mocked Avara, its settings and logged-in clients, for the suites that ask for them.
pytest_plugins = ["mocked_avara"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory
) -> None:
    """An SQLite test database in a file, as the dashboard runs, not in memory.

    An in-memory database exists once per connection, so a live server must share the
    test's one connection among its threads; two requests at once (a live refresh and
    the title count beside it) then interleave on one sqlite3 connection, and a lookup
    by primary key once came back with two rows: a 500 no user could ever meet. On a
    file each server thread has its own connection (WAL, as configured in settings).
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        folder = tmp_path_factory.mktemp("databases")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test_default.sqlite3")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    marker = pytest.mark.django_db(transaction=True)
    for item in items:
        wants_sandbox = "sandbox" in getattr(item, "fixturenames", ())
        if wants_sandbox and item.get_closest_marker("django_db") is None:
            item.add_marker(marker)


API_KEYS = {
    DEV_API_KEY: {
        "id": "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
        "description": "Sandbox development key",
    },
    MARKUP_API_KEY: {
        "id": "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70",
        "description": MARKUP_KEY_DESCRIPTION,
    },
}


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[ServedSandbox]:
    """The sandbox in a process of its own (runsandbox, its own settings, a private
    database), for the whole session."""
    env = {"SANDBOX_API_KEYS": json.dumps(API_KEYS)}
    with served_sandbox(server="runsandbox", env=env) as served:
        yield served


@pytest.fixture
def sandbox(sandbox_server: ServedSandbox) -> Iterator[SandboxControl]:
    """The session's sandbox, empty: set it up through its control plane."""
    control = SandboxControl(
        sandbox_server.url, api_key=sandbox_server.api_key, control_key=sandbox_server.control_key
    )
    control.reset(empty=True)
    yield control
    control.close()
