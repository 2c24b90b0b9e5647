"""The filter form's customers and users come from the store in one round trip, and a
live refresh (which shows no filter form) never asks for the users at all."""

import pytest
from django.core.cache import cache
from view_helpers import SMITH, STUDIES, StoreReads, hx, page_json, study_json, text

from studies import directory
from studies.roles import SUPERVISOR
from studies.upstream import users as upstream_users

pytestmark = pytest.mark.stores  # on Redis too, where the two keys are one MGET

REFRESH = hx(target="results", current_url="http://testserver/") | {"X-Triage-Refresh": "1"}


def test_a_page_reads_customers_and_users_together(login, avara, monkeypatch):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    client.get("/")  # remembers the study's customer
    reads = StoreReads(monkeypatch, cache)

    page = text(client.get("/"))

    users_key = upstream_users.user_directory_key()
    pickers = [keys for keys in reads.many if directory.CUSTOMERS_KEY in keys]
    assert pickers == [[directory.CUSTOMERS_KEY, users_key]]
    assert users_key not in reads.single and directory.CUSTOMERS_KEY not in reads.single
    assert avara.routes["users"].call_count == 0  # the directory came from the store
    customer = study_json(1)["expressCustomer"]["expressCustomerName"]
    assert f">{customer}</option>" in page  # the filter form offers both
    assert f">{SMITH}</option>" in page


def test_a_live_refresh_never_asks_for_the_users(login, avara, monkeypatch):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    upstream_users.user_directory_clear()  # even with no directory in the store
    reads = StoreReads(monkeypatch, cache)

    answer = client.get("/", headers=REFRESH)

    assert answer.status_code == 200
    pickers = [keys for keys in reads.many if directory.CUSTOMERS_KEY in keys]
    assert pickers == [[directory.CUSTOMERS_KEY]]
    assert not any(upstream_users.user_directory_key() in keys for keys in reads.many)
    assert upstream_users.user_directory_key() not in reads.single
    assert avara.routes["users"].call_count == 0


def test_a_page_with_no_directory_in_the_store_fetches_it_once(login, avara, monkeypatch):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    upstream_users.user_directory_clear()

    client.get("/")
    client.get("/")

    assert avara.routes["users"].call_count == 1  # fetched, stored, then read back
