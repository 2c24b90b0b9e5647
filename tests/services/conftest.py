"""Fixtures for the service module's tests: fake settings and a mocked Avara.

No test here touches the network: respx mocks every request to the fake base URL
(and refuses any other), and retries never sleep (the sleep is recorded instead).
"""

import copy

import httpx_retries.retry
import pytest
import respx
from django.core.cache import cache

from studies.upstream import client

from .samples import API_KEY, BASE_URL, EXAMPLE_STUDY


@pytest.fixture
def study_json() -> dict:
    """A fresh deep copy of the example study, safe to modify."""
    return copy.deepcopy(EXAMPLE_STUDY)


@pytest.fixture(autouse=True)
def avara_settings(settings):
    """Point the service module at a fake Avara; changing settings rebuilds the client."""
    settings.AVARA_BASE_URL = BASE_URL
    settings.AVARA_API_KEY = API_KEY
    settings.AVARA_MAX_RETRIES = 2
    settings.AVARA_RETRY_BACKOFF = 0
    settings.AVARA_RETRY_MAX_BACKOFF = 8.0
    settings.AVARA_USERS_CACHE_SECONDS = 60
    cache.clear()
    yield settings
    cache.clear()
    client.reset_client()


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> list[float]:
    """Every wait the retry layer asks for, in seconds; nothing actually sleeps."""
    waits: list[float] = []
    monkeypatch.setattr(httpx_retries.retry.time, "sleep", waits.append)
    return waits


@pytest.fixture
def avara():
    """respx router for the fake Avara; any request it has no route for fails the test."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router
