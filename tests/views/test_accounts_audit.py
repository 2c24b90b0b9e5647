"""Accounts (admins manage logins, roles and Avara links) and the audit trail page."""

import html

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from view_helpers import (
    COLLEAGUE_ID,
    NEW_PASSWORD,
    RADIOLOGIST_ID,
    STUDIES,
    USERS,
    account_form,
    directory_users,
    only_audit,
    page_json,
    sent_query,
    study_id,
    text,
    user_json,
)

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR, role_of
from studies.models import Account, AuditEntry

# Run again on PostgreSQL + Redis by `make test`: accounts, audit rows and logins.
pytestmark = pytest.mark.stores

User = get_user_model()


def test_admin_sees_every_account_with_role_and_link(login, make_account, avara):
    make_account(SUPERVISOR, username="sue")

    response = login(ADMIN).get("/accounts/")

    html = text(response)
    assert response.status_code == 200
    assert '"Username">sue</td>' in html and '"Username">admin</td>' in html
    assert '"Role">Supervisor</td>' in html and '"Role">Admin</td>' in html
    assert avara.calls.call_count == 0


def test_admin_creates_an_account_whose_login_then_works(login, avara):
    admin = login(ADMIN)

    form_page = admin.get("/accounts/new")
    response = admin.post("/accounts/new", account_form())

    assert f'<option value="{COLLEAGUE_ID}">First4 Last4</option>' in text(form_page)
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    user = User.objects.get(username="newreader")
    assert role_of(user) == RADIOLOGIST
    assert list(user.groups.values_list("name", flat=True)) == [RADIOLOGIST]
    assert Account.objects.get(user=user).avara_user_id == COLLEAGUE_ID
    entry = only_audit()
    assert (entry.actor, entry.action, entry.accepted) == (admin.user, "account", True)
    assert entry.before == {}
    assert entry.after["role"] == RADIOLOGIST and entry.after["avara_user_id"] == COLLEAGUE_ID
    assert NEW_PASSWORD not in str(entry.after)

    route = avara.get(STUDIES).respond(json=page_json())
    newcomer = Client()
    assert newcomer.login(username="newreader", password=NEW_PASSWORD)
    page = newcomer.get("/?assignee=me")
    assert page.status_code == 200
    assert "Nora Reader · Radiologist" in html.unescape(text(page))  # &middot; on the wire
    assert sent_query(route)["assignedTo"] == COLLEAGUE_ID


def test_the_avara_user_choices_are_names_that_fit_and_twins_get_their_email(login, avara):
    """Under their clinical role, by name alone, so an option is never clipped; two people
    of one name are told apart by their emails."""
    twins = [
        user_json(5, firstName="Ada", lastName="Reader"),
        user_json(6, firstName="Ada", lastName="Reader", clinicRole="Physician"),
    ]
    people = {"users": [*directory_users(), *twins], "cursor": None, "hasMore": False}
    avara.get(USERS).respond(json=people)
    upstream.user_directory_clear()

    page = text(login(ADMIN).get("/accounts/new"))

    radiologists = page[page.index('<optgroup label="Radiologist">') :]
    assert radiologists.index(f'<option value="{COLLEAGUE_ID}">First4 Last4</option>') < (
        radiologists.index("</optgroup>")
    )
    assert '<optgroup label="Physician">' in page
    assert ">Ada Reader &lt;user5@clinic.test&gt;</option>" in page
    assert ">Ada Reader &lt;user6@clinic.test&gt;</option>" in page


