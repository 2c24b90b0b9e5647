"""A field someone changed between the user's look and the user's save is a conflict:
nothing is written, the row is redrawn from the fresh read with the control open on the
user's choice, the message says what the field is now, and a new token lets Save apply
the choice over it. A change to another field is not a conflict."""

import pytest
from django.utils import timezone
from view_helpers import (
    COLLEAGUE_ID,
    RADIOLOGIST_ID,
    SMITH,
    STUDIES,
    USER_ID,
    called,
    control_token,
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
    token_of,
)

from studies import upstream
from studies.accounts.roles import RADIOLOGIST, SUPERVISOR
from studies.audit import audit_record
from studies.models import AuditEntry

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
EDIT = f"/studies/{SID}/edit"
READ = ("GET", STUDY_PATH)
PATCH = ("PATCH", STUDY_PATH)
SEEN = {"severity": "high", "status": "incomplete", "assignee": USER_ID}  # the stock study
WHEN = "15 Mar 14:20"  # the study's updatedAt, not today, in the dashboard's time zone
AGAIN = " Save again to apply your choice over it, or Close to keep it."
COLLEAGUE = person_json(COLLEAGUE_ID, "First4", "Last4")

# field -> what changed upstream meanwhile, what the user chose, what they are told, the
# audit row (values as stored: the pages word them), and what Save-again sends.
CONFLICTS = {
    "severity": {
        "now": {"severity": "normal"},
        "chosen": "stat",
        "message": f"Severity is now Normal, set {WHEN}.",
        "before": {"severity": "normal"},
        "after": {"severity": "stat"},
        "patch": {"severity": "stat"},
    },
    "status": {
        "now": {"studyViewerStatus": "complete"},
        "chosen": "incomplete",
        "message": f"Viewer status is now Complete, set {WHEN}.",
        "before": {"study_viewer_status": "complete"},
        "after": {"study_viewer_status": "incomplete"},
        "patch": {"studyViewerStatus": "incomplete"},
    },
    "assignee": {
        "now": {"assignedTo": COLLEAGUE},
        "chosen": RADIOLOGIST_ID,
        "message": f"Assignee is now First4 Last4, set {WHEN}.",
        "before": {"assigned_to": COLLEAGUE_ID, "assigned_to_name": "First4 Last4"},
        "after": {"assigned_to": RADIOLOGIST_ID},
        "patch": {"assignedTo": RADIOLOGIST_ID},
    },
}


def save(client, field, value, token, *, headers=None):
    data = {"value": value, "t": token}
    return client.post(f"{EDIT}/{field}", data, headers=hx() if headers is None else headers)


