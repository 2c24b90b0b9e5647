"""Defects found in review, each pinned: forged row tokens, stale saves, hidden cancelled
studies, HTMX-safe redirects and errors, long cursor trails, account safety."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client
from view_helpers import (
    COLLEAGUE_ID,
    RADIOLOGIST_ID,
    STUDIES,
    USER_ID,
    account_form,
    details_form,
    hx,
    only_audit,
    page_json,
    person_json,
    row_token,
    sent_query,
    study_id,
    study_json,
    text,
    toast_of,
)

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import Account, AuditEntry

# Run again on PostgreSQL + Redis by `make test`: sessions, audit rows, accounts.
pytestmark = pytest.mark.stores

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
EDIT = f"/studies/{SID}/edit"


# --- Signed row tokens: what the user saw cannot be forged -----------------------------


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", row_token(SID)[:-3] + "abc", row_token(study_id(2))],
    ids=["missing", "garbage", "altered", "other-study"],
)
def test_a_save_without_a_genuine_row_token_is_refused_and_audited(login, avara, token):
    response = login(SUPERVISOR).post(
        f"{EDIT}/severity", {"value": "stat", "t": token}, headers=hx()
    )

    assert response.status_code == 400
    assert "out of date or was altered" in text(response)
    assert avara.calls.call_count == 0  # not even the read
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.after) == ("refused", False, {"severity": "stat"})


def test_the_audit_before_comes_from_the_fresh_read_not_from_the_form(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, severity="normal"))
    avara.patch(STUDY_PATH).respond(json=study_json(1, severity="stat"))

    login(SUPERVISOR).post(
        f"{EDIT}/severity",
        {
            "value": "stat",
            "t": row_token(SID, severity="normal"),
            "was": "forged",
            "before": "forged",
            "seen": "forged",
        },
        headers=hx(),
    )

    entry = only_audit(accepted=True)
    assert (entry.before, entry.after) == ({"severity": "normal"}, {"severity": "stat"})


def test_a_token_naming_an_unknown_value_is_a_conflict_not_a_silent_overwrite(login, avara):
    """A value outside the token's safe set is kept as "?" (unknown): whatever Avara
    holds now was not what the user saw, so the save stops and shows the current value."""
    avara.get(STUDY_PATH).respond(json=study_json(1, severity="normal"))
    patch = avara.patch(STUDY_PATH)

    response = login(SUPERVISOR).post(
        f"{EDIT}/severity",
        {"value": "stat", "t": row_token(SID, severity="<b>odd</b>")},
        headers=hx(),
    )

    assert response.status_code == 409
    assert patch.call_count == 0
    assert only_audit().outcome == "conflict"


def test_opening_a_control_needs_a_genuine_snapshot_too(login, avara):
    response = login(SUPERVISOR).get(f"{EDIT}/severity?t=forged", headers=hx())

    assert response.status_code == 400
    assert avara.calls.call_count == 0


# --- Study page: stale saves, cancelled studies -----------------------------------------


def test_a_details_save_from_a_stale_page_is_refused_and_keeps_the_input(login, avara):
    avara.get(STUDY_PATH).respond(
        json=study_json(1, studyDescription="Renamed meanwhile", updatedAt="2024-03-16T09:00:00Z")
    )
    patch = avara.patch(STUDY_PATH)

    response = login(SUPERVISOR).post(
        f"/studies/{SID}/details", details_form("My careful new description")
    )

    html = text(response)
    assert response.status_code == 409
    assert "Someone changed this study since you opened it" in html
    assert "Description is now Renamed meanwhile, set 16 Mar 09:00." in html
    assert "My careful new description</textarea>" in html
    # The next save compares with what the page shows now.
    assert 'name="seen_description" value="Renamed meanwhile"' in html
    assert patch.call_count == 0
    entry = only_audit()
    assert (entry.outcome, entry.accepted) == ("conflict", False)


def test_a_details_save_from_an_old_page_whose_fields_nobody_touched_goes_through(login, avara):
    """A newer updatedAt alone (someone changed the severity) is no reason to refuse."""
    now = study_json(1, severity="stat", updatedAt="2024-03-16T09:00:00Z")
    avara.get(STUDY_PATH).respond(json=now)
    patch = avara.patch(STUDY_PATH).respond(json={**now, "studyDescription": "Renamed"})

    response = login(SUPERVISOR).post(f"/studies/{SID}/details", details_form("Renamed"))

    assert response.status_code == 302
    assert patch.calls.last.request.content == b'{"studyDescription":"Renamed"}'
    assert only_audit().outcome == "applied"


def test_metadata_keys_are_kept_exactly_as_avara_has_them(login, avara):
    stored = study_json(1, metadata={"Accession ": "A1"})
    avara.get(STUDY_PATH).respond(json=stored)
    patch = avara.patch(STUDY_PATH).respond(json={**stored, "studyDescription": "New"})

    response = login(SUPERVISOR).post(
        f"/studies/{SID}/details",
        details_form("New", {"Accession ": "A1"}, seen_metadata={"Accession ": "A1"}),
    )

    assert response.status_code == 302
    assert patch.calls.last.request.content == b'{"studyDescription":"New"}'


def test_radiologists_do_not_see_cancelled_studies(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, isCancelled=True))

    refused = login(RADIOLOGIST).get(f"/studies/{SID}")
    allowed = login(ADMIN).get(f"/studies/{SID}")

    assert refused.status_code == 404 and "only admins can see cancelled" in text(refused)
    assert allowed.status_code == 200


def test_a_row_cancelled_meanwhile_leaves_the_list_for_those_who_cannot_see_it(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, isCancelled=True))

    hidden = login(SUPERVISOR).get(f"/studies/{SID}/row", headers=hx())
    shown = login(ADMIN).get(f"/studies/{SID}/row", headers=hx())

    assert hidden.status_code == 200 and hidden["HX-Reswap"] == "delete"
    assert "has been cancelled" in hidden["HX-Trigger"]
    assert shown.status_code == 200 and f'id="study-{SID}"' in text(shown)


def test_a_radiologist_changes_the_status_of_their_own_study_after_one_read(login, avara):
    mine = person_json(RADIOLOGIST_ID, "First1", "Last1")
    read = avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=mine))
    patch = avara.patch(STUDY_PATH).respond(
        json=study_json(1, assignedTo=mine, studyViewerStatus="complete")
    )

    response = login(RADIOLOGIST).post(
        f"{EDIT}/status",
        {"value": "complete", "t": row_token(SID, assignee=RADIOLOGIST_ID)},
        headers=hx(),
    )

    assert response.status_code == 200
    assert (read.call_count, patch.call_count) == (1, 1)


def test_a_radiologist_cannot_complete_a_colleagues_study(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1))  # assigned to someone else
    patch = avara.patch(STUDY_PATH)

    response = login(RADIOLOGIST).post(
        f"{EDIT}/status", {"value": "complete", "t": row_token(SID, assignee=USER_ID)}, headers=hx()
    )

    message = (
        "This study is assigned to John R. Smith, MD, FACR; only its reader or a supervisor "
        "can change it."
    )
    assert response.status_code == 403
    assert toast_of(response) == {"message": message, "level": "error"}
    assert response["HX-Retarget"] == f"#study-{SID}" and "editing" not in text(response)
    assert patch.call_count == 0
    entry = only_audit()
    assert (entry.outcome, entry.detail) == ("refused", message)


def test_viewer_get_after_a_re_login_shows_the_study_page(login, avara):
    response = login(RADIOLOGIST).get(f"/studies/{SID}/viewer")

    assert response.status_code == 302 and response["Location"] == f"/studies/{SID}"
    assert avara.calls.call_count == 0  # a GET never mints a viewer URL


def test_an_edit_url_without_a_token_after_re_login_shows_the_control_from_a_read(login, avara):
    """The login page sends the user back to the URL they asked for: without JavaScript
    that is the control's own page, drawn from a fresh read (no token needed)."""
    read = avara.get(STUDY_PATH).respond(json=study_json(1))

    response = login(SUPERVISOR).get(f"{EDIT}/assignee")

    assert response.status_code == 200
    assert "<h1>Change assignee</h1>" in text(response)
    assert read.call_count == 1


