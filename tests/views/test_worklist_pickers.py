"""The filter form's customers and users come from the store in the same round trip as
the session (studies/accounts/sessions.py), and a live refresh (which shows no filter form) never
asks for the users at all. Every customer ever seen is offered, most recently seen first,
from the dashboard's database; the store keeps a copy read with the session."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from view_helpers import SMITH, STUDIES, StoreReads, hx, page_json, study_json, text

from studies import directory, upstream
from studies.accounts.roles import SUPERVISOR
from studies.infra import shared
from studies.models import ExpressCustomer
from studies.upstream import users as upstream_users

pytestmark = pytest.mark.stores  # on Redis too, where the keys are one MGET


def _session_key(client) -> str:
    return client.session.cache_key


REFRESH = hx(target="results", current_url="http://testserver/") | {"X-Triage-Refresh": "1"}


def test_a_page_reads_customers_and_users_with_its_session(login, avara, monkeypatch):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    client.get("/")  # remembers the study's customer
    reads = StoreReads(monkeypatch, cache)

    page = text(client.get("/"))

    users_key = upstream_users.user_directory_key()
    session = [_session_key(client), shared.ACCOUNTS_KEY]
    assert reads.many == [[*session, directory.CUSTOMERS_KEY, users_key]]
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
    assert reads.many == [[_session_key(client), shared.ACCOUNTS_KEY, directory.CUSTOMERS_KEY]]
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


def _seen(customer_id: str, name: str, days_ago: int = 0) -> ExpressCustomer:
    """A customer the dashboard saw `days_ago` days ago (in its database)."""
    return ExpressCustomer.objects.create(
        customer_id=customer_id, name=name, last_seen=timezone.now() - timedelta(days=days_ago)
    )


OTHER = "cus_" + "0" * 31 + "e"
OLD = "cus_" + "0" * 31 + "a"
NEW = "cus_" + "0" * 31 + "b"


def test_without_the_session_read_the_pickers_read_the_store_themselves(login, avara, monkeypatch):
    """A failed read with the session (as Django's store, the session is then empty) is
    not taken for an empty store: the pickers ask it again, and lose no choice."""
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    client.get("/")  # the directory and the customers' copy are in the store
    _seen(OTHER, "Other Clinic")  # not on this page
    cache.delete(directory.CUSTOMERS_KEY)
    client.get("/")  # the copy read again from the database
    real_many = cache.get_many

    def failing_with_the_session(keys, *args, **kwargs):
        if shared.ACCOUNTS_KEY in keys:
            raise ValueError("refused")
        return real_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", failing_with_the_session)
    with CaptureQueriesContext(connection) as queries:
        page = text(client.get("/"))

    assert ">Other Clinic</option>" in page
    assert f">{SMITH}</option>" in page
    assert avara.routes["users"].call_count == 0  # read from the store, not Avara again
    assert not [q for q in queries if "expresscustomer" in q["sql"]]  # nor the database


def test_what_the_session_read_is_taken_once_and_only_whole():
    with shared.request_scope():
        shared.read_with_session(["a", "b"])
        assert shared.wanted_with_session() == ["a", "b"]
        shared.read_with_session_done({"a": 1}, ["a", "b"])  # "b" is not in the store

        assert shared.read_earlier(["a", "c"]) is None  # "c" was not read
        assert shared.read_earlier(["a", "b"]) == {"a": 1}
        assert shared.read_earlier(["a", "b"]) is None  # taken: ask the store again
    assert shared.read_earlier(["a"]) is None  # outside a request, nothing is kept


def test_a_customer_stored_meanwhile_is_not_written_over(login, avara, monkeypatch):
    """The choices are read with the session, before the Avara call: a customer another
    process stores in between survives this page remembering a new one."""
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    _seen(OLD, "Old Clinic")
    real_list = upstream.study_list

    def meanwhile(**kwargs):  # another process remembers a customer during the call
        _seen(NEW, "New Clinic")
        return real_list(**kwargs)

    monkeypatch.setattr(upstream, "study_list", meanwhile)

    page = text(client.get("/"))

    stored = cache.get(directory.CUSTOMERS_KEY)
    customer = study_json(1)["expressCustomer"]["expressCustomerId"]
    assert set(stored) == {OLD, NEW, customer}
    assert set(ExpressCustomer.objects.values_list("pk", flat=True)) == {OLD, NEW, customer}
    assert ">New Clinic</option>" in page


def test_every_customer_seen_is_offered_most_recently_seen_first(login, avara):
    """Customers are remembered from the studies shown (Avara cannot list them), in the
    database: one seen a year ago, on no page since, is still offered, after those seen
    since; within a day, by name."""
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    _seen(OLD, "Seen Last Year", days_ago=365)
    _seen(OTHER, "Seen Last Week", days_ago=7)
    _seen(NEW, "Another Seen Today")

    page = text(client.get("/"))

    today = study_json(1)["expressCustomer"]["expressCustomerName"]
    order = [
        page.index(f">{name}</option>")
        for name in ("Another Seen Today", today, "Seen Last Week", "Seen Last Year")
    ]
    assert order == sorted(order)
    assert directory.customers_known()[-1] == (OLD, "Seen Last Year")


def test_a_stored_copy_of_another_form_is_read_again_not_a_server_error(login, avara):
    """Whatever else the store holds under the key (another version's form, a hand edit),
    the page is served, from the database."""
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    _seen(OLD, "Well Formed")
    cache.set(directory.CUSTOMERS_KEY, {"cus_list": ["Stored As A List", 1]})

    response = client.get("/")

    assert response.status_code == 200
    page = text(response)
    assert ">Well Formed</option>" in page
    assert "Stored As A List" not in page


def test_the_customers_are_written_once_a_day_not_on_every_page(login, avara, monkeypatch):
    today = directory._today()
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    client.get("/")  # remembers the study's customer, dated today
    customer = study_json(1)["expressCustomer"]["expressCustomerId"]
    first_seen = ExpressCustomer.objects.get(pk=customer).last_seen

    def customer_writes() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        return [
            q["sql"]
            for q in queries
            if "expresscustomer" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")
        ]

    assert customer_writes() == []  # known and seen today: nothing to write
    assert ExpressCustomer.objects.get(pk=customer).last_seen == first_seen

    monkeypatch.setattr(directory, "_today", lambda: today + 1)  # the next day
    assert len(customer_writes()) == 1
    assert ExpressCustomer.objects.get(pk=customer).last_seen > first_seen