@pytest.mark.parametrize("field", CONFLICTS)
def test_a_field_changed_meanwhile_is_a_conflict_and_nothing_is_written(login, avara, field):
    case = CONFLICTS[field]
    now = study_json(1, **case["now"])
    avara.get(STUDY_PATH).respond(json=now)
    patch = avara.patch(STUDY_PATH)
    client = login(SUPERVISOR)

    with upstream.record_calls() as calls:
        response = save(client, field, case["chosen"], row_token(SID, **SEEN))

    html = text(response)
    assert response.status_code == 409
    assert called(calls) == [READ] and patch.call_count == 0
    # The row as it is now, the control re-opened on the user's choice, the reason in it.
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert response["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith(f'<tr id="study-{SID}"')
    assert f'<td class="cell-{field} editing">' in html
    assert selected_values(response) == [case["chosen"]]
    assert field_errors(response) == [case["message"] + AGAIN]
    # A new token: what the user has now seen.
    assert control_token(response) == row_seen(response) == token_of(now)
    entry = only_audit()
    assert (entry.actor, entry.action, entry.study_id) == (client.user, "update", SID)
    assert (entry.outcome, entry.accepted) == ("conflict", False)
    assert entry.detail == "Not saved, changed meanwhile: " + case["message"]
    assert (entry.before, entry.after) == (case["before"], case["after"])


@pytest.mark.parametrize("field", CONFLICTS)
def test_save_again_after_a_conflict_applies_the_choice_over_the_new_value(login, avara, field):
    case = CONFLICTS[field]
    now = study_json(1, **case["now"])
    avara.get(STUDY_PATH).respond(json=now)
    patch = avara.patch(STUDY_PATH).respond(json=now)
    client = login(SUPERVISOR)
    conflict = save(client, field, case["chosen"], row_token(SID, **SEEN))

    with upstream.record_calls() as calls:
        response = save(client, field, case["chosen"], control_token(conflict))

    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert sent_json(patch) == case["patch"]
    outcomes = list(AuditEntry.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["conflict", "applied"]


def test_a_conflict_names_who_set_the_value_when_the_dashboard_did(login, avara, make_account):
    colleague = make_account(SUPERVISOR, username="sue", avara_user_id=COLLEAGUE_ID)
    colleague.first_name, colleague.last_name = "Sue", "Okafor"
    colleague.save()
    setter = audit_record(
        actor=colleague,
        action="update",
        study_id=SID,
        before={"severity": "high"},
        after={"severity": "normal"},
        outcome="applied",
    )
    avara.get(STUDY_PATH).respond(json=study_json(1, severity="normal"))

    response = save(login(SUPERVISOR), "severity", "stat", row_token(SID, **SEEN))

    at = timezone.localtime(setter.created_at).strftime("%H:%M")  # today: the time alone
    message = f"Severity is now Normal, set {at} by Sue Okafor."
    assert response.status_code == 409
    assert field_errors(response) == [message + AGAIN]
    assert AuditEntry.objects.filter(outcome="conflict").get().detail.endswith(message)


def test_a_conflict_without_js_is_the_control_page_with_both_values(login, avara):
    now = study_json(1, severity="normal")
    avara.get(STUDY_PATH).respond(json=now)
    patch = avara.patch(STUDY_PATH)

    with upstream.record_calls() as calls:
        response = save(login(SUPERVISOR), "severity", "stat", row_token(SID, **SEEN), headers={})

    assert response.status_code == 409
    assert called(calls) == [READ, READ] and patch.call_count == 0
    assert "<h1>Change severity</h1>" in text(response)
    assert selected_values(response) == ["stat"]
    assert field_errors(response) == [f"Severity is now Normal, set {WHEN}."]
    assert control_token(response) == token_of(now)
    assert only_audit().outcome == "conflict"


@pytest.mark.parametrize(
    ("field", "value", "meanwhile", "patch_body"),
    [
        ("severity", "stat", {"studyViewerStatus": "complete"}, {"severity": "stat"}),
        ("status", "complete", {"severity": "stat"}, {"studyViewerStatus": "complete"}),
        ("assignee", COLLEAGUE_ID, {"severity": "normal"}, {"assignedTo": COLLEAGUE_ID}),
    ],
)
def test_a_change_to_another_field_meanwhile_is_not_a_conflict(
    login, avara, field, value, meanwhile, patch_body
):
    now = study_json(1, **meanwhile)
    avara.get(STUDY_PATH).respond(json=now)
    patch = avara.patch(STUDY_PATH).respond(json=now)

    with upstream.record_calls() as calls:
        response = save(login(SUPERVISOR), field, value, row_token(SID, **SEEN))

    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert sent_json(patch) == patch_body  # only the user's field, over the other change
    assert only_audit().outcome == "applied"


def test_a_radiologist_claiming_a_study_taken_meanwhile_sees_who_has_it(login, avara):
    """A radiologist may not take it over: the row is redrawn closed, with the new owner."""
    avara.get(STUDY_PATH).respond(json=study_json(1))  # Dr Smith has it now
    patch = avara.patch(STUDY_PATH)

    response = save(
        login(RADIOLOGIST),
        "assignee",
        "me",
        row_token(SID, assignee=""),  # the row showed it unassigned
        headers=hx(target=f"study-{SID}"),
    )

    message = f"Assignee is now {SMITH}, set {WHEN}."
    html = text(response).lstrip()
    assert response.status_code == 409
    assert patch.call_count == 0
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert html.startswith(f'<tr id="study-{SID}"') and "editing" not in html
    assert SMITH in html and f"/studies/{SID}/claim" not in html
    assert toast_of(response) == {"message": message, "level": "warning"}
    entry = only_audit()
    assert (entry.outcome, entry.before) == (
        "conflict",
        {"assigned_to": USER_ID, "assigned_to_name": SMITH},
    )
    assert entry.after == {"assigned_to": RADIOLOGIST_ID}
