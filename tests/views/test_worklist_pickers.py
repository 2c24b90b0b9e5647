"""The filter form's customers and users come from the store in the same round trip as
the session (studies/accounts/sessions.py), and a live refresh (which shows no filter form) never
asks for the users at all. A customer is offered for 30 days after it was last seen."""

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from view_helpers import SMITH, STUDIES, StoreReads, hx, page_json, study_json, text

from studies import directory, upstream
from studies.accounts.roles import SUPERVISOR
from studies.infra import shared
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


def test_without_the_session_read_the_pickers_read_the_store_themselves(login, avara, monkeypatch):
    """A failed read with the session (as Django's store, the session is then empty) is
    not taken for an empty store: the pickers ask it again, and lose no choice."""
    today = directory._today()
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    client.get("/")  # the directory is in the store
    cache.set(directory.CUSTOMERS_KEY, {"cus_other": ("Other Clinic", today)})  # not on this page
    real_many = cache.get_many

    def failing_with_the_session(keys, *args, **kwargs):
        if shared.ACCOUNTS_KEY in keys:
            raise ValueError("refused")
        return real_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", failing_with_the_session)
    page = text(client.get("/"))

    assert ">Other Clinic</option>" in page
    assert f">{SMITH}</option>" in page
    assert avara.routes["users"].call_count == 0  # read from the store, not Avara again
    assert "cus_other" in cache.get(directory.CUSTOMERS_KEY)


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
    today = directory._today()
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    cache.set(directory.CUSTOMERS_KEY, {"cus_old": ("Old Clinic", today)})
    real_list = upstream.study_list

    def meanwhile(**kwargs):  # another process remembers a customer during the call
        cache.set(
            directory.CUSTOMERS_KEY,
            {"cus_old": ("Old Clinic", today), "cus_new": ("New Clinic", today)},
        )
        return real_list(**kwargs)

    monkeypatch.setattr(upstream, "study_list", meanwhile)

    page = text(client.get("/"))

    stored = cache.get(directory.CUSTOMERS_KEY)
    customer = study_json(1)["expressCustomer"]
    assert set(stored) == {"cus_old", "cus_new", customer["expressCustomerId"]}
    assert ">New Clinic</option>" in page


def test_a_customer_stays_offered_for_days_without_a_new_one(login, avara, monkeypatch):
    """Customers are remembered from the studies shown (Avara cannot list them): one seen
    days ago, on no page since, is still offered, however long since a new customer
    came; one not seen for over 30 days is no longer offered."""
    today = directory._today()
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    cache.set(
        directory.CUSTOMERS_KEY,
        {
            "cus_week": ("Seen Last Week", today - 7),
            "cus_edge": ("Seen Thirty Days Ago", today - 30),
            "cus_gone": ("Gone Clinic", today - 31),
        },
    )

    page = text(client.get("/"))

    assert ">Seen Last Week</option>" in page
    assert ">Seen Thirty Days Ago</option>" in page
    assert "Gone Clinic" not in page
    stored = cache.get(directory.CUSTOMERS_KEY)
    customer = study_json(1)["expressCustomer"]["expressCustomerId"]
    assert set(stored) == {"cus_week", "cus_edge", customer}  # this page's dated today
    assert stored[customer][1] == today and stored["cus_week"][1] == today - 7


def test_a_stored_customer_of_another_form_is_dropped_not_a_server_error(login, avara):
    """Whatever else the store holds under the key (another version's form, a hand edit),
    the page is served: such customers are dropped, the well-formed ones offered."""
    today = directory._today()
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    cache.set(
        directory.CUSTOMERS_KEY,
        {"cus_list": ["Stored As A List", today], "cus_ok": ("Well Formed", today)},
    )

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
    writes, kept_for = [], []
    real_set = cache.set

    def recording_set(key, value, timeout=DEFAULT_TIMEOUT, *args, **kwargs):
        writes.append(key)
        kept_for.append(timeout)
        return real_set(key, value, timeout, *args, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)

    client.get("/")
    assert directory.CUSTOMERS_KEY not in writes  # known and seen today: nothing to write

    monkeypatch.setattr(directory, "_today", lambda: today + 1)  # the next day
    client.get("/")
    assert writes.count(directory.CUSTOMERS_KEY) == 1
    assert kept_for[writes.index(directory.CUSTOMERS_KEY)] > 30 * directory.DAY
    customer = study_json(1)["expressCustomer"]["expressCustomerId"]
    assert cache.get(directory.CUSTOMERS_KEY)[customer][1] == today + 1
