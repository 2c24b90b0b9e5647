"""Cancel and restore: a confirmation step, then read-compare-write (a read, the action, a
read to redraw), the row removed from a list it no longer belongs to (or redrawn), a toast,
and one audit row with its outcome."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from view_helpers import (
    STUDIES,
    called,
    error_json,
    hx,
    only_audit,
    sent_json,
    study_id,
    study_json,
    text,
    toast_of,
)

from studies import services, upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
READ = ("GET", STUDY_PATH)
WORKLIST = "http://testserver/"
CANCELLED_AT = "2024-03-16T08:00:00Z"


def study(*, cancelled: bool, **overrides) -> dict:
    stamp = CANCELLED_AT if cancelled else None
    return study_json(1, isCancelled=cancelled, cancelledAt=stamp, **overrides)


def mock_action(avara, verb: str, *, success: bool = True, message=None):
    """Avara holding the study in the state the action changes, then in the new one."""
    cancel = verb == "cancel"
    action = avara.post(f"{STUDIES}/{verb}").respond(json={"success": success, "message": message})
    read = avara.get(STUDY_PATH).mock(
        side_effect=[
            httpx.Response(200, json=study(cancelled=not cancel)),
            httpx.Response(200, json=study(cancelled=cancel, studyDescription="Read after")),
        ]
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
    ("verb", "role", "shown_list", "toast"),
    [("uncancel", ADMIN, "?cancelled=cancelled", "Study restored. It left this list.")],
)
def test_action_on_a_list_the_study_leaves_deletes_the_row(
    login, avara, verb, role, shown_list, toast
):
    action, _ = mock_action(avara, verb)
    client = login(role)

    with upstream.record_calls() as calls:
        response = client.post(
            f"/studies/{SID}/{verb}", headers=hx(current_url=WORKLIST + shown_list)
        )

    assert response.status_code == 200
    assert called(calls) == [READ, ("POST", f"{STUDIES}/{verb}"), READ]
    assert sent_json(action) == {"studyId": SID}
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert response["HX-Reswap"] == "delete"
    assert text(response) == ""
    assert toast_of(response) == {"message": toast, "level": "success"}
    entry = only_audit()
    assert (entry.actor, entry.action, entry.study_id) == (client.user, verb, SID)
    assert (entry.outcome, entry.accepted) == ("applied", True)
    assert entry.before == {"is_cancelled": verb == "uncancel"}
    assert entry.after == {"is_cancelled": verb == "cancel"}


@pytest.mark.parametrize(("role", "shown_list"), [(SUPERVISOR, "?severity=high"), (ADMIN, "")])
def test_a_cancel_that_takes_the_row_out_leaves_undo_in_its_place(login, avara, role, shown_list):
    """The row is not simply deleted: in its place, what happened and Undo (its author's
    token), and the study's page for a role that may see cancelled studies."""
    action, _ = mock_action(avara, "cancel")
    client = login(role)

    with upstream.record_calls() as calls:
        response = client.post(
            f"/studies/{SID}/cancel", headers=hx(current_url=WORKLIST + shown_list)
        )

    html = text(response)
    assert response.status_code == 200
    assert called(calls) == [READ, ("POST", f"{STUDIES}/cancel"), READ]
    assert sent_json(action) == {"studyId": SID}
    assert (response["HX-Retarget"], response["HX-Reswap"]) == (f"#study-{SID}", "outerHTML")
    assert html.startswith(f'<tr id="study-{SID}" class="row-notice"')
    assert "Study cancelled:</strong> Read after" in html
    assert f'hx-post="/studies/{SID}/undo"' in html and ">Undo</button>" in html
    token = re.search(r'name="u" value="([^"]+)"', html).group(1)
    assert services.undo_offer(actor=client.user, study_id=SID, token=token).open
    assert (f'href="/studies/{SID}"' in html) is (role == ADMIN)  # who may open it
    assert "HX-Trigger" not in response  # the notice says it, where the row was
    entry = only_audit()
    assert (entry.actor, entry.action, entry.outcome) == (client.user, "cancel", "applied")


@pytest.mark.parametrize(
    "current_url",
    [WORKLIST + "?cancelled=all", f"http://testserver/studies/{SID}", None],
    ids=["all-studies", "detail-page", "no-current-url"],
)
def test_action_where_the_study_still_belongs_redraws_the_row(login, avara, current_url):
    mock_action(avara, "cancel")

    response = login(ADMIN).post(f"/studies/{SID}/cancel", headers=hx(current_url=current_url))

    html = text(response)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Read after" in html and '<span class="tag">Cancelled</span>' in html
    assert f'href="/studies/{SID}/uncancel"' in html  # an admin can restore it from the row
    assert toast_of(response) == {"message": "Study cancelled.", "level": "success"}
    assert only_audit().outcome == "applied"


