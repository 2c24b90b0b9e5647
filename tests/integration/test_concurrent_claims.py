"""Claims that cannot collide, over real HTTP: twenty radiologists press Claim on the same
study at the same moment, twenty times over. Each time exactly one wins, Avara holds the
winner, and every other radiologist is told who has the study.

The dashboard (pytest-django's threaded live server) and the sandbox (tests/conftest.py)
run in this process; `make test` runs this file again on PostgreSQL + Redis (`stores`).
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from studies.models import Account, AuditEntry
from studies.upstream import client as upstream_client

READERS = 20
ROUNDS = 20

pytestmark = pytest.mark.stores


@pytest.fixture
def dashboard(live_server, sandbox_live_server, settings):
    settings.AVARA_BASE_URL = sandbox_live_server
    settings.AVARA_API_KEY = settings.SANDBOX_DEV_API_KEY
    settings.AVARA_RETRY_BACKOFF = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield live_server.url
    cache.clear()
    upstream_client.reset_client()


def reader_session(base_url: str, user) -> httpx.Client:
    """An HTTP client logged in as `user`, holding the CSRF cookie a page visit sets."""
    django_client = Client()
    django_client.force_login(user)
    browser = httpx.Client(base_url=base_url, timeout=30)
    browser.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = browser.get("/accounts/login/")  # any page: sets the csrftoken cookie
    assert page.status_code in (200, 302)
    browser.headers["X-CSRFToken"] = browser.cookies["csrftoken"]
    browser.headers["HX-Request"] = "true"
    return browser


def test_twenty_simultaneous_claims_have_exactly_one_winner(dashboard, sandbox_factory):
    radiologist = Group.objects.get(name="Radiologist")
    readers = []
    for n in range(READERS):
        avara_user = sandbox_factory.user(first_name=f"Reader{n}", last_name="Claimer")
        user = get_user_model().objects.create_user(username=f"reader{n}")
        user.groups.add(radiologist)
        Account.objects.create(user=user, avara_user_id=avara_user.user_id)
        readers.append((avara_user, reader_session(dashboard, user)))

    for _ in range(ROUNDS):
        study = sandbox_factory.study(assigned_to=None)
        start = threading.Barrier(READERS)

        def claim(browser, study_id=study.study_id, start=start):
            start.wait()
            return browser.post(f"/studies/{study_id}/claim")

        with ThreadPoolExecutor(READERS) as pool:
            answers = list(pool.map(claim, [browser for _, browser in readers]))

        won = [n for n, answer in enumerate(answers) if answer.status_code == 200]
        assert len(won) == 1, [a.status_code for a in answers]
        winner = readers[won[0]][0]
        study.refresh_from_db()
        assert study.assigned_to_id == winner.user_id
        winner_name = f"{winner.first_name} {winner.last_name}"
        for n, answer in enumerate(answers):
            if n == won[0]:
                continue
            assert answer.status_code == 409
            told = json.loads(answer.headers["HX-Trigger"])["toast"]["message"]
            assert told.startswith(f"{winner_name} has this study"), told
            assert winner_name in answer.text  # the row is redrawn showing the winner
        outcomes = sorted(
            AuditEntry.objects.filter(study_id=study.study_id).values_list("outcome", flat=True)
        )
        assert outcomes == ["applied"] + ["conflict"] * (READERS - 1)

    for _, browser in readers:
        browser.close()
