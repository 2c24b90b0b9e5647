"""The dashboard end to end against the sandbox served over HTTP, logged in as the demo
accounts: what each page shows is compared with what the sandbox holds (read through its
API, as another client would)."""

import html
import json
import re
from urllib.parse import unquote

import httpx
import pytest
from django.utils import timezone

from studies.models import Account, AuditEntry
from studies.web.seen import seen_token_for

# Run again on PostgreSQL + Redis by `make test`: password logins, sessions, audit, both databases.
pytestmark = pytest.mark.stores

HX = {"HX-Request": "true"}
NEW_UID = "1.2.826.0.1.3680043.10.543.999.77"


def row_ids(response) -> list[str]:
    return re.findall(r'<tr id="study-(stu_[0-9a-f]{32})"', response.content.decode())


def pager_href(response, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]*)"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def active(sandbox, **filters):
    """The sandbox's active studies in its list order (newest first, id breaks ties)."""
    return sandbox.studies(is_cancelled=False, **filters)


def ids(studies) -> list[str]:
    return [study.study_id for study in studies]


def test_worklist_renders_the_newest_seeded_studies(as_role, sandbox):
    response = as_role("Radiologist").get("/")

    assert response.status_code == 200
    expected = ids(active(sandbox))[:25]
    assert len(expected) == 25
    assert row_ids(response) == expected
    newest = active(sandbox)[0]
    assert html.escape(newest.study_description) in response.content.decode()


def test_severity_filter_lists_only_that_severity(as_role, sandbox):
    response = as_role("Radiologist").get("/?severity=stat&limit=100")

    expected = ids(active(sandbox, severity="stat"))
    assert expected
    assert row_ids(response) == expected[:100]


def test_cursor_pages_forward_and_back(as_role, sandbox):
    client = as_role("Supervisor")
    everything = ids(active(sandbox))
    assert len(everything) > 50

    first = client.get("/")
    second = client.get(pager_href(first, "next"))
    third = client.get(pager_href(second, "next"))
    back = client.get(pager_href(second, "prev"))

    assert row_ids(first) == everything[:25]
    assert row_ids(second) == everything[25:50]
    assert row_ids(third) == everything[50:75]
    assert pager_href(third, "next") is None
    assert row_ids(back) == everything[:25]
    assert pager_href(back, "prev") is None


def snapshot_from_page(client, study_id: str) -> str:
    """The signed token of what the user saw, as the study page carries it (data-t)."""
    html = client.get(f"/studies/{study_id}").content.decode()
    match = re.search(r'data-t="([^"]+)"', html)
    assert match, "the study page carries no row token"
    return unquote(match.group(1))


