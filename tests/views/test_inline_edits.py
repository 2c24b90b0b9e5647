"""Inline edits of severity, assignee and viewer status: a read, then one PATCH with one
field, the row redrawn from Avara's answer, a toast; a role refusal redraws the row from
the fresh read and says why; opening a control. (Failures: test_edit_failures.py;
conflicts with a change made meanwhile: test_conflicts.py.)"""

import pytest
from view_helpers import (
    COLLEAGUE_ID,
    RADIOLOGIST_ID,
    SMITH,
    STUDIES,
    SUPERVISOR_ID,
    USER_ID,
    called,
    control_token,
    hx,
    only_audit,
    person_json,
    row_seen,
    row_token,
    selected_values,
    sent_json,
    study_id,
    study_json,
    text,
    toast_of,
    token_of,
    token_query,
)

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
EDIT = f"/studies/{SID}/edit"
READ = ("GET", STUDY_PATH)
PATCH = ("PATCH", STUDY_PATH)

COLLEAGUE = "First4 Last4"  # COLLEAGUE_ID's name in the users directory

# field -> what the user posts, what Avara gets and answers, what the user sees, the audit row.
SAVES = {
    "severity": {
        "value": "stat",
        "was": "high",
        "patch": {"severity": "stat"},
        "answer": {"severity": "stat"},
        "visible": 'class="badge badge-stat"',
        "toast": "Severity saved: STAT.",
        "before": {"severity": "high"},
        "after": {"severity": "stat"},
    },
    "status": {
        "value": "complete",
        "was": "incomplete",
        "patch": {"studyViewerStatus": "complete"},
        "answer": {"studyViewerStatus": "complete"},
        "visible": 'class="status status-complete"',
        "toast": "Viewer status saved: Complete.",
        "before": {"study_viewer_status": "incomplete"},
        "after": {"study_viewer_status": "complete"},
    },
    "assignee": {
        "value": COLLEAGUE_ID,
        "was": USER_ID,
        "patch": {"assignedTo": COLLEAGUE_ID},
        "answer": {"assignedTo": person_json(COLLEAGUE_ID, "First4", "Last4")},
        "visible": COLLEAGUE,
        "toast": f"Assignee saved: {COLLEAGUE}.",
        "before": {"assigned_to": USER_ID, "assigned_to_name": SMITH},
        "after": {"assigned_to": COLLEAGUE_ID, "assigned_to_name": COLLEAGUE},
    },
}


def post_edit(client, field, value, *, was="", headers=None, **extra):
    """POST a save as the row's control sends it: the value and the row's signed token."""
    data = {"value": value, "t": row_token(SID, **{field: was}), **extra}
    return client.post(f"{EDIT}/{field}", data, headers=hx() if headers is None else headers)


@pytest.mark.parametrize("role", [SUPERVISOR, ADMIN])
@pytest.mark.parametrize("field", SAVES)
def test_save_reads_then_patches_only_that_field_and_redraws_the_row(login, avara, role, field):
    case = SAVES[field]
    read = avara.get(STUDY_PATH).respond(json=study_json(1))  # as the row showed it
    answer = study_json(1, studyDescription="Redrawn from the PATCH answer", **case["answer"])
    patch = avara.patch(STUDY_PATH).respond(json=answer)
    client = login(role)

    with upstream.record_calls() as calls:
        response = post_edit(client, field, case["value"], was=case["was"])

    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert (read.call_count, patch.call_count) == (1, 1)
    assert sent_json(patch) == case["patch"]
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert response["HX-Reswap"] == "outerHTML"
    html = text(response)
    assert html.lstrip().startswith(f'<tr id="study-{SID}"')
    assert "Redrawn from the PATCH answer" in html and case["visible"] in html
    assert "editing" not in html  # the control is closed
    assert row_seen(response) == token_of(answer)  # the next save compares with this
    assert toast_of(response) == {"message": case["toast"], "level": "success"}
    entry = only_audit()
    assert (entry.actor, entry.actor_username) == (client.user, client.user.username)
    assert (entry.action, entry.study_id) == ("update", SID)
    assert (entry.outcome, entry.accepted) == ("applied", True)
    assert (entry.before, entry.after) == (case["before"], case["after"])


