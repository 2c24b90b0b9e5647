"""Cancel and restore: a confirmation step, the action plus one read, the row removed from a
list it no longer belongs to (or redrawn), a toast, and one audit row."""

import httpx
import pytest
from view_helpers import (
    STUDIES,
    error_json,
    hx,
    only_audit,
    sent_json,
    study_id,
    study_json,
    text,
    toast_of,
)

from studies import upstream
from studies.roles import ADMIN, SUPERVISOR

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
WORKLIST = "http://testserver/"


def mock_action(avara, verb: str, *, cancelled_after: bool, success: bool = True, message=None):
    action = avara.post(f"{STUDIES}/{verb}").respond(json={"success": success, "message": message})
    read = avara.get(STUDY_PATH).respond(
        json=study_json(1, isCancelled=cancelled_after, studyDescription="Read after the action")
    )
    return action, read


@pytest.mark.parametrize(("verb", "role"), [("cancel", SUPERVISOR), ("uncancel", ADMIN)])
def test_confirmation_over_htmx_costs_no_call(login, avara, verb, role):
    response = login(role).get(f"/studies/{SID}/{verb}", headers=hx())

    html = text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<td class="cell-actions confirming">')
    assert f'hx-post="/studies/{SID}/{verb}"' in html
    assert avara.calls.call_count == 0


def test_confirmation_page_without_js_reads_the_study_once(login, avara):
    read = avara.get(STUDY_PATH).respond(json=study_json(1, studyDescription="Shown to confirm"))

    response = login(SUPERVISOR).get(f"/studies/{SID}/cancel")

    assert response.status_code == 200
    assert "Cancel this study?" in text(response) and "Shown to confirm" in text(response)
    assert read.call_count == 1 and avara.calls.call_count == 1


@pytest.mark.parametrize(
    ("verb", "role", "shown_list", "cancelled_after", "toast"),
    [
        ("cancel", SUPERVISOR, "?severity=high", True, "Study cancelled. It left this list."),
        ("cancel", ADMIN, "", True, "Study cancelled. It left this list."),
        ("uncancel", ADMIN, "?cancelled=cancelled", False, "Study restored. It left this list."),
    ],
)
def test_action_on_a_list_the_study_leaves_deletes_the_row(
    login, avara, verb, role, shown_list, cancelled_after, toast
):
    action, _ = mock_action(avara, verb, cancelled_after=cancelled_after)
    client = login(role)

    with upstream.record_calls() as calls:
        response = client.post(
            f"/studies/{SID}/{verb}", headers=hx(current_url=WORKLIST + shown_list)
        )

    assert response.status_code == 200
    assert [(c.method, c.path) for c in calls] == [
        ("POST", f"{STUDIES}/{verb}"),
        ("GET", STUDY_PATH),
    ]
    assert sent_json(action) == {"studyId": SID}
    assert response["HX-Reswap"] == "delete"
    assert text(response) == ""
    assert toast_of(response) == {"message": toast, "level": "success"}
    entry = only_audit()
    assert (entry.actor, entry.action, entry.study_id, entry.accepted) == (
        client.user,
        verb,
        SID,
        True,
    )
    assert entry.before == {"is_cancelled": verb == "uncancel"}
    assert entry.after == {"is_cancelled": verb == "cancel"}


@pytest.mark.parametrize(
    "current_url",
    [WORKLIST + "?cancelled=all", f"http://testserver/studies/{SID}", None],
    ids=["all-studies", "detail-page", "no-current-url"],
)
def test_action_where_the_study_still_belongs_redraws_the_row(login, avara, current_url):
    mock_action(avara, "cancel", cancelled_after=True)

    response = login(ADMIN).post(f"/studies/{SID}/cancel", headers=hx(current_url=current_url))

    html = text(response)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Read after the action" in html and '<span class="tag">Cancelled</span>' in html
    assert f'href="/studies/{SID}/uncancel"' in html  # an admin can restore it from the row
    assert toast_of(response) == {"message": "Study cancelled.", "level": "success"}
    assert only_audit().accepted is True


def test_success_false_warns_and_is_audited_as_refused(login, avara):
    action, read = mock_action(
        avara, "cancel", cancelled_after=True, success=False, message="Study is already cancelled."
    )

    response = login(ADMIN).post(
        f"/studies/{SID}/cancel", headers=hx(current_url=WORKLIST + "?cancelled=all")
    )

    assert response.status_code == 200
    assert toast_of(response) == {"message": "Study is already cancelled.", "level": "warning"}
    assert (action.call_count, read.call_count) == (1, 1)
    entry = only_audit()
    assert (entry.accepted, entry.detail) == (False, "Study is already cancelled.")


UPSTREAM_FAILURES = pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        (httpx.Response(503), 503, "Avara is not answering right now"),
        (
            httpx.Response(404, json=error_json("No such study.", kind="not_found_error")),
            404,
            "That study does not exist in Avara",
        ),
    ],
    ids=["503", "404"],
)


@UPSTREAM_FAILURES
def test_upstream_failure_without_js_is_an_error_page_and_a_refused_audit(
    login, avara, answer, status, message
):
    action = avara.post(f"{STUDIES}/cancel").mock(return_value=answer)
    read = avara.get(STUDY_PATH)

    response = login(SUPERVISOR).post(f"/studies/{SID}/cancel")

    assert response.status_code == status
    assert message in text(response) and "Traceback" not in text(response)
    assert (action.call_count, read.call_count) == (1, 0)
    entry = only_audit()
    assert entry.accepted is False and message in entry.detail


@UPSTREAM_FAILURES
def test_upstream_failure_over_htmx_is_an_error_toast(login, avara, answer, status, message):
    avara.post(f"{STUDIES}/cancel").mock(return_value=answer)

    response = login(SUPERVISOR).post(f"/studies/{SID}/cancel", headers=hx(current_url=WORKLIST))

    assert response.status_code == status
    assert response["HX-Retarget"] == "#toasts"
    assert message in text(response) and "toast-error" in text(response)


def test_cancel_without_js_redirects_to_the_study_page_with_a_message(login, avara):
    action = avara.post(f"{STUDIES}/cancel").respond(json={"success": True, "message": None})
    client = login(ADMIN)

    response = client.post(f"/studies/{SID}/cancel")

    assert response.status_code == 302
    assert response["Location"] == f"/studies/{SID}"
    assert action.call_count == 1 and avara.calls.call_count == 1
    avara.get(STUDY_PATH).respond(json=study_json(1, isCancelled=True))
    page = client.get(response["Location"])
    assert "Study cancelled." in text(page)
    assert only_audit().accepted is True


def test_supervisor_cancelling_from_the_study_page_lands_on_the_worklist(login, avara):
    """Supervisors may cancel but not see cancelled studies: no redirect to a refusal."""
    avara.post(f"{STUDIES}/cancel").respond(json={"success": True, "message": None})

    response = login(SUPERVISOR).post(f"/studies/{SID}/cancel", {"next": f"/studies/{SID}"})

    assert response.status_code == 302 and response["Location"] == "/"
