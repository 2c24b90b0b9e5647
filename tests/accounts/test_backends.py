"""Each request's user is kept per process under the accounts generation
(studies/accounts/backends.py): a page stops reading the user from the database on every request,
while every change made through Django - the accounts page, a shell, `changepassword` -
shows at the very next request, and a change made past Django (SQL) within
USERS_SECONDS."""

import threading

import environ
import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from view_helpers import STUDIES, hx, page_json, row_token, study_id, study_json, toast_of

from dashboard.stores import cache_is_shared
from studies.accounts import backends
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.infra.shared import accounts_generation

# Also on PostgreSQL + Redis (the stores pass): users are kept only with a shared store.
pytestmark = [pytest.mark.django_db, pytest.mark.stores]


@pytest.fixture(autouse=True)
def keep_users(settings):
    """As with a shared store (Redis), where users are kept; see the last tests for
    process memory, where they are not."""
    settings.TRIAGE_KEEP_USERS = True


@pytest.fixture
def studies_route(avara):
    return avara.get(STUDIES).respond(json=page_json(study_json(1)))


def user_reads(queries) -> list[str]:
    table = get_user_model()._meta.db_table
    return [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"]]


def test_a_second_page_reads_no_user_from_the_database(login, studies_route):
    client = login(SUPERVISOR)
    assert client.get("/").status_code == 200

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200

    assert user_reads(queries.captured_queries) == []


def test_a_password_changed_in_a_shell_logs_the_session_out_at_the_next_request(
    login, studies_route
):
    client = login(SUPERVISOR)
    assert client.get("/").status_code == 200

    user = get_user_model().objects.get(pk=client.user.pk)
    user.set_password("Another-Passw0rd-42")
    user.save()  # as `changepassword` or a shell would: no accounts page involved

    answer = client.get("/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


def test_an_account_deactivated_in_a_shell_is_logged_out_at_the_next_request(login, studies_route):
    client = login(SUPERVISOR)
    assert client.get("/").status_code == 200

    user = get_user_model().objects.get(pk=client.user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert client.get("/").status_code == 302


def test_a_role_taken_away_in_a_shell_shows_at_the_next_request(login, studies_route):
    client = login(ADMIN)
    assert "Audit trail" in client.get("/").content.decode()

    user = get_user_model().objects.get(pk=client.user.pk)
    user.groups.set([Group.objects.get(name=RADIOLOGIST)])

    page = client.get("/").content.decode()
    assert "Audit trail" not in page
    assert client.get("/audit/").status_code == 403


def test_a_change_past_django_shows_once_the_kept_user_expires(login, studies_route, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("studies.infra.kept.time.monotonic", lambda: clock[0])
    client = login(SUPERVISOR)
    assert client.get("/").status_code == 200

    # SQL by hand: no signal, no generation moves.
    get_user_model().objects.filter(pk=client.user.pk).update(is_active=False)
    assert client.get("/").status_code == 200  # still the kept user

    clock[0] += backends.USERS_SECONDS + 1
    assert client.get("/").status_code == 302


def test_a_login_moves_no_generation(make_account, client):
    make_account(SUPERVISOR, username="ada")
    before = accounts_generation()

    assert client.login(username="ada", password="unused-Passw0rd-for-tests")

    assert accounts_generation() == before


def test_each_request_gets_its_own_copy(make_account):
    user = make_account(SUPERVISOR)
    backend = backends.AccountBackend()

    first, second = backend.get_user(user.pk), backend.get_user(user.pk)

    assert first is not second
    first.note_for_this_request_only = True
    assert not hasattr(second, "note_for_this_request_only")
    assert backend.get_user(10**9) is None  # no such account


def test_sessions_from_before_the_backend_still_work(make_account, client, studies_route):
    user = make_account(SUPERVISOR)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    assert client.get("/").status_code == 200


def test_a_save_reads_no_permissions_from_the_database(login, avara):
    sid = study_id(1)
    avara.get(f"{STUDIES}/{sid}").respond(json=study_json(1))
    avara.patch(f"{STUDIES}/{sid}").respond(json=study_json(1, severity="stat"))
    client = login(SUPERVISOR)
    client.get("/queue/next")  # any page: the user (and what it may do) is kept from here

    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            f"/studies/{sid}/edit/severity",
            {"value": "stat", "t": row_token(sid, severity="high")},
            headers=hx(),
        )

    assert answer.status_code == 200
    assert toast_of(answer)["level"] == "success"
    assert [q["sql"] for q in queries.captured_queries if "permission" in q["sql"]] == []


def _read_while_a_password_change_commits(user) -> tuple:
    """(the user another process read while the change was not yet committed, the user a
    request reads after the commit)."""
    backend = backends.AccountBackend()
    seen = {}

    def another_process():
        seen["user"] = backend.get_user(user.pk)
        connections.close_all()

    with transaction.atomic():
        user.set_password("Changed-Passw0rd-7")
        user.save()
        reader = threading.Thread(target=another_process)
        reader.start()
        reader.join()
    return seen["user"], backend.get_user(user.pk)


@pytest.mark.django_db(transaction=True)
def test_a_user_read_before_the_change_commits_is_not_kept_past_it(make_account):
    before_commit, after = _read_while_a_password_change_commits(make_account(SUPERVISOR))

    assert before_commit.check_password("unused-Passw0rd-for-tests")  # the old row, kept
    assert after.check_password("Changed-Passw0rd-7")  # the commit left that copy behind


def test_a_deleted_account_is_logged_out_at_the_next_request(login, studies_route):
    client = login(SUPERVISOR)
    assert client.get("/").status_code == 200

    get_user_model().objects.filter(pk=client.user.pk).delete()

    assert client.get("/").status_code == 302


def test_no_request_can_add_to_the_permissions_another_request_gets(make_account):
    user = make_account(SUPERVISOR)
    backend = backends.AccountBackend()
    first = backend.get_user(user.pk)

    with pytest.raises(AttributeError):  # frozen
        backend.get_all_permissions(first).add("studies.view_audit")
    assert not backend.get_user(user.pk).has_perm("studies.view_audit")


def test_a_failed_login_checks_the_password_once_and_counts_once(make_account, monkeypatch):
    make_account(SUPERVISOR, username="ada")
    checks = []
    real_verify = MD5PasswordHasher.verify
    monkeypatch.setattr(
        MD5PasswordHasher, "verify", lambda h, *a: checks.append(1) or real_verify(h, *a)
    )

    refused = Client().post("/accounts/login/", {"username": "ada", "password": "Wrong-1x"})

    assert refused.status_code == 200
    assert len(checks) == 1  # not again by ModelBackend, listed after AccountBackend
    assert [a.failures_since_start for a in AccessAttempt.objects.all()] == [1]
    welcome = Client().post(
        "/accounts/login/", {"username": "ada", "password": "unused-Passw0rd-for-tests"}
    )
    assert welcome.status_code == 302


def test_without_a_shared_store_every_request_reads_its_user(login, studies_route, settings):
    settings.TRIAGE_KEEP_USERS = False  # process memory: a shell could not reach us
    client = login(SUPERVISOR)
    assert client.get("/").status_code == 200

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200

    assert len(user_reads(queries.captured_queries)) == 1


@pytest.mark.parametrize(
    ("url", "shared"),
    [
        ("locmemcache://", False),
        ("filecache:///tmp/triage-cache", False),
        ("dbcache://triage_cache", False),
        ("redis://127.0.0.1:6379/0", True),
        ("pymemcache://127.0.0.1:11211", True),
    ],
)
def test_users_are_kept_only_with_a_shared_store(url, shared):
    backend = environ.Env.cache_url_config(url)["BACKEND"]
    assert cache_is_shared(backend) is shared
