"""Fixtures for the dashboard's view tests: a mocked Avara, one logged-in client per role.

No test here touches the network: respx mocks every request to the fake base URL and
fails the test on any request it has no route for. Retries are off (AVARA_MAX_RETRIES
= 0) so a route's call count is the number of requests the view made; the retry policy
itself is tested in tests/services.
"""

import pytest
import respx
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from view_helpers import API_KEY, BASE_URL, ME_BY_ROLE, USERS, VIEWER_HOST, directory_users

from studies import upstream
from studies.models import Account
from studies.upstream import client as upstream_client

PASSWORD = "unused-Passw0rd-for-tests"


@pytest.fixture(autouse=True)
def avara_settings(settings):
    """Point the service module at a fake Avara and clear the cache (users directory)."""
    settings.AVARA_BASE_URL = BASE_URL
    settings.AVARA_API_KEY = API_KEY
    settings.AVARA_MAX_RETRIES = 0
    settings.AVARA_RETRY_BACKOFF = 0
    settings.AVARA_USERS_CACHE_SECONDS = 60
    settings.AVARA_VIEWER_HOSTS = [VIEWER_HOST]
    # These tests count every upstream call a page makes: no queue picture is built
    # behind their back, and the title's STAT count (one more list call) is off.
    settings.TRIAGE_QUEUE_BACKGROUND = False
    settings.TRIAGE_LIST_SHARE_SECONDS = 0
    settings.TRIAGE_TITLE_COUNTS = False  # its own call is tested in test_title_counts.py
    # Test accounts: a fast hasher (the default one costs ~0.3 s per password).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield settings
    cache.clear()
    upstream_client.reset_client()


@pytest.fixture
def avara(avara_settings):
    """respx router for the fake Avara, with the users directory already cached.

    The directory is fetched once (route "users") and the call counts are then reset,
    so every count a test reads is what its own requests cost.
    """
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
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
