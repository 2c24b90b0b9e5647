"""Inline edits of severity, assignee and viewer status: a read, then one PATCH with one
field, the row redrawn from Avara's answer, a toast. A refusal redraws the row from the
fresh read and says why; a failure worth retrying keeps the control open with the user's
choice and the reason. (Conflicts with a change made meanwhile: test_conflicts.py.)"""

import httpx
import pytest
from view_helpers import (
    API_KEY,
    COLLEAGUE_ID,
    RADIOLOGIST_ID,
    SMITH,
    STUDIES,
    SUPERVISOR_ID,
    USER_ID,
    called,
    control_token,
    error_json,
    field_errors,
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
    token_query,
)

from studies import upstream
from studies.locks import study_lock
from studies.roles import ADMIN, RADIOLOGIST, SUPERVISOR

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


def token_of(body: dict) -> str:
    """The row token for a study as Avara sends it (what a row drawn from it carries)."""
    assignee = (body.get("assignedTo") or {}).get("userId", "")
    return row_token(
        body["studyId"],
        severity=body["severity"],
        status=body["studyViewerStatus"],
        assignee=assignee,
    )


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


# --- Failures: a retryable one keeps the control open; a refusal closes it ---------------

UNCHANGED_AFTER_ALL = (
    "Not saved: Avara did not answer properly, and a fresh read shows the study unchanged. "
    "Try again."
)
# failure -> (PATCH answer, status, message, upstream calls over HTMX, audit outcome and
# before). Answers that may have landed are settled by a second read (here: unchanged).
RETRYABLE = {
    "400-field": (
        httpx.Response(
            400, json=error_json("Invalid.", fields={"severity": "Avara will not take STAT now."})
        ),
        400,
        "Not saved: Avara will not take STAT now.",
        [READ, PATCH],
        ("refused", {}),
    ),
    "503": (
        httpx.Response(503),
        503,
        UNCHANGED_AFTER_ALL,
        [READ, PATCH, READ],
        ("not_applied", {"severity": "high"}),
    ),
    "timeout": (
        httpx.ReadTimeout("slow"),
        503,
        UNCHANGED_AFTER_ALL,
        [READ, PATCH, READ],
        ("not_applied", {"severity": "high"}),
    ),
    "not-json": (
        httpx.Response(200, text="<html>proxy</html>"),
        503,
        UNCHANGED_AFTER_ALL,
        [READ, PATCH, READ],
        ("not_applied", {"severity": "high"}),
    ),
    "unreachable": (
        httpx.ConnectError("refused"),  # never sent: nothing to settle
        503,
        "Not saved: Avara is not answering right now (The dashboard could not reach Avara; "
        "try again in a moment.). Try again in a moment.",
        [READ, PATCH],
        ("not_applied", {}),
    ),
}


def mock_patch(avara, answer):
    patch = avara.patch(STUDY_PATH)
    if isinstance(answer, httpx.Response):
        patch.return_value = answer
    else:
        patch.side_effect = answer
    return patch


@pytest.mark.parametrize("failure", RETRYABLE)
def test_retryable_failure_keeps_the_control_open_in_the_redrawn_row(login, avara, failure):
    answer, status, message, expected_calls, (outcome, before) = RETRYABLE[failure]
    avara.get(STUDY_PATH).respond(json=study_json(1))
    patch = mock_patch(avara, answer)

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "severity", "stat", was="high")

    html = text(response)
    assert response.status_code == status
    assert called(calls) == expected_calls and patch.call_count == 1
    # The row comes from the fresh read, with the control open on the user's choice.
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert response["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith(f'<tr id="study-{SID}"')
    assert '<td class="cell-severity editing">' in html
    assert selected_values(response) == ["stat"]
    assert field_errors(response) == [message]
    assert control_token(response) == row_seen(response) == token_of(study_json(1))
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.action, entry.study_id) == (
        outcome,
        False,
        "update",
        SID,
    )
    assert (entry.before, entry.after) == (before, {"severity": "stat"})
    assert entry.detail == message


