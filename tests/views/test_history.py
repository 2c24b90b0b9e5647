"""The audit trail and a study's history in the words a person uses (studies/web/history.py):
people by name, fields by their labels, values as the page shows them; never usernames,
user ids or wire names. Every field the dashboard audits, entries written by earlier
versions, unknown users, cancelled studies; and names come from the users directory the
pickers use, read once for a page, never once per entry."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from view_helpers import (
    ADMIN_ID,
    COLLEAGUE_ID,
    CUSTOMER_ID,
    RADIOLOGIST_ID,
    SMITH,
    STUDIES,
    study_id,
    study_json,
    text,
)

from studies import directory, upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditEntry

SID = study_id(1)
FIRST1 = "First1 Last1"  # RADIOLOGIST_ID in the users directory
FIRST4 = "First4 Last4"  # COLLEAGUE_ID
GONE = "usr_" + "9" * 32  # nobody in the directory


def _changes(response) -> list[str]:
    """Each change line of the audit table, as a person reads it."""
    lines = re.findall(r'<td class="audit-changes"[^>]*>(.*?)</td>', text(response), re.S)
    found = []
    for cell in lines:
        for part in re.findall(r"<div>(.*?)</div>", cell, re.S):
            found.append(" ".join(html.unescape(re.sub(r"<[^>]+>", "", part)).split()))
    return found


def _table(response) -> str:
    body = text(response)
    start = body.index('<table class="audit')
    return html.unescape(body[start : body.index("</table>", start)])


def _entry(before=None, after=None, *, action="update", actor=None, username="", **more):
    return AuditEntry.objects.create(
        actor=actor,
        actor_username=username or (actor.username if actor else "anonymous"),
        action=action,
        study_id=more.pop("study", SID),
        before=before or {},
        after=after or {},
        accepted=more.get("outcome", "applied") == "applied",
        outcome=more.pop("outcome", "applied"),
        detail=more.pop("detail", ""),
    )


def _known_customer() -> None:
    cache.set(
        directory.CUSTOMERS_KEY, {CUSTOMER_ID: ("City Medical Center", directory._today())}, 3600
    )


# (before, after, the lines a person reads): every field the dashboard audits.
FIELDS = {
    "severity": ({"severity": "normal"}, {"severity": "stat"}, ["Severity: Normal → STAT"]),
    "viewer status": (
        {"study_viewer_status": "incomplete"},
        {"study_viewer_status": "complete"},
        ["Viewer status: Incomplete → Complete"],
    ),
    "viewer status, as an earlier conflict entry kept it": (
        {"study_viewer_status": "Complete"},
        {"study_viewer_status": "To read"},
        ["Viewer status: Complete → Incomplete"],
    ),
    "assignee, from the directory": (
        {"assigned_to": None, "assigned_to_name": "Unassigned"},
        {"assigned_to": RADIOLOGIST_ID, "assigned_to_name": "An older name"},
        [f"Assignee: Unassigned → {FIRST1}"],
    ),
    "assignee the directory no longer lists, named by the entry": (
        {"assigned_to": GONE, "assigned_to_name": "Dr Departed"},
        {"assigned_to": None, "assigned_to_name": "Unassigned"},
        ["Assignee: Dr Departed → Unassigned"],
    ),
    "assignee nobody can name": (
        {"assigned_to": None},
        {"assigned_to": GONE},
        [f"Assignee: Unassigned → Unknown user ({GONE})"],
    ),
    "assignee, as an earlier conflict entry kept it (a name)": (
        {"assigned_to": FIRST4},
        {"assigned_to": RADIOLOGIST_ID},
        [f"Assignee: {FIRST4} → {FIRST1}"],
    ),
    "description": (
        {"study_description": "CT Head"},
        {"study_description": "CT Head and Neck"},
        ["Description: CT Head → CT Head and Neck"],
    ),
    "description emptied": (
        {"study_description": "CT Head"},
        {"study_description": ""},
        ["Description: CT Head → (empty)"],
    ),
    "metadata, key by key": (
        {"metadata": {"site": "north", "room": "2", "old": "x"}},
        {"metadata": {"site": "north", "room": "3", "new": "y"}},
        [
            "Metadata “new”: (not set) → y",
            "Metadata “old”: x → (removed)",
            "Metadata “room”: 2 → 3",
        ],
    ),
    "metadata key of a conflict": (
        {"metadata:site": "north"},
        {"metadata:site": None},
        ["Metadata “site”: north → (removed)"],
    ),
    "cancelled": (
        {"is_cancelled": False},
        {"is_cancelled": True},
        ["Study: Active → Cancelled"],
    ),
    "restored": (
        {"is_cancelled": True},
        {"is_cancelled": False},
        ["Study: Cancelled → Active"],
    ),
    "the viewer opened": (
        {},
        {"viewer_host": "viewer.avara.test"},
        ["Viewer host: viewer.avara.test"],
    ),
    "a skip": ({}, {"reason": "Outside my subspecialty"}, ["Reason: Outside my subspecialty"]),
    "a new study": (
        {},
        {
            "severity": "high",
            "study_description": "XR Chest",
            "study_instance_uid": "1.2.840.1",
            "assigned_to": COLLEAGUE_ID,
            "express_customer_id": CUSTOMER_ID,
            "metadata": {"site": "north"},
        },
        [
            "Severity: High",
            f"Assignee: {FIRST4}",
            "Description: XR Chest",
            "Study Instance UID: 1.2.840.1",
            "Express customer: City Medical Center",
            "Metadata: site=north",
        ],
    ),
    "an account": (
        {
            "username": "amy",
            "role": "Radiologist",
            "avara_user_id": RADIOLOGIST_ID,
            "is_active": True,
            "email": "amy@clinic.test",
        },
        {
            "username": "amy",
            "role": "Supervisor",
            "avara_user_id": "",
            "is_active": False,
            "email": "amy@clinic.test",
            "password": "set",
        },
        [
            "Login: amy",
            "Email: amy@clinic.test",
            "Role: Radiologist → Supervisor",
            f"Avara user: {FIRST1} → Not linked",
            "Active: Yes → No",
            "Password: Changed",
        ],
    ),
    "a login unlocked": (
        {"username": "amy", "address": "10.0.0.9", "failures": 5, "locked_until": "14:05"},
        {"username": "amy", "address": "10.0.0.9"},
        ["Login: amy", "From address: 10.0.0.9", "Failed logins: 5", "Locked until: 14:05"],
    ),
    "a field of a later version": ({}, {"triage_lane": "fast"}, ["Triage lane: fast"]),
}
# Wire names and raw values a person must never read in the table.
WIRE = (
    "assigned_to",
    "study_viewer_status",
    "is_cancelled",
    "study_description",
    "express_customer_id",
    "avara_user_id",
    "True",
    "False",
    "None",
    "To read",
    RADIOLOGIST_ID,
    COLLEAGUE_ID,
    CUSTOMER_ID,
)


@pytest.mark.parametrize("case", FIELDS)
def test_each_field_reads_as_the_page_words_it(login, avara, case):
    before, after, expected = FIELDS[case]
    _known_customer()
    _entry(before, after, action="create" if case == "a new study" else "update")
    avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1))

    admin = login(ADMIN)
    audit, study = admin.get("/audit/"), admin.get(f"/studies/{SID}")

    assert audit.status_code == study.status_code == 200
    assert _changes(audit) == expected
    assert _changes(study) == expected  # the study's history reads the same
    for wire in WIRE:
        assert wire not in _table(audit), wire
    assert avara.calls.call_count == 1  # the study page's read: no call for the names


def test_a_reader_cap_change_names_the_reader_and_says_the_default_in_words(login, avara):
    """The Accounts page's caps (services/caps.py) keep the reader's id and name: the
    trail shows the name once, and a cap going back to the default says so."""
    reader = {"reader": COLLEAGUE_ID, "reader_name": "Dr Older Name"}
    _entry({**reader, "cap": None}, {**reader, "cap": 5}, action="reader_cap", study="")
    _entry({**reader, "cap": 5}, {**reader, "cap": None}, action="reader_cap", study="")

    response = login(ADMIN).get("/audit/")

    assert response.status_code == 200
    assert _changes(response) == [
        f"Reader: {FIRST4}",
        "Cap: 5 → Default",
        f"Reader: {FIRST4}",
        "Cap: Default → 5",
    ]
    assert COLLEAGUE_ID not in _table(response)
    assert "Reader name" not in _table(response)


def test_a_claim_refused_before_knowing_who_me_is_names_the_person(login, avara, make_account):
    elena = get_user_model().objects.create_user(
        "epetrova", first_name="Elena", last_name="Petrova"
    )
    _entry({}, {"assigned_to": "me"}, actor=elena, outcome="refused", detail="Not linked.")

    audit = login(ADMIN).get("/audit/")

    assert _changes(audit) == ["Assignee: Elena Petrova"]


def test_people_are_named_not_logged_in_ones_and_deleted_accounts_too(login, avara):
    elena = get_user_model().objects.create_user(
        "epetrova", first_name="Elena", last_name="Petrova"
    )
    nameless = get_user_model().objects.create_user("jdoe")
    _entry({}, {"severity": "high"}, actor=elena)
    _entry({}, {"severity": "high"}, actor=nameless)
    _entry({}, {"severity": "high"}, username="bob")  # an account deleted since
    _entry({}, {"username": "x", "address": "10.0.0.1"}, action="login_failed", outcome="refused")

    table = _table(login(ADMIN).get("/audit/"))

    assert '<span title="Login: epetrova">Elena Petrova</span>' in table
    assert '<span title="Login: jdoe">jdoe</span>' in table  # no name: the login
    assert '<span title="Login: bob">bob</span>' in table
    assert '<td class="audit-who" data-label="Who">Not logged in</td>' in table
    assert "anonymous" not in table


def test_names_come_from_one_directory_read_for_the_whole_page(login, avara):
    """The directory is not cached: the page reads it once (it is then cached for the
    pickers too), whatever the number of entries naming people."""
    for n in range(30):
        _entry({"assigned_to": None}, {"assigned_to": RADIOLOGIST_ID if n % 2 else GONE})
    upstream.user_directory_clear()
    admin = login(ADMIN)

    first, again = admin.get("/audit/"), admin.get("/audit/")

    assert f"Assignee: Unassigned → {FIRST1}" in _changes(first)
    assert avara.routes["users"].call_count == 1  # once, for both pages
    assert _changes(again) == _changes(first)


def test_without_the_directory_the_names_kept_in_the_entries_are_shown(login, avara):
    _entry(
        {"assigned_to": None, "assigned_to_name": "Unassigned"},
        {"assigned_to": RADIOLOGIST_ID, "assigned_to_name": "First1 Last1"},
    )
    _entry({"assigned_to": None}, {"assigned_to": COLLEAGUE_ID})
    upstream.user_directory_clear()
    avara.routes["users"].respond(503)

    response = login(ADMIN).get("/audit/")

    assert response.status_code == 200
    assert _changes(response) == [
        f"Assignee: Unassigned → Unknown user ({COLLEAGUE_ID})",
        f"Assignee: Unassigned → {FIRST1}",
    ]


def test_a_page_naming_nobody_asks_avara_nothing(login, avara):
    for _ in range(5):
        _entry({"severity": "normal"}, {"severity": "high"})
    upstream.user_directory_clear()

    response = login(ADMIN).get("/audit/")

    assert _changes(response) == ["Severity: Normal → High"] * 5
    assert avara.calls.call_count == 0


# --- A study's history ------------------------------------------------------------------


def test_the_history_starts_with_avaras_facts_and_says_what_it_lists(login, avara):
    avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1))

    page = text(login(RADIOLOGIST).get(f"/studies/{SID}"))

    history = page[page.index('<h2 id="history">') :]
    assert '<dt>Created in Avara</dt><dd><time datetime="2024-03-15T10:30+00:00"' in history
    assert f"<dt>Created by</dt><dd>{SMITH} &lt;dr.smith@radiology.com&gt;" in history
    assert '<dt>Last updated in Avara</dt><dd><time datetime="2024-03-15T14:20+00:00"' in history
    assert (
        "Below: changes made through this dashboard, newest first. "
        "Changes made elsewhere in Avara are not listed."
    ) in history
    assert "No changes through this dashboard yet." in history


def test_a_study_created_through_an_api_key_says_which(login, avara):
    avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1, createdByUser=None))

    page = text(login(SUPERVISOR).get(f"/studies/{SID}"))

    history = page[page.index('<h2 id="history">') :]
    assert "<dt>Created by</dt><dd>API key “Production API Key”" in history


def test_a_cancelled_studys_history_says_so_in_words(login, avara):
    avara.get(f"{STUDIES}/{SID}").respond(
        json=study_json(1, isCancelled=True, cancelledAt="2024-03-16T08:00:00Z")
    )
    admin = login(ADMIN)
    _entry({"is_cancelled": False}, {"is_cancelled": True}, action="cancel", actor=admin.user)
    _entry({"severity": "high"}, {"severity": "stat"}, actor=admin.user)

    response = admin.get(f"/studies/{SID}")

    assert response.status_code == 200
    assert _changes(response) == ["Severity: High → STAT", "Study: Active → Cancelled"]
    assert '<span class="tag">Cancelled</span>' in text(response)
    assert "Cancelled study" in _table(response)  # the action, in words


# --- Finding a person --------------------------------------------------------------------


@pytest.fixture
def people(db):
    User = get_user_model()
    elena = User.objects.create_user("epetrova", first_name="Elena", last_name="Petrova")
    omar = User.objects.create_user("ohaddad", first_name="Omar", last_name="Haddad")
    _entry({}, {"severity": "high"}, actor=elena, detail="elena-marker", outcome="refused")
    _entry({}, {"severity": "high"}, actor=omar, detail="omar-marker", outcome="refused")
    _entry({}, {"severity": "high"}, username="ghost", detail="ghost-marker", outcome="refused")


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("Elena Petrova", {"elena"}),
        ("elena petrova", {"elena"}),
        ("Petrova", {"elena"}),
        ("epetrova", {"elena"}),
        ("EPETROVA", {"elena"}),
        ("Omar", {"omar"}),
        ("ghost", {"ghost"}),  # an account deleted since: its login
        ("Elena Haddad", set()),
        ("a", {"elena", "omar"}),  # in a first or last name
    ],
)
def test_the_person_filter_finds_a_name_or_a_login(login, avara, people, query, shown):
    response = login(ADMIN).get("/audit/", {"actor": query})

    assert response.status_code == 200
    for marker in ("elena", "omar", "ghost"):
        assert (f"{marker}-marker" in text(response)) is (marker in shown), marker


def test_the_person_filter_suggests_the_accounts_by_name(login, avara, people):
    page = text(login(ADMIN).get("/audit/"))

    assert '<input name="actor" value="" list="audit-people"' in page
    assert '<option value="Elena Petrova">epetrova</option>' in page
    assert '<option value="ghost">' not in page  # suggestions are accounts that exist
    assert ADMIN_ID not in page
