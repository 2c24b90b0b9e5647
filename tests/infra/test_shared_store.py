"""What the shared store holds, checked on whichever store the run uses (SQLite + local
memory, or PostgreSQL + Redis in the `stores` pass): sessions that survive a cache flush,
the Express customers seen, and that the stores pass really runs on PostgreSQL + Redis."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import Client
from view_helpers import CUSTOMER_ID, STUDIES, page_json, study_json

from studies import directory
from studies.accounts.roles import RADIOLOGIST

pytestmark = pytest.mark.stores


def test_the_stores_run_uses_the_stores_it_was_given(db):
    """`make test`'s second pass must not quietly run on SQLite + local memory again."""
    database_url = os.environ.get("DATABASE_URL", "")
    cache_url = os.environ.get("CACHE_URL", "")
    backend = settings.CACHES["default"]["BACKEND"]
    if database_url.startswith("postgres"):
        assert connections["default"].vendor == "postgresql"
    else:
        assert connections["default"].vendor == "sqlite"
    if cache_url.startswith("redis"):
        assert backend == "studies.infra.redis_cache.RedisCache"
    else:
        assert backend == "django.core.cache.backends.locmem.LocMemCache"
    cache.set("triage:test:roundtrip", {"ok": [1, 2]}, 30)
    assert cache.get("triage:test:roundtrip") == {"ok": [1, 2]}


def test_a_session_survives_the_cache_being_emptied(make_account, avara):
    """Redis is a cache: a restart or an eviction must not log everybody out."""
    account = make_account(RADIOLOGIST)
    account.set_password("Session-Passw0rd-42")
    account.save()
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    browser = Client()
    assert (
        browser.post(
            "/accounts/login/", {"username": account.username, "password": "Session-Passw0rd-42"}
        ).status_code
        == 302
    )

    cache.clear()

    assert browser.get("/").status_code == 200


def test_customers_seen_on_a_worklist_are_offered_as_filters(login, avara):
    named = study_json(
        1,
        expressCustomer={
            "expressCustomerId": CUSTOMER_ID,
            "expressCustomerName": "Northside Clinic",
        },
    )
    avara.get(STUDIES).respond(json=page_json(named))
    client = login(RADIOLOGIST)

    client.get("/")
    cache_kept = directory.customers_known()
    again = client.get("/")

    assert cache_kept == [(CUSTOMER_ID, "Northside Clinic")]
    assert f'value="{CUSTOMER_ID}"' in again.content.decode()
    assert "Northside Clinic" in again.content.decode()


def test_redis_commands_share_one_client_across_operations_and_threads(db):
    """Django's backend made a redis-py client per command; ours keeps one per pool. Each
    thread has its own cache object (Django's), and commands from many threads at once
    still each get their own answer."""
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("needs Redis (make test-stores)")
    backend = cache._cache
    assert backend.get_client() is backend.get_client(write=True)

    def round_trip(n: int) -> int:
        cache.set(f"triage:test:thread:{n}", n, 30)
        return cache.get(f"triage:test:thread:{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(round_trip, range(64))) == list(range(64))
    assert backend.get_client() is backend.get_client()