def test_choosing_what_the_study_already_holds_sends_nothing(login, avara):
    """Someone else set STAT meanwhile and the user chose STAT: no PATCH, said so."""
    avara.get(STUDY_PATH).respond(json=study_json(1, severity="stat"))
    patch = avara.patch(STUDY_PATH)

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "severity", "stat", was="high")

    assert response.status_code == 200
    assert called(calls) == [READ] and patch.call_count == 0
    assert 'class="badge badge-stat"' in text(response)
    assert row_seen(response) == token_of(study_json(1, severity="stat"))
    message = "Nothing to change: severity is already STAT."
    assert toast_of(response) == {"message": message, "level": "info"}
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.detail) == ("not_applied", False, message)
    assert entry.before == {"severity": "stat"}


def test_supervisor_unassigns_with_a_null_assignee(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1))
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=None))

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "assignee", "", was=USER_ID)

    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert sent_json(patch) == {"assignedTo": None}
    assert toast_of(response)["message"] == "Assignee saved: Unassigned."
    entry = only_audit(accepted=True)
    assert entry.outcome == "applied"
    assert entry.before == {"assigned_to": USER_ID, "assigned_to_name": SMITH}
    assert entry.after == {"assigned_to": None, "assigned_to_name": "Unassigned"}


def test_supervisor_claim_reads_then_patches_their_own_id(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1))
    mine = person_json(SUPERVISOR_ID, "First2", "Last2")
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=mine))

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "assignee", "me", was=USER_ID)

    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert sent_json(patch) == {"assignedTo": SUPERVISOR_ID}
    entry = only_audit()
    assert entry.before == {"assigned_to": USER_ID, "assigned_to_name": SMITH}
    assert entry.after == {"assigned_to": SUPERVISOR_ID, "assigned_to_name": "First2 Last2"}


def test_radiologist_claim_reads_the_study_then_patches_it(login, avara):
    read = avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None))
    mine = person_json(RADIOLOGIST_ID, "First1", "Last1")
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=mine))

    with upstream.record_calls() as calls:
        response = post_edit(login(RADIOLOGIST), "assignee", "me")

    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert (read.call_count, patch.call_count) == (1, 1)
    assert sent_json(patch) == {"assignedTo": RADIOLOGIST_ID}
    assert 'class="tag tag-me"' in text(response)
    assert toast_of(response)["message"] == "Assignee saved: First1 Last1."
    entry = only_audit()
    assert (entry.outcome, entry.accepted) == ("applied", True)
    assert entry.before == {"assigned_to": None, "assigned_to_name": "Unassigned"}
    assert entry.after == {"assigned_to": RADIOLOGIST_ID, "assigned_to_name": "First1 Last1"}


def test_radiologist_gives_back_their_own_study(login, avara):
    mine = person_json(RADIOLOGIST_ID, "First1", "Last1")
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=mine))
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=None))

    with upstream.record_calls() as calls:
        response = post_edit(login(RADIOLOGIST), "assignee", "", was=RADIOLOGIST_ID)

    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert sent_json(patch) == {"assignedTo": None}
    assert only_audit().after == {"assigned_to": None, "assigned_to_name": "Unassigned"}


def test_radiologist_may_not_assign_someone_else(login, avara):
    patch = avara.patch(STUDY_PATH)

    response = post_edit(login(RADIOLOGIST), "assignee", COLLEAGUE_ID)

    message = "Your role may only claim studies for yourself."
    assert response.status_code == 403
    assert toast_of(response) == {"message": message, "level": "error"}
    assert response["HX-Reswap"] == "none" and text(response) == ""
    assert avara.calls.call_count == 0 and patch.call_count == 0
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.study_id, entry.detail) == (
        "refused",
        False,
        SID,
        message,
    )
    assert entry.after == {"assigned_to": COLLEAGUE_ID}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("me", f"Already assigned to {SMITH}; ask a supervisor to reassign it."),
        ("", "Only a supervisor can unassign a study that is not yours."),
    ],
    ids=["claim", "unassign"],
)
def test_radiologist_may_not_take_a_study_from_someone_else(login, avara, value, message):
    read = avara.get(STUDY_PATH).respond(json=study_json(1))  # assigned to Dr Smith
    patch = avara.patch(STUDY_PATH)

    response = post_edit(login(RADIOLOGIST), "assignee", value, was=USER_ID)

    assert response.status_code == 403
    assert toast_of(response) == {"message": message, "level": "error"}
    # The row is redrawn from the fresh read: Dr Smith's, nothing to claim.
    assert response["HX-Retarget"] == f"#study-{SID}"
    html = text(response)
    assert html.lstrip().startswith(f'<tr id="study-{SID}"')
    assert SMITH in html and "editing" not in html and f"{SID}/claim" not in html
    assert (read.call_count, patch.call_count) == (1, 0)
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.detail) == ("refused", False, message)


