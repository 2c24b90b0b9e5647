"""Fixtures for the sandbox's own tests: `api` (Django's test client bound to the sandbox
urlconf, sending the development key), `anonymous` (no key), `control` (the control plane
through the test client) and `served` (a separate gunicorn-served sandbox, for real
concurrency)."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from sandbox_helpers import Api, Served


@pytest.fixture
def sandbox_urls(settings) -> None:
    settings.ROOT_URLCONF = "sandbox.urls"


@pytest.fixture
def api(sandbox_urls, client: Client) -> Api:
    return Api(client, settings.SANDBOX_DEV_API_KEY)


@pytest.fixture
def anonymous(sandbox_urls, client: Client) -> Api:
    return Api(client, None)


@pytest.fixture
def control(sandbox_urls, client: Client) -> Api:
    """The control plane, with its own key (settings.SANDBOX_CONTROL_KEY)."""
    return Api(client, settings.SANDBOX_CONTROL_KEY)


@pytest.fixture(scope="session")
def _served_url() -> Iterator[str]:
    from served import served_sandbox

    with served_sandbox() as url:
        yield url


@pytest.fixture
def served(_served_url: str) -> Iterator[Served]:
    """A gunicorn-served sandbox (2 processes x 8 threads) on its own database, reset to
    an empty state (the seeded roster, no studies) before each test."""
    with Served(_served_url) as handle:
        handle.reset(studies=0)
        yield handle
