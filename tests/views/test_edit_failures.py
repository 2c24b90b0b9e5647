"""Inline saves that do not go through: a failure worth retrying (an invalid value, Avara
unavailable or busy, an answer lost and settled by a second read) keeps the control open
with the user's choice and the reason, in a row drawn from the fresh read when there is
one; Avara's refusals close it and toast. Every one leaves an audit row with its outcome."""

import httpx
import pytest
from view_helpers import (
    API_KEY,
    STUDIES,
    called,
    control_token,
    error_json,
    field_errors,
    hx,
    only_audit,
    row_seen,
    row_token,
    selected_values,
    study_id,
    study_json,
    text,
    toast_of,
    token_of,
)

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.infra.locks import study_lock

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
EDIT = f"/studies/{SID}/edit"
READ = ("GET", STUDY_PATH)
PATCH = ("PATCH", STUDY_PATH)


def post_edit(client, field, value, *, was="", headers=None):
    """POST a save as the row's control sends it: the value and the row's signed token."""
    data = {"value": value, "t": row_token(SID, **{field: was})}
    return client.post(f"{EDIT}/{field}", data, headers=hx() if headers is None else headers)


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


def test_a_save_that_got_no_answer_is_unknown_until_avara_shows_it(login, avara):
    """A timeout after sending: the read does not show the change, but the PATCH may still
    be on its way (a slow Avara applies it later), so neither "saved" nor "not saved"."""
    avara.get(STUDY_PATH).respond(json=study_json(1))
    mock_patch(avara, httpx.ReadTimeout("slow"))

    with upstream.record_calls() as calls:
        response = post_edit(login(SUPERVISOR), "severity", "stat", was="high")

    assert response.status_code == 502
    assert called(calls) == [READ, PATCH, READ]
    assert 'class="badge badge-high"' in text(response)  # what the fresh read shows
    toast = toast_of(response)
    assert toast["level"] == "error" and "may still be on its way" in toast["message"]
    entry = only_audit()
    assert (entry.outcome, entry.before, entry.after) == (
        "unknown",
        {"severity": "high"},
        {"severity": "stat"},
    )


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
        ("status", "done", "Choose Incomplete or Complete."),
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