@pytest.mark.parametrize(
    ("role", "swap", "toast"),
    [
        (ADMIN, "outerHTML", "Already cancelled (since 16 Mar 08:00)."),
        (SUPERVISOR, "delete", "Already cancelled (since 16 Mar 08:00). It left this list."),
    ],
)
def test_cancelling_a_study_cancelled_meanwhile_sends_nothing_and_says_so(
    login, avara, role, swap, toast
):
    avara.get(STUDY_PATH).respond(json=study(cancelled=True))
    action = avara.post(f"{STUDIES}/cancel")

    with upstream.record_calls() as calls:
        response = login(role).post(
            f"/studies/{SID}/cancel", headers=hx(current_url=WORKLIST + "?cancelled=all")
        )

    assert response.status_code == 200
    assert called(calls) == [READ] and action.call_count == 0
    assert response["HX-Reswap"] == swap  # supervisors do not see cancelled studies
    assert toast_of(response) == {"message": toast, "level": "info"}
    entry = only_audit()
    assert (entry.outcome, entry.accepted) == ("not_applied", False)
    assert entry.detail == "Already cancelled (since 16 Mar 08:00)."


def test_success_false_is_refused_and_the_row_redrawn_from_a_fresh_read(login, avara):
    action, read = mock_action(
        avara, "cancel", success=False, message="Study is locked by the PACS."
    )
    read.side_effect = [
        httpx.Response(200, json=study(cancelled=False)),
        httpx.Response(200, json=study(cancelled=False, studyDescription="Read after")),
    ]

    with upstream.record_calls() as calls:
        response = login(ADMIN).post(
            f"/studies/{SID}/cancel", headers=hx(current_url=WORKLIST + "?cancelled=all")
        )

    assert response.status_code == 409
    assert called(calls) == [READ, ("POST", f"{STUDIES}/cancel"), READ]
    assert action.call_count == 1
    assert response["HX-Retarget"] == f"#study-{SID}"
    html = text(response)
    assert "Read after" in html and '<span class="tag">Cancelled</span>' not in html
    assert toast_of(response) == {"message": "Study is locked by the PACS.", "level": "error"}
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.detail) == (
        "refused",
        False,
        "Study is locked by the PACS.",
    )


NOT_FOUND = "That study does not exist in Avara (it may have been removed, or the id is wrong)."
NOT_ANSWERING = (
    "Nothing was changed: Avara is not answering right now (Avara is not available right "
    "now; try again in a moment.). Try again in a moment."
)
UNCHANGED_AFTER_ALL = (
    "Not saved: Avara did not answer properly, and a fresh read shows the study unchanged. "
    "Try again."
)

# failure -> (read answers, action answer, status, message, upstream calls, audit outcome)
FAILURES = {
    "read-404": (
        [httpx.Response(404, json=error_json("No such study.", kind="not_found_error"))],
        None,
        404,
        NOT_FOUND,
        [READ],
        "refused",
    ),
    "read-503": ([httpx.Response(503)], None, 503, NOT_ANSWERING, [READ], "not_applied"),
    "action-503": (
        [httpx.Response(200, json=study(cancelled=False))] * 2,
        httpx.Response(503),
        503,
        UNCHANGED_AFTER_ALL,
        [READ, ("POST", f"{STUDIES}/cancel"), READ],
        "not_applied",
    ),
}


def mock_failure(avara, failure):
    reads, answer, *_ = FAILURES[failure]
    avara.get(STUDY_PATH).mock(side_effect=reads)
    action = avara.post(f"{STUDIES}/cancel")
    if answer is not None:
        action.return_value = answer
    return action


@pytest.mark.parametrize("failure", FAILURES)
def test_upstream_failure_without_js_goes_back_with_the_reason(login, avara, failure):
    _, _, _, message, expected_calls, outcome = FAILURES[failure]
    mock_failure(avara, failure)
    client = login(SUPERVISOR)

    with upstream.record_calls() as calls:
        response = client.post(f"/studies/{SID}/cancel", {"next": "/?severity=high"})

    assert response.status_code == 302 and response["Location"] == "/?severity=high"
    assert called(calls) == expected_calls
    avara.get(STUDIES).respond(json={"studies": [], "cursor": None, "hasMore": False})
    page = text(client.get(response["Location"]))
    assert message in page and "Traceback" not in page
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.detail) == (outcome, False, message)


