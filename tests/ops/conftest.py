"""Fixtures for the operations tests: a mocked Avara (respx) and a fresh cache.

Nothing here reaches the network: respx answers the fake base URL and fails any request
it has no route for.
"""

import pytest
import respx
from django.core.cache import cache
from services.samples import API_KEY, BASE_URL

from studies.upstream import client as upstream_client

USERS = "/v1/viewer/users"


@pytest.fixture(autouse=True)
def avara_settings(settings):
    settings.AVARA_BASE_URL = BASE_URL
    settings.AVARA_API_KEY = API_KEY
    settings.AVARA_MAX_RETRIES = 2
    settings.AVARA_RETRY_BACKOFF = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield settings
    cache.clear()
    upstream_client.reset_client()


@pytest.fixture
def avara():
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router
