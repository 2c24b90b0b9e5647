"""Fixtures for the suites that meet Avara through respx rather than the sandbox: the
settings pointing the dashboard at it (`avara_settings`), its router (`avara`), and
test clients logged in by role (`make_account`, `login`).

A suite says how its tests meet this Avara by overriding `avara_suite` in its
conftest.py:
- "door": the upstream door and the code that calls it directly (tests/upstream,
  tests/services, tests/ops): its retry policy is under test, so two retries, with no
  backoff (tests/upstream and tests/services also record each wait the retry layer asks
  for instead of sleeping: `sleeps`);
- "pages": tests that go through pages (tests/views, tests/accounts, tests/web,
  tests/infra), which count each call a view makes: no retries, no queue picture built
  behind their back, no title count beside the page, and the users directory read
  before the test begins.
Elsewhere (None) nothing is changed: those suites meet the sandbox over HTTP, or no
Avara at all.
"""

import httpx_retries.retry
import pytest
import respx
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from samples import API_KEY, BASE_URL
from view_helpers import ME_BY_ROLE, USERS, VIEWER_HOST, directory_users

from studies import upstream
from studies.models import Account
from studies.upstream import client as upstream_client

PASSWORD = "unused-Passw0rd-for-tests"
SUITES = {
    "door": {"AVARA_MAX_RETRIES": 2, "AVARA_RETRY_MAX_BACKOFF": 8.0},
    "pages": {
        "AVARA_MAX_RETRIES": 0,
        "AVARA_VIEWER_HOSTS": [VIEWER_HOST],
        "TRIAGE_QUEUE_BACKGROUND": False,
        "TRIAGE_LIST_SHARE_SECONDS": 0,
        "TRIAGE_TITLE_COUNTS": False,  # it reads the queue's picture: test_title_counts.py
    },
}


@pytest.fixture
def avara_suite() -> str | None:
    """How this suite's tests meet Avara: "door", "pages", or None (see above)."""
    return None


@pytest.fixture(autouse=True)
def avara_settings(request, avara_suite):
    """The dashboard pointed at the mocked Avara, with an empty store before and after and
    the client rebuilt from these settings; nothing at all in a suite without one."""
    if avara_suite is None:
        yield None
        return
    settings = request.getfixturevalue("settings")
    settings.AVARA_BASE_URL = BASE_URL
    settings.AVARA_API_KEY = API_KEY
    settings.AVARA_RETRY_BACKOFF = 0
    settings.AVARA_USERS_CACHE_SECONDS = 60
    # Test accounts: a fast hasher (the default one costs ~0.3 s per password).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for name, value in SUITES[avara_suite].items():
        setattr(settings, name, value)
    cache.clear()
    yield settings
    cache.clear()
    upstream_client.reset_client()


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Every wait the retry layer asks for, in seconds; nothing actually sleeps."""
    waits: list[float] = []
    monkeypatch.setattr(httpx_retries.retry.time, "sleep", waits.append)
    return waits


@pytest.fixture
def avara(avara_settings, avara_suite):
    """respx router for the mocked Avara; any request it has no route for fails the test.

    For pages, the users directory is fetched once first (route "users") and the call
    counts are then reset, so every count a test reads is what its own requests cost.
    """
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        if avara_suite == "pages":
            router.get(USERS, name="users").respond(
                json={"users": directory_users(), "cursor": None, "hasMore": False}
            )
            upstream.user_directory()
            router.reset()
        yield router


@pytest.fixture
def make_account(db):
    """make_account(role, username=..., avara_user_id=...) -> a saved user in that role."""
    User = get_user_model()

    def make(role: str, *, username: str | None = None, avara_user_id: str | None = None):
        user = User.objects.create_user(
            username=username or role.lower(), password=PASSWORD, first_name=role
        )
        user.groups.add(Group.objects.get(name=role))
        link = ME_BY_ROLE[role] if avara_user_id is None else avara_user_id
        Account.objects.create(user=user, avara_user_id=link)
        return user

    return make


@pytest.fixture
def login(make_account):
    """login(role) -> a test Client logged in as that role's user (`client.user`)."""
    users = {}

    def login(role: str) -> Client:
        if role not in users:
            users[role] = make_account(role)
        client = Client()
        client.force_login(users[role])
        client.user = users[role]
        return client

    return login