def test_one_avara_user_cannot_be_linked_to_two_logins(login, avara, make_account):
    make_account(SUPERVISOR, username="sue", avara_user_id=COLLEAGUE_ID)

    response = login(ADMIN).post(
        "/accounts/new", account_form(username="sam", avara_user_id=COLLEAGUE_ID)
    )

    assert response.status_code == 400
    assert "Already linked to the login sue." in text(response)


# --- HTMX: never a whole page (or a 500) inside a table ---------------------------------


def test_a_hostile_current_url_header_does_not_turn_a_done_cancel_into_a_500(login, avara):
    avara.post(f"{STUDIES}/cancel").respond(json={"success": True, "message": None})
    avara.get(STUDY_PATH).mock(
        side_effect=[
            httpx.Response(200, json=study_json(1)),
            httpx.Response(200, json=study_json(1, isCancelled=True)),
        ]
    )

    response = login(ADMIN).post(f"/studies/{SID}/cancel", headers=hx(current_url="http://[oops/"))

    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#study-{SID}"


def test_an_expired_session_sends_htmx_to_the_login_page_instead_of_swapping_it(db):
    response = Client().get("/?severity=stat", headers=hx(target="results"))

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert b"<html" not in response.content


def test_a_stale_csrf_token_over_htmx_is_a_toast(login, avara):
    client = login(SUPERVISOR)
    client.handler.enforce_csrf_checks = True

    response = client.post(f"{EDIT}/severity", {"value": "stat"}, headers=hx())

    assert response.status_code == 403
    assert response["HX-Retarget"] == "#toasts"
    assert "security token is out of date" in text(response)
    assert avara.calls.call_count == 0


