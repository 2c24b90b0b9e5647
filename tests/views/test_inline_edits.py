"""Inline edits of severity, assignee and viewer status: one PATCH with one field, the row
redrawn from Avara's answer, a toast; a refusal keeps the user's choice and says why."""

import httpx
import pytest
from view_helpers import (
    COLLEAGUE_ID,
    RADIOLOGIST_ID,
    SMITH,
    STUDIES,
    SUPERVISOR_ID,
    USER_ID,
    error_json,
    hx,
    only_audit,
    person_json,
    row_token,
    selected_values,
    sent_json,
    study_id,
    study_json,
    text,
    toast_of,
    token_query,
)

from studies import upstream
from studies.roles import ADMIN, RADIOLOGIST, SUPERVISOR

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
EDIT = f"/studies/{SID}/edit"
UPDATED_AT = "2024-03-15T14:20:00+00:00"

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
    """POST a save as the row's control sends it: the value and the row's signed snapshot."""
    data = {"value": value, "t": row_token(SID, **{field: was}), **extra}
    return client.post(f"{EDIT}/{field}", data, headers=hx() if headers is None else headers)


@pytest.mark.parametrize("role", [SUPERVISOR, ADMIN])
@pytest.mark.parametrize("field", SAVES)
def test_save_sends_one_patch_with_only_that_field_and_redraws_the_row(login, avara, role, field):
    case = SAVES[field]
    answer = study_json(1, studyDescription="Redrawn from the PATCH answer", **case["answer"])
    patch = avara.patch(STUDY_PATH).respond(json=answer)
    client = login(role)

    with upstream.record_calls() as calls:
        response = post_edit(client, field, case["value"], was=case["was"])

    assert response.status_code == 200
    assert [(c.method, c.path) for c in calls] == [("PATCH", STUDY_PATH)]
    assert sent_json(patch) == case["patch"]
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert response["HX-Reswap"] == "outerHTML"
    html = text(response)
    assert html.lstrip().startswith(f'<tr id="study-{SID}"')
    assert "Redrawn from the PATCH answer" in html and case["visible"] in html
    assert toast_of(response) == {"message": case["toast"], "level": "success"}
    entry = only_audit()
    assert (entry.actor, entry.actor_username) == (client.user, client.user.username)
    assert (entry.action, entry.study_id, entry.accepted) == ("update", SID, True)
    assert (entry.before, entry.after) == (case["before"], case["after"])


def test_supervisor_unassigns_with_a_null_assignee(login, avara):
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=None))

    response = post_edit(login(SUPERVISOR), "assignee", "", was=USER_ID)

    assert response.status_code == 200
    assert sent_json(patch) == {"assignedTo": None}
    assert toast_of(response)["message"] == "Assignee saved: Unassigned."
    entry = only_audit(accepted=True)
    assert entry.before == {"assigned_to": USER_ID, "assigned_to_name": SMITH}
    assert entry.after == {"assigned_to": None, "assigned_to_name": "Unassigned"}


def test_supervisor_claim_is_one_patch_without_a_read(login, avara):
    mine = person_json(SUPERVISOR_ID, "First2", "Last2")
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=mine))

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "assignee", "me", was=USER_ID)

    assert response.status_code == 200
    assert [c.method for c in calls] == ["PATCH"]
    assert sent_json(patch) == {"assignedTo": SUPERVISOR_ID}


def test_radiologist_claim_reads_the_study_then_patches_it(login, avara):
    read = avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None))
    mine = person_json(RADIOLOGIST_ID, "First1", "Last1")
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=mine))

    with upstream.record_calls() as calls:
        response = post_edit(login(RADIOLOGIST), "assignee", "me")

    assert response.status_code == 200
    assert [(c.method, c.path) for c in calls] == [("GET", STUDY_PATH), ("PATCH", STUDY_PATH)]
    assert (read.call_count, patch.call_count) == (1, 1)
    assert sent_json(patch) == {"assignedTo": RADIOLOGIST_ID}
    assert 'class="tag tag-me"' in text(response)
    assert toast_of(response)["message"] == "Assignee saved: First1 Last1."
    entry = only_audit()
    assert entry.accepted is True
    assert entry.before == {"assigned_to": None, "assigned_to_name": "Unassigned"}
    assert entry.after == {"assigned_to": RADIOLOGIST_ID, "assigned_to_name": "First1 Last1"}


def test_radiologist_gives_back_their_own_study(login, avara):
    mine = person_json(RADIOLOGIST_ID, "First1", "Last1")
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=mine))
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, assignedTo=None))

    response = post_edit(login(RADIOLOGIST), "assignee", "", was=RADIOLOGIST_ID)

    assert response.status_code == 200
    assert sent_json(patch) == {"assignedTo": None}


def test_radiologist_may_not_assign_someone_else(login, avara):
    patch = avara.patch(STUDY_PATH)

    response = post_edit(login(RADIOLOGIST), "assignee", COLLEAGUE_ID)

    assert response.status_code == 403
    assert "Your role may only claim studies for yourself." in text(response)
    assert avara.calls.call_count == 0 and patch.call_count == 0
    entry = only_audit()
    assert (entry.accepted, entry.study_id, entry.after) == (
        False,
        SID,
        {"assigned_to": COLLEAGUE_ID},
    )


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
    assert message in text(response)
    assert (read.call_count, patch.call_count) == (1, 0)
    entry = only_audit()
    assert (entry.accepted, entry.detail) == (False, message)