def test_admin_changes_a_role_and_the_link(login, make_account, avara):
    target = make_account(RADIOLOGIST, username="rita")
    admin = login(ADMIN)

    response = admin.post(
        f"/accounts/{target.pk}/edit",
        account_form(username="rita", role=SUPERVISOR, avara_user_id="", password=""),
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert role_of(target) == SUPERVISOR
    assert target.account.avara_user_id == ""
    assert target.check_password("unused-Passw0rd-for-tests")  # empty keeps the password
    entry = only_audit()
    assert (entry.before["role"], entry.after["role"]) == (RADIOLOGIST, SUPERVISOR)
    assert (entry.before["avara_user_id"], entry.after["avara_user_id"]) == (RADIOLOGIST_ID, "")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"password": ""}, "A new account needs a password."),
        ({"password": "password"}, "This password is too common."),
        ({"username": "ADMIN"}, "That username is taken."),
        ({"avara_user_id": "usr_" + "f" * 32}, "Select a valid choice."),
        ({"role": "Superuser"}, "Select a valid choice."),
    ],
)
def test_invalid_account_is_not_saved(login, avara, overrides, error):
    admin = login(ADMIN)
    before = User.objects.count()

    response = admin.post("/accounts/new", account_form(**overrides))

    assert response.status_code == 400
    assert error in text(response)
    assert User.objects.count() == before
    # The refused attempt is on the record, without the password.
    entry = only_audit()
    assert (entry.action, entry.accepted) == ("account", False)
    assert entry.detail.startswith("Not saved: ")
    assert entry.after == {"username": account_form(**overrides)["username"]}


@pytest.mark.parametrize("role", [RADIOLOGIST, SUPERVISOR])
def test_non_admins_may_not_manage_accounts(login, make_account, avara, role):
    client = login(role)
    other = make_account(RADIOLOGIST, username="someone")

    pages = [client.get("/accounts/"), client.get("/accounts/new")]
    AuditEntry.objects.all().delete()
    posted = client.post("/accounts/new", account_form())
    edited = client.post(f"/accounts/{other.pk}/edit", account_form(username="someone", role=ADMIN))

    for response in (*pages, posted, edited):
        assert response.status_code == 403
        assert f"Your role ({role}) may not manage accounts." in text(response)
    assert not User.objects.filter(username="newreader").exists()
    assert role_of(other) == RADIOLOGIST
    refused = AuditEntry.objects.filter(action="account", accepted=False, actor=client.user)
    assert refused.count() == AuditEntry.objects.count() == 2  # one per refused POST


@pytest.fixture
def trail(db):
    rows = [
        ("amy", "update", study_id(1), True),
        ("amy", "cancel", study_id(2), False),
        ("bob", "open_viewer", study_id(1), True),
    ]
    for actor, action, sid, accepted in rows:
        AuditEntry.objects.create(
            actor_username=actor,
            action=action,
            study_id=sid,
            accepted=accepted,
            detail=f"{actor}-{action}-marker",
        )


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", {"amy-update", "amy-cancel", "bob-open_viewer"}),
        ("?outcome=refused", {"amy-cancel"}),
        ("?outcome=accepted", {"amy-update", "bob-open_viewer"}),
        ("?actor=AMY", {"amy-update", "amy-cancel"}),
        (f"?study={study_id(1)}", {"amy-update", "bob-open_viewer"}),
        ("?action=open_viewer", {"bob-open_viewer"}),
    ],
)
def test_admin_reads_and_filters_the_audit_trail(login, avara, trail, query, shown):
    response = login(ADMIN).get("/audit/" + query)

    html = text(response)
    assert response.status_code == 200
    for marker in ("amy-update", "amy-cancel", "bob-open_viewer"):
        assert (f"{marker}-marker" in html) is (marker in shown), marker
    assert avara.calls.call_count == 0


@pytest.mark.parametrize("role", [RADIOLOGIST, SUPERVISOR])
def test_non_admins_may_not_read_the_audit_trail(login, avara, trail, role):
    response = login(role).get("/audit/")

    assert response.status_code == 403
    assert f"Your role ({role}) may not read the audit trail." in text(response)
    assert "marker" not in text(response)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"role": SUPERVISOR}, "role", "You cannot change your own role"),
        ({"is_active": ""}, "is_active", "You cannot deactivate your own account"),
    ],
    ids=["demote-self", "deactivate-self"],
)
def test_an_admin_cannot_lock_themselves_out(login, avara, change, field, message):
    admin = login(ADMIN)
    me = admin.user
    data = account_form(username=me.username, role=ADMIN, password="", is_active="on")
    data.update(change)

    response = admin.post(f"/accounts/{me.pk}/edit", data)

    assert response.status_code == 400
    assert message in text(response)
    me.refresh_from_db()
    assert me.is_active and role_of(me) == ADMIN
    assert only_audit().accepted is False