def test_inline_severity_edit_is_persisted_in_the_sandbox(as_role, sandbox):
    study = next(s for s in active(sandbox) if s.severity != "stat")
    study_before = study.severity
    client = as_role("Supervisor")

    response = client.post(
        f"/studies/{study.study_id}/edit/severity",
        {"value": "stat", "t": snapshot_from_page(client, study.study_id)},
        headers=HX,
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#study-{study.study_id}"
    assert 'class="badge badge-stat"' in response.content.decode()
    assert sandbox.get(study.study_id).severity == "stat"
    entry = AuditEntry.objects.get(study_id=study.study_id)
    assert (entry.actor_username, entry.outcome, entry.after) == (
        "supervisor",
        "applied",
        {"severity": "stat"},
    )
    assert entry.before == {"severity": study_before}


def test_radiologist_claims_an_unassigned_study_but_not_a_taken_one(as_role, sandbox):
    client = as_role("Radiologist")
    me = Account.objects.get(user__username="radiologist").avara_user_id
    free = active(sandbox, assigned_to=None)[0]
    taken = next(s for s in active(sandbox) if s.assigned_to_id not in (None, me))

    free_token = snapshot_from_page(client, free.study_id)
    # A taken study offers a radiologist no control; a crafted request is refused anyway.
    taken_token = row_token(taken.study_id, assignee=taken.assigned_to_id)
    claimed = client.post(
        f"/studies/{free.study_id}/edit/assignee", {"value": "me", "t": free_token}, headers=HX
    )
    refused = client.post(
        f"/studies/{taken.study_id}/edit/assignee", {"value": "me", "t": taken_token}, headers=HX
    )

    assert claimed.status_code == 200 and 'class="tag tag-me"' in claimed.content.decode()
    assert sandbox.get(free.study_id).assigned_to_id == me
    assert refused.status_code == 403
    toast = json.loads(refused["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and toast["message"].startswith("Already assigned to ")
    assert refused["HX-Retarget"] == f"#study-{taken.study_id}"  # the row, as it is now
    assert sandbox.get(taken.study_id).assigned_to_id == taken.assigned_to_id


def test_supervisor_cancels_then_admin_restores(as_role, sandbox):
    supervisor, admin = as_role("Supervisor"), as_role("Admin")
    study = active(sandbox)[0]
    path = f"/studies/{study.study_id}"

    cancelled = supervisor.post(
        f"{path}/cancel", headers={**HX, "HX-Current-URL": "http://testserver/"}
    )
    # The row's place keeps the cancel's notice, with its author's Undo.
    assert cancelled["HX-Reswap"] == "outerHTML"
    assert 'class="row-notice"' in cancelled.content.decode()
    assert sandbox.get(study.study_id).is_cancelled is True
    assert study.study_id not in row_ids(supervisor.get("/?cancelled=cancelled"))
    assert study.study_id in row_ids(admin.get("/?cancelled=cancelled"))

    restored = admin.post(
        f"{path}/uncancel",
        headers={**HX, "HX-Current-URL": "http://testserver/?cancelled=cancelled"},
    )
    assert restored["HX-Reswap"] == "delete"
    assert sandbox.get(study.study_id).is_cancelled is False
    assert study.study_id in row_ids(supervisor.get("/"))
    outcomes = AuditEntry.objects.filter(study_id=study.study_id).order_by("id")
    assert [(e.actor_username, e.action, e.outcome) for e in outcomes] == [
        ("supervisor", "cancel", "applied"),
        ("admin", "uncancel", "applied"),
    ]


def test_supervisor_undoes_their_cancel_against_the_sandbox(as_role, sandbox):
    supervisor = as_role("Supervisor")
    study = active(sandbox)[0]
    path = f"/studies/{study.study_id}"
    on_worklist = {**HX, "HX-Current-URL": "http://testserver/"}

    cancelled = supervisor.post(f"{path}/cancel", headers=on_worklist)
    token = re.search(r'name="u" value="([^"]+)"', cancelled.content.decode()).group(1)
    undone = supervisor.post(f"{path}/undo", {"u": token}, headers=on_worklist)
    again = supervisor.post(f"{path}/undo", {"u": token}, headers=on_worklist)

    assert undone.status_code == 200 and again.status_code == 409
    assert sandbox.get(study.study_id).is_cancelled is False
    assert study.study_id in row_ids(supervisor.get("/"))
    uncancels = sandbox.requests(method="POST", path="/v1/viewer/studies/uncancel")
    assert len(uncancels) == 1
    outcomes = AuditEntry.objects.filter(study_id=study.study_id).order_by("id")
    assert [(e.action, e.outcome) for e in outcomes] == [
        ("cancel", "applied"),
        ("undo_cancel", "applied"),
        ("undo_cancel", "refused"),
    ]


def test_open_viewer_redirects_to_the_sandbox_viewer_page(dashboard, as_role, sandbox):
    study = active(sandbox)[0]

    response = as_role("Radiologist").post(f"/studies/{study.study_id}/viewer")

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{dashboard}/viewer/studies/{study.study_id}?token=")
    page = httpx.get(location, timeout=10)
    assert page.status_code == 200
    assert html.escape(study.study_description) in page.text
    tampered = httpx.get(location + "x", timeout=10)
    assert tampered.status_code == 403


def test_created_study_is_found_by_its_uid_in_the_search_box(as_role, sandbox):
    client = as_role("Supervisor")
    description = f"Integration CT {timezone.now():%H%M%S}"
    form = {
        "severity": "high",
        "study_description": description,
        "study_instance_uid": NEW_UID,
        "assigned_to": "",
        "express_customer_id": "",
        "meta-TOTAL_FORMS": "1",
        "meta-INITIAL_FORMS": "0",
        "meta-0-key": "room",
        "meta-0-value": "CT-2",
    }

    created = client.post("/studies/new", form)

    assert created.status_code == 302
    (stored,) = [s for s in sandbox.studies() if s.study_instance_uid == NEW_UID]
    assert created["Location"] == f"/studies/{stored.study_id}"
    assert (stored.study_description, stored.severity, stored.metadata) == (
        description,
        "high",
        {"room": "CT-2"},
    )
    found = client.get(f"/?q={NEW_UID}")
    assert found.status_code == 302 and found["Location"] == created["Location"]
    page = client.get(found["Location"])
    assert description in page.content.decode() and "Study created" in page.content.decode()
    again = client.post("/studies/new", form)
    assert again.status_code == 400
    assert "A study with this Study Instance UID already exists." in again.content.decode()
    assert [s.study_instance_uid for s in sandbox.studies()].count(NEW_UID) == 1


def test_a_supervisor_saving_over_a_claim_made_meanwhile_sees_a_conflict(as_role, sandbox):
    """The issue's lost update: a supervisor opens the assignee picker, a radiologist
    claims the study, the supervisor saves a name. The claim stays; the supervisor is
    shown who has it now, with their choice kept, and can save again over it."""
    supervisor, radiologist = as_role("Supervisor"), as_role("Radiologist")
    me = Account.objects.get(user__username="radiologist").avara_user_id
    other = Account.objects.get(user__username="admin").avara_user_id
    study = active(sandbox, assigned_to=None)[0]
    path = f"/studies/{study.study_id}"
    seen = snapshot_from_page(supervisor, study.study_id)  # the picker opens on this

    claimed = radiologist.post(
        f"{path}/claim", {"t": snapshot_from_page(radiologist, study.study_id)}, headers=HX
    )
    conflict = supervisor.post(f"{path}/edit/assignee", {"value": other, "t": seen}, headers=HX)

    assert claimed.status_code == 200
    assert conflict.status_code == 409
    page = html.unescape(conflict.content.decode())
    assert "Assignee is now " in page and "Save again to apply your choice" in page
    assert f'<option value="{other}" selected>' in conflict.content.decode()
    assert sandbox.get(study.study_id).assigned_to_id == me  # the claim was not overwritten
    entries = AuditEntry.objects.filter(study_id=study.study_id).order_by("id")
    assert [(e.actor_username, e.outcome) for e in entries] == [
        ("radiologist", "applied"),
        ("supervisor", "conflict"),
    ]

    token = re.search(r'name="t" value="([^"]+)"', conflict.content.decode()).group(1)
    again = supervisor.post(
        f"{path}/edit/assignee", {"value": other, "t": html.unescape(token)}, headers=HX
    )

    assert again.status_code == 200
    assert sandbox.get(study.study_id).assigned_to_id == other
    last = AuditEntry.objects.filter(study_id=study.study_id).latest("id")
    assert (last.outcome, last.before["assigned_to"], last.after["assigned_to"]) == (
        "applied",
        me,
        other,
    )


def test_claim_without_javascript_confirms_then_claims(as_role, sandbox):
    client = as_role("Radiologist")
    me = Account.objects.get(user__username="radiologist").avara_user_id
    study = active(sandbox, assigned_to=None)[0]
    path = f"/studies/{study.study_id}"

    confirm = client.get(f"{path}/claim")
    token = re.search(r'name="t" value="([^"]+)"', confirm.content.decode()).group(1)
    done = client.post(f"{path}/claim", {"t": html.unescape(token), "next": "/?assignee=me"})

    assert confirm.status_code == 200 and "Claim this study?" in confirm.content.decode()
    assert done.status_code == 302 and done["Location"] == "/?assignee=me"
    assert sandbox.get(study.study_id).assigned_to_id == me
    assert study.study_id in row_ids(client.get("/?assignee=me&limit=100"))


def row_token(study_id: str, *, assignee: str) -> str:
    return seen_token_for(
        study_id=study_id, severity="normal", status="incomplete", assignee=assignee
    )
