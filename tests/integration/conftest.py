"""The dashboard against the real sandbox over HTTP: seeded studies, demo accounts.

`dashboard` points the service module at `sandbox_live_server` with the development key,
seeds 60 studies (seed 1) and creates the demo accounts; `as_role(role)` is a Django test
client logged in with that demo account's username and password.
"""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from sandbox.seeding import seed_sandbox
from studies.upstream import client as upstream_client

# role -> (demo username, demo password), as printed by `make run` (README).
DEMO_LOGINS = {
    "Radiologist": ("radiologist", "triage-radiologist"),
    "Supervisor": ("supervisor", "triage-supervisor"),
    "Admin": ("admin", "triage-admin"),
}


@pytest.fixture
def dashboard(settings, sandbox_live_server, sandbox_api_key):
    settings.AVARA_BASE_URL = sandbox_live_server
    settings.AVARA_API_KEY = sandbox_api_key
    settings.AVARA_RETRY_BACKOFF = 0
    settings.AVARA_VIEWER_HOSTS = ["127.0.0.1"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    seed_sandbox(studies=60, seed=1)
    call_command("create_demo_accounts", stdout=StringIO())
    yield sandbox_live_server
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
