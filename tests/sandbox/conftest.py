"""Fixtures for the sandbox's own tests: `api` (Django's test client bound to the sandbox
urlconf, sending the development key) and `anonymous` (no key)."""

import pytest
from django.conf import settings
from django.test import Client
from sandbox_helpers import Api


@pytest.fixture
def sandbox_urls(settings) -> None:
    settings.ROOT_URLCONF = "sandbox.urls"


@pytest.fixture
def api(sandbox_urls, client: Client) -> Api:
    return Api(client, settings.SANDBOX_DEV_API_KEY)


@pytest.fixture
def anonymous(sandbox_urls, client: Client) -> Api:
    return Api(client, None)