@pytest.mark.parametrize("failure", RETRYABLE)
def test_retryable_failure_without_js_is_the_control_page_again(login, avara, failure):
    answer, status, message, expected_calls, _ = RETRYABLE[failure]
    avara.get(STUDY_PATH).respond(json=study_json(1))
    mock_patch(avara, answer)

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "severity", "stat", was="high", headers={})

    html = text(response)
    assert response.status_code == status
    assert called(calls) == [*expected_calls, READ]  # the page is drawn from a fresh read
    assert "<html" in html and "<h1>Change severity</h1>" in html
    assert "hx-post" not in html
    assert selected_values(response) == ["stat"]
    assert field_errors(response) == [message]
    assert control_token(response) == token_of(study_json(1))
    assert only_audit().outcome == RETRYABLE[failure][4][0]


def test_avara_refusing_the_patch_redraws_the_row_closed_and_toasts(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1))
    avara.patch(STUDY_PATH).respond(
        409, json=error_json("The study changed meanwhile.", kind="conflict_error")
    )

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "severity", "stat", was="high")

    message = "Not saved: The study changed meanwhile."
    assert response.status_code == 409
    assert called(calls) == [READ, PATCH]
    assert response["HX-Retarget"] == f"#study-{SID}"
    html = text(response)
    assert html.lstrip().startswith(f'<tr id="study-{SID}"') and "editing" not in html
    assert 'class="badge badge-high"' in html  # what Avara holds
    assert toast_of(response) == {"message": message, "level": "error"}
    entry = only_audit()
    assert (entry.outcome, entry.detail, entry.after) == ("refused", message, {"severity": "stat"})


def test_avara_refusing_the_patch_without_js_keeps_the_choice_on_the_control_page(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1))
    avara.patch(STUDY_PATH).respond(
        409, json=error_json("The study changed meanwhile.", kind="conflict_error")
    )

    response = post_edit(login(SUPERVISOR), "severity", "stat", was="high", headers={})

    assert response.status_code == 409
    assert selected_values(response) == ["stat"]
    assert field_errors(response) == ["Not saved: The study changed meanwhile."]


def test_a_failed_read_sends_nothing_and_keeps_the_control(login, avara):
    avara.get(STUDY_PATH).respond(503)
    patch = avara.patch(STUDY_PATH)
    token = row_token(SID, severity="high")

    response = login(SUPERVISOR).post(
        f"{EDIT}/severity", {"value": "stat", "t": token}, headers=hx()
    )

    message = (
        "Nothing was changed: Avara is not answering right now (Avara is not available right "
        "now; try again in a moment.). Try again in a moment."
    )
    assert response.status_code == 503
    assert patch.call_count == 0
    # No fresh study to draw the row from: the control alone, in its own cell.
    assert response["HX-Retarget"] == f"#study-{SID} .cell-severity"
    assert text(response).lstrip().startswith('<td class="cell-severity editing">')
    assert selected_values(response) == ["stat"]
    assert field_errors(response) == [message]
    assert control_token(response) == token
    entry = only_audit()
    assert (entry.outcome, entry.before, entry.after) == (
        "not_applied",
        {},
        {"severity": "stat"},
    )


def test_a_failed_read_without_js_is_an_error_page(login, avara):
    avara.get(STUDY_PATH).respond(503)
    patch = avara.patch(STUDY_PATH)

    response = post_edit(login(SUPERVISOR), "severity", "stat", was="high", headers={})

    assert response.status_code == 503
    assert "Avara is not answering right now" in text(response)
    assert "Traceback" not in text(response)
    assert patch.call_count == 0
    assert only_audit().outcome == "not_applied"


