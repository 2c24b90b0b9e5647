"""The dashboard against the real sandbox over HTTP: seeded studies, demo accounts.

`dashboard` points the service module at the sandbox (its own process, tests/conftest.py)
with its key, resets it to 60 seeded studies (seed 1) through its control plane and
creates the demo accounts; `as_role(role)` is a Django test client logged in with that
demo account's username and password.
"""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from studies.upstream import client as upstream_client

# role -> (demo username, demo password), as printed by `make run` (README).
DEMO_LOGINS = {
    "Radiologist": ("radiologist", "triage-radiologist"),
    "Supervisor": ("supervisor", "triage-supervisor"),
    "Admin": ("admin", "triage-admin"),
}


@pytest.fixture
def dashboard(settings, sandbox):
    settings.AVARA_BASE_URL = sandbox.url
    settings.AVARA_API_KEY = sandbox.api_key
    settings.AVARA_RETRY_BACKOFF = 0
    settings.AVARA_VIEWER_HOSTS = ["127.0.0.1"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    sandbox.reset(seed=1, studies=60)
    call_command("create_demo_accounts", stdout=StringIO())
    yield sandbox.url
    cache.clear()
    upstream_client.reset_client()


@pytest.fixture
def as_role(dashboard):
    def login(role: str) -> Client:
        username, password = DEMO_LOGINS[role]
        client = Client()
        assert client.login(username=username, password=password), f"{username} cannot log in"
        return client

    return login