# --- Opening a control ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["severity", "status", "assignee"])
def test_opening_a_control_costs_no_call_and_preselects_the_value(login, avara, field):
    value = {"severity": "normal", "status": "complete", "assignee": COLLEAGUE_ID}[field]
    query = token_query(SID, field, value)

    response = login(SUPERVISOR).get(f"{EDIT}/{field}?{query}", headers=hx(target=""))

    assert response.status_code == 200
    assert selected_values(response) == [value]
    assert text(response).lstrip().startswith(f'<td class="cell-{field} editing">')
    assert response["HX-Retarget"] == f"#study-{SID} .cell-{field}"
    assert control_token(response) == row_token(SID, **{field: value})  # sent back on Save
    assert avara.calls.call_count == 0


def test_opening_a_control_over_htmx_without_the_row_token_is_out_of_date(login, avara):
    response = login(SUPERVISOR).get(f"{EDIT}/severity", headers=hx())

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#toasts"
    assert "This row is out of date or was altered" in text(response)
    assert avara.calls.call_count == 0


def test_opening_a_control_without_js_renders_a_page_from_one_read(login, avara):
    read = avara.get(STUDY_PATH).respond(json=study_json(1, severity="normal"))

    response = login(SUPERVISOR).get(f"{EDIT}/severity?next=/studies/{SID}")

    html = text(response)
    assert response.status_code == 200
    assert read.call_count == 1 and avara.calls.call_count == 1
    assert "<h1>Change severity</h1>" in html and "Example study 1" in html
    assert f'<form method="post" action="{EDIT}/severity">' in html and "hx-post" not in html
    assert selected_values(response) == ["normal"]  # as Avara holds it now
    assert control_token(response) == token_of(study_json(1, severity="normal"))
    assert f'name="next" value="/studies/{SID}"' in html


def test_the_control_page_of_a_cancelled_study_is_not_found_for_supervisors(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, isCancelled=True))

    response = login(SUPERVISOR).get(f"{EDIT}/severity")

    assert response.status_code == 404
    assert "That study is cancelled." in text(response)


def test_unknown_field_is_404(login, avara):
    assert login(ADMIN).get(f"{EDIT}/description").status_code == 404
    assert avara.calls.call_count == 0


@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("/?severity=stat", "/?severity=stat"),
        ("https://evil.example/", f"/studies/{SID}"),
        ("0", f"/studies/{SID}"),
        ("null", f"/studies/{SID}"),
        ("{{ 7*7 }}", f"/studies/{SID}"),
        ("//evil.example/", f"/studies/{SID}"),
        ("/\\evil.example/", f"/studies/{SID}"),
        ("studies:worklist", f"/studies/{SID}"),
    ],
)
def test_save_without_js_redirects_to_a_safe_next(login, avara, next_url, location):
    avara.get(STUDY_PATH).respond(json=study_json(1))
    avara.patch(STUDY_PATH).respond(json=study_json(1, severity="stat"))
    client = login(SUPERVISOR)

    with upstream.record_calls() as calls:
        response = post_edit(client, "severity", "stat", was="high", headers={}, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == location
    assert called(calls) == [READ, PATCH]
    assert only_audit().outcome == "applied"


def test_dismissing_a_control_redraws_the_row_with_one_read(login, avara):
    read = avara.get(STUDY_PATH).respond(json=study_json(1, studyDescription="As stored now"))

    response = login(RADIOLOGIST).get(f"/studies/{SID}/row", headers=hx())

    assert response.status_code == 200
    assert "As stored now" in text(response)
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert row_seen(response) == token_of(study_json(1))
    assert read.call_count == 1


def test_radiologist_control_on_their_own_study_shows_them_selected(login, avara):
    response = login(RADIOLOGIST).get(
        f"{EDIT}/assignee?{token_query(SID, 'assignee', RADIOLOGIST_ID)}", headers=hx()
    )

    assert response.status_code == 200
    assert selected_values(response) == ["me"]


def test_refused_assignment_makes_no_call_even_with_a_cold_directory(login, avara):
    upstream.user_directory_clear()

    response = post_edit(login(RADIOLOGIST), "assignee", COLLEAGUE_ID, was=USER_ID)

    assert response.status_code == 403
    assert avara.calls.call_count == 0