FAILURES = {
    "400-field": (
        httpx.Response(
            400, json=error_json("Invalid.", fields={"severity": "Avara will not take STAT now."})
        ),
        400,
        "Avara will not take STAT now.",
    ),
    "409": (
        httpx.Response(409, json=error_json("The study changed meanwhile.", kind="conflict_error")),
        409,
        "The study changed meanwhile.",
    ),
    "503": (httpx.Response(503), 503, "Avara is not answering right now"),
    "timeout": (httpx.ReadTimeout("slow"), 503, "Avara did not answer in time"),
    "not-json": (httpx.Response(200, text="<html>proxy</html>"), 503, "could not understand"),
}


@pytest.mark.parametrize("headers", [hx(), {}], ids=["htmx", "no-js"])
@pytest.mark.parametrize("failure", FAILURES)
def test_failed_save_keeps_the_choice_and_says_why(login, avara, failure, headers):
    answer, status, reason = FAILURES[failure]
    patch = avara.patch(STUDY_PATH)
    if isinstance(answer, httpx.Response):
        patch.return_value = answer
    else:
        patch.side_effect = answer

    response = post_edit(login(SUPERVISOR), "severity", "stat", was="high", headers=headers)

    html = text(response)
    assert response.status_code == status
    assert selected_values(response) == ["stat"]
    assert reason in html and 'role="alert"' in html
    assert ("<html" in html) is not headers
    # HTMX: the control goes back into its own cell, whichever element asked.
    assert response.get("HX-Retarget") == (f"#study-{SID} .cell-severity" if headers else None)
    assert patch.call_count == 1
    entry = only_audit()
    assert (entry.accepted, entry.action, entry.study_id) == (False, "update", SID)
    assert (entry.before, entry.after) == ({"severity": "high"}, {"severity": "stat"})
    assert reason in entry.detail


def test_failed_claim_keeps_me_selected(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None))
    avara.patch(STUDY_PATH).respond(409, json=error_json("Taken.", kind="conflict_error"))

    response = post_edit(login(RADIOLOGIST), "assignee", "me")

    assert response.status_code == 409
    assert selected_values(response) == ["me"]
    assert "Taken." in text(response)
    assert only_audit().accepted is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("severity", "urgent", "Choose STAT, High or Normal."),
        ("status", "done", "Choose To read or Complete."),
        ("assignee", "usr_nothex", "Not a valid assignee."),
    ],
)
def test_invalid_value_is_refused_without_a_call(login, avara, field, value, message):
    response = post_edit(login(ADMIN), field, value)

    assert response.status_code == 400
    assert message in text(response)
    assert avara.calls.call_count == 0
    assert only_audit().accepted is False


@pytest.mark.parametrize("field", ["severity", "status", "assignee"])
def test_opening_a_control_costs_no_call_and_preselects_the_value(login, avara, field):
    value = {"severity": "normal", "status": "complete", "assignee": COLLEAGUE_ID}[field]

    response = login(SUPERVISOR).get(
        f"{EDIT}/{field}?{token_query(SID, field, value)}", headers=hx(target="")
    )

    assert response.status_code == 200
    assert selected_values(response) == [value]
    assert text(response).lstrip().startswith(f'<td class="cell-{field} editing">')
    assert avara.calls.call_count == 0


def test_opening_a_control_without_js_renders_a_page(login, avara):
    response = login(SUPERVISOR).get(
        f"{EDIT}/severity?{token_query(SID, 'severity', 'high')}&next=/studies/{SID}"
    )

    assert response.status_code == 200
    assert "<h1>Change severity</h1>" in text(response)
    assert f'name="next" value="/studies/{SID}"' in text(response)


def test_unknown_field_is_404(login, avara):
    assert login(ADMIN).get(f"{EDIT}/description").status_code == 404
    assert avara.calls.call_count == 0


@pytest.mark.parametrize(
    ("next_url", "location"),
    [("/?severity=stat", "/?severity=stat"), ("https://evil.example/", f"/studies/{SID}")],
)
def test_save_without_js_redirects_to_a_safe_next(login, avara, next_url, location):
    avara.patch(STUDY_PATH).respond(json=study_json(1, severity="stat"))

    response = post_edit(login(SUPERVISOR), "severity", "stat", headers={}, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == location


def test_dismissing_a_control_redraws_the_row_with_one_read(login, avara):
    read = avara.get(STUDY_PATH).respond(json=study_json(1, studyDescription="As stored now"))

    response = login(RADIOLOGIST).get(f"/studies/{SID}/row", headers=hx())

    assert response.status_code == 200
    assert "As stored now" in text(response)
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert read.call_count == 1


def test_radiologist_control_on_their_own_study_shows_them_selected(login, avara):
    response = login(RADIOLOGIST).get(
        f"{EDIT}/assignee?{token_query(SID, 'assignee', RADIOLOGIST_ID)}", headers=hx()
    )

    assert response.status_code == 200
    assert selected_values(response) in (["me"], [RADIOLOGIST_ID])


def test_refused_claim_from_the_row_button_does_not_replace_the_row_by_a_cell(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1))  # assigned to Dr Smith

    response = post_edit(login(RADIOLOGIST), "assignee", "me", headers=hx(target=f"study-{SID}"))

    assert response.status_code == 403
    html = text(response).lstrip()
    assert response.has_header("HX-Retarget") or html.startswith(f'<tr id="study-{SID}"')


def test_refused_assignment_makes_no_call_even_with_a_cold_directory(login, avara):
    upstream.user_directory_clear()

    response = post_edit(login(RADIOLOGIST), "assignee", COLLEAGUE_ID, was=USER_ID)

    assert response.status_code == 403
    assert avara.calls.call_count == 0