@pytest.mark.parametrize("failure", FAILURES)
def test_upstream_failure_over_htmx_is_an_error_toast(login, avara, failure):
    _, _, status, message, _, _ = FAILURES[failure]
    mock_failure(avara, failure)

    response = login(SUPERVISOR).post(f"/studies/{SID}/cancel", headers=hx(current_url=WORKLIST))

    assert response.status_code == status
    assert toast_of(response) == {"message": message, "level": "error"}
    if failure == "action-503":  # the settling read shows the study: its row is redrawn
        assert response["HX-Retarget"] == f"#study-{SID}"
        assert text(response).lstrip().startswith(f'<tr id="study-{SID}"')
    else:  # nothing to draw: the row stays as it is
        assert response["HX-Reswap"] == "none" and text(response) == ""


def after_cancel(response) -> tuple[str, dict]:
    """Where a cancel without JavaScript sends the browser: the path and its query."""
    parts = urlsplit(response["Location"])
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_cancel_without_js_shows_what_happened_with_undo(login, avara):
    action, _ = mock_action(avara, "cancel")
    client = login(ADMIN)

    with upstream.record_calls() as calls:
        response = client.post(f"/studies/{SID}/cancel")

    assert response.status_code == 302
    path, query = after_cancel(response)
    assert (path, query["next"]) == (f"/studies/{SID}/cancelled", f"/studies/{SID}")
    assert called(calls) == [READ, ("POST", f"{STUDIES}/cancel"), READ]
    assert action.call_count == 1
    avara.get(STUDY_PATH).respond(json=study(cancelled=True))
    page = text(client.get(response["Location"]))
    assert "<h1>Study cancelled</h1>" in page
    assert f'action="/studies/{SID}/undo"' in page and "Undo the cancel" in page
    assert f'href="/studies/{SID}">Open the study page' in page
    assert only_audit().outcome == "applied"


def test_supervisor_cancelling_from_the_study_page_is_led_back_to_the_worklist(login, avara):
    """Supervisors may cancel but not see cancelled studies: the page after the cancel
    says what happened and offers Undo, and leads back to the worklist, not a refusal."""
    mock_action(avara, "cancel")
    client = login(SUPERVISOR)

    response = client.post(f"/studies/{SID}/cancel", {"next": f"/studies/{SID}"})

    path, query = after_cancel(response)
    assert (path, query["next"]) == (f"/studies/{SID}/cancelled", "/")
    avara.get(STUDY_PATH).respond(json=study(cancelled=True))
    page = text(client.get(response["Location"]))
    assert "Undo the cancel" in page and "your role cannot open cancelled studies" in page
    assert f'href="/studies/{SID}"' not in page
    assert '<a class="button" href="/">Back to the list</a>' in page


BAD_NEXT = [
    "0",
    "null",
    "{{ 7*7 }}",
    "//evil.example/",
    "/\\evil.example/",
    "https://evil.example/",
]


@pytest.mark.parametrize("next_url", BAD_NEXT)
@pytest.mark.parametrize(("verb", "role"), [("cancel", ADMIN), ("uncancel", ADMIN)])
def test_cancel_and_restore_without_js_ignore_an_unsafe_next(login, avara, verb, role, next_url):
    mock_action(avara, verb)

    response = login(role).post(f"/studies/{SID}/{verb}", {"next": next_url})

    assert response.status_code == 302
    assert back_from(response) == f"/studies/{SID}"
    assert only_audit().outcome == "applied"


def back_from(response) -> str:
    """Where the user is led back to: the redirect, or after a cancel the page's link."""
    path, query = after_cancel(response)
    return query["next"] if path.endswith("/cancelled") else response["Location"]


@pytest.mark.parametrize(("verb", "role"), [("cancel", ADMIN), ("uncancel", ADMIN)])
def test_cancel_and_restore_without_js_follow_a_local_next(login, avara, verb, role):
    mock_action(avara, verb)

    response = login(role).post(f"/studies/{SID}/{verb}", {"next": "/?severity=high&p=2"})

    assert response.status_code == 302 and back_from(response) == "/?severity=high&p=2"


@pytest.mark.parametrize(
    ("verb", "role", "message"),
    [
        ("cancel", RADIOLOGIST, "Your role (Radiologist) may not cancel studies."),
        ("uncancel", SUPERVISOR, "Your role (Supervisor) may not restore cancelled studies."),
    ],
)
def test_a_role_refusal_without_js_is_a_403_page_and_costs_no_call(
    login, avara, verb, role, message
):
    client = login(role)

    response = client.post(f"/studies/{SID}/{verb}", {"next": "/"})

    assert response.status_code == 403
    assert message in text(response)
    assert avara.calls.call_count == 0
    entry = only_audit()
    assert (entry.actor, entry.action, entry.outcome, entry.detail) == (
        client.user,
        verb,
        "refused",
        message,
    )