def test_pages_and_fragments_vary_on_the_htmx_headers(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))

    response = login(RADIOLOGIST).get("/")

    assert {"HX-Request", "HX-Target"} <= {h.strip() for h in response["Vary"].split(",")}


# --- Long paging stays usable ----------------------------------------------------------


def test_a_long_cursor_trail_keeps_the_latest_cursors_and_the_page_number(login, avara):
    route = avara.get(STUDIES).respond(json=page_json(study_json(1), cursor="NEXT"))
    trail = "&".join(f"c=k{i}" for i in range(70))

    response = login(RADIOLOGIST).get(f"/?{trail}&p=71")

    assert sent_query(route)["cursor"] == "k69"
    html = text(response)
    assert "Page 71" in html and "First page" in html
    assert html.count("c=k") < 2 * 31 * 3  # bounded: not 70 cursors in every link
    refresh = re.search(r'<a href="([^"]*)"[^>]*>Refresh</a>', html).group(1)
    kept = parse_qs(urlsplit(refresh.replace("&amp;", "&")).query)
    assert kept["c"] == [f"k{i}" for i in range(40, 70)] and kept["p"] == ["71"]


# --- Edits that take a row out of the list --------------------------------------------


def test_claiming_from_the_unassigned_view_takes_the_row_out(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None))
    mine = person_json(RADIOLOGIST_ID, "First1", "Last1")
    avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=mine))

    response = login(RADIOLOGIST).post(
        f"{EDIT}/assignee",
        {"value": "me", "t": row_token(SID)},
        headers=hx(current_url="http://testserver/?assignee=none"),
    )

    assert response.status_code == 200
    assert response["HX-Reswap"] == "delete"
    assert "It left this list" in response["HX-Trigger"]


# --- Accounts -------------------------------------------------------------------------


def test_an_account_keeps_its_link_when_avara_cannot_list_users(login, avara, make_account):
    avara.routes["users"].respond(503)
    from studies import upstream

    upstream.user_directory_clear()
    colleague = make_account(SUPERVISOR, username="sue", avara_user_id="usr_" + "a" * 32)
    admin = login(ADMIN)

    page = admin.get(f"/accounts/{colleague.pk}/edit")
    admin.post(
        f"/accounts/{colleague.pk}/edit",
        account_form(username="sue", role=SUPERVISOR, password="", avara_user_id="usr_" + "a" * 32),
    )

    assert f'value="usr_{"a" * 32}" selected' in text(page)
    assert Account.objects.get(user=colleague).avara_user_id == "usr_" + "a" * 32


def test_an_admin_changing_their_own_password_stays_logged_in(login, avara):
    admin = login(ADMIN)
    me = admin.user
    data = account_form(username=me.username, role=ADMIN, password="Lantern-Quartz-Meadow-99")
    data["avara_user_id"] = Account.objects.get(user=me).avara_user_id

    saved = admin.post(f"/accounts/{me.pk}/edit", data)
    after = admin.get("/accounts/")

    assert saved.status_code == 302
    assert after.status_code == 200
    entry = AuditEntry.objects.get(action="account", accepted=True)
    assert entry.after["password"] == "set"
    assert "Lantern" not in str(entry.after)


def test_a_viewer_url_too_long_to_redirect_is_refused_before_it_is_audited(login, avara):
    long_url = "https://viewer.avara.test/v?token=" + "x" * 20000
    avara.post(f"{STUDIES}/reroute-url").respond(json={"url": long_url})

    response = login(RADIOLOGIST).post(f"/studies/{SID}/viewer")

    assert response.status_code == 502
    assert only_audit().accepted is False


# --- `next` is only ever a local path ---------------------------------------------------

HOSTILE_NEXT = ["0", "null", "{{ 7*7 }}", "//evil.example/", "/\\evil.example/", "javascript:x"]


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
@pytest.mark.parametrize(
    ("role", "page", "fallback"),
    [
        (SUPERVISOR, "edit/severity", ""),
        (SUPERVISOR, "cancel", f"/studies/{SID}"),
        (RADIOLOGIST, "claim", f"/studies/{SID}"),
    ],
    ids=["control", "cancel", "claim"],
)
def test_pages_that_carry_next_drop_a_hostile_one(login, avara, role, page, fallback, next_url):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None))

    response = login(role).get(f"/studies/{SID}/{page}", {"next": next_url})

    assert response.status_code == 200
    assert f'<input type="hidden" name="next" value="{fallback}">' in text(response)
    assert "evil.example" not in text(response)