def test_a_lost_answer_is_settled_by_a_read_that_shows_the_change(login, avara):
    avara.get(STUDY_PATH).mock(
        side_effect=[
            httpx.Response(200, json=study_json(1)),
            httpx.Response(200, json=study_json(1, severity="stat")),
        ]
    )
    avara.patch(STUDY_PATH).mock(side_effect=httpx.ReadTimeout("slow"))

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "severity", "stat", was="high")

    assert response.status_code == 200
    assert called(calls) == [READ, PATCH, READ]
    assert 'class="badge badge-stat"' in text(response) and "editing" not in text(response)
    assert toast_of(response) == {
        "message": "Saved. (Avara's answer was lost; a fresh read shows the change is there.)",
        "level": "success",
    }
    entry = only_audit()
    assert (entry.outcome, entry.accepted) == ("applied", True)
    assert (entry.before, entry.after) == ({"severity": "high"}, {"severity": "stat"})


def test_a_lost_answer_that_cannot_be_settled_says_the_outcome_is_unknown(login, avara):
    avara.get(STUDY_PATH).mock(
        side_effect=[httpx.Response(200, json=study_json(1)), httpx.Response(503)]
    )
    avara.patch(STUDY_PATH).mock(side_effect=httpx.ReadTimeout("slow"))

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "severity", "stat", was="high")

    message = (
        "Avara did not confirm the change and the study cannot be read right now, so it is "
        "not known whether it was saved. Check the study before trying again."
    )
    assert response.status_code == 502
    assert called(calls) == [READ, PATCH, READ]
    assert response["HX-Reswap"] == "none"  # no fresh study to draw: the row stays
    assert toast_of(response) == {"message": message, "level": "error"}
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.detail) == ("unknown", False, message)
    assert (entry.before, entry.after) == ({"severity": "high"}, {"severity": "stat"})


def test_failed_claim_keeps_me_selected(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None))
    avara.patch(STUDY_PATH).respond(503)

    response = post_edit(login(RADIOLOGIST), "assignee", "me")

    assert response.status_code == 503
    assert selected_values(response) == ["me"]
    assert field_errors(response) == [UNCHANGED_AFTER_ALL]
    assert only_audit().outcome == "not_applied"


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
    assert field_errors(response) == [message]
    assert response["HX-Retarget"] == f"#study-{SID} .cell-{field}"
    assert avara.calls.call_count == 0
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.detail) == ("refused", False, message)
    wire = {"severity": "severity", "status": "study_viewer_status", "assignee": "assigned_to"}
    assert entry.after == {wire[field]: value}


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


def test_a_save_while_another_save_of_the_study_is_in_flight_is_busy(login, avara, settings):
    settings.TRIAGE_LOCK_WAIT = 0  # do not wait for the other writer

    with study_lock(study_id=SID) as held:  # another dashboard write holds the study
        assert held
        response = post_edit(login(SUPERVISOR), "severity", "stat", was="high")

    message = "Someone else is saving this study right now; nothing was changed. Try again."
    assert response.status_code == 409
    assert avara.calls.call_count == 0
    assert response["HX-Retarget"] == f"#study-{SID} .cell-severity"  # retryable: kept open
    assert selected_values(response) == ["stat"]
    assert field_errors(response) == [message]
    entry = only_audit()
    assert (entry.outcome, entry.detail, entry.after) == ("refused", message, {"severity": "stat"})


def test_a_refused_api_key_is_a_502_that_never_shows_the_key(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1))
    avara.patch(STUDY_PATH).respond(401, json=error_json(f"Bad key {API_KEY}"))

    response = post_edit(login(SUPERVISOR), "severity", "stat", was="high")

    message = (
        "Not saved: The dashboard's Avara API key was refused; ask an administrator to check "
        "AVARA_API_KEY."
    )
    assert response.status_code == 502
    assert toast_of(response) == {"message": message, "level": "error"}
    assert API_KEY not in text(response) and API_KEY not in response["HX-Trigger"]
    assert "editing" not in text(response)  # nothing the user can retry
    entry = only_audit()
    assert (entry.outcome, entry.detail) == ("refused", message)
    assert API_KEY not in str(entry.before) + str(entry.after) + entry.detail
