"""The row's Claim and Complete buttons: over HTMX a POST carrying the row's token (a read,
then one PATCH, the row redrawn); without JavaScript a GET asks first (a confirmation page
drawn from one read) and a POST does it, then goes back to a safe `next`."""

import pytest
from view_helpers import (
    COLLEAGUE_ID,
    RADIOLOGIST_ID,
    STUDIES,
    called,
    hx,
    only_audit,
    person_json,
    row_seen,
    row_token,
    sent_json,
    study_id,
    study_json,
    text,
    toast_of,
)

from studies import upstream
from studies.accounts.roles import RADIOLOGIST
from studies.models import AuditEntry

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
READ = ("GET", STUDY_PATH)
PATCH = ("PATCH", STUDY_PATH)
ME = person_json(RADIOLOGIST_ID, "First1", "Last1")
COLLEAGUE = person_json(COLLEAGUE_ID, "First4", "Last4")
WHEN = "15 Mar 14:20"  # the study's updatedAt


def unassigned() -> dict:
    return study_json(1, assignedTo=None)


def mine(**overrides) -> dict:
    return study_json(1, assignedTo=ME, **overrides)


def claim(client, *, headers=None, **data):
    data.setdefault("t", row_token(SID, assignee=""))
    return client.post(f"/studies/{SID}/claim", data, headers=hx() if headers is None else headers)


def complete(client, *, headers=None, **data):
    data.setdefault("t", row_token(SID, assignee=RADIOLOGIST_ID))
    headers = hx() if headers is None else headers
    return client.post(f"/studies/{SID}/complete", data, headers=headers)


# --- Claim ---------------------------------------------------------------------------------


def test_claim_reads_then_patches_and_redraws_the_row_as_mine(login, avara):
    avara.get(STUDY_PATH).respond(json=unassigned())
    patch = avara.patch(STUDY_PATH).respond(json=mine())
    client = login(RADIOLOGIST)

    with upstream.record_calls() as calls:
        response = claim(client)

    html = text(response)
    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert sent_json(patch) == {"assignedTo": RADIOLOGIST_ID}
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert 'class="tag tag-me"' in html and f"/studies/{SID}/claim" not in html
    assert f'href="/studies/{SID}/complete" data-post' in html  # now theirs to complete
    assert row_seen(response) == row_token(SID, assignee=RADIOLOGIST_ID)
    assert toast_of(response) == {"message": "Assignee saved: First1 Last1.", "level": "success"}
    entry = only_audit()
    assert (entry.actor, entry.outcome) == (client.user, "applied")
    assert entry.before == {"assigned_to": None, "assigned_to_name": "Unassigned"}
    assert entry.after == {"assigned_to": RADIOLOGIST_ID, "assigned_to_name": "First1 Last1"}


def test_a_claim_lost_to_a_colleague_says_who_has_it_and_shows_them(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=COLLEAGUE))
    patch = avara.patch(STUDY_PATH)

    with upstream.record_calls() as calls:
        response = claim(login(RADIOLOGIST))

    html = text(response)
    assert response.status_code == 409
    assert called(calls) == [READ] and patch.call_count == 0
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert html.lstrip().startswith(f'<tr id="study-{SID}"')
    assert "First4 Last4" in html and f"/studies/{SID}/claim" not in html
    message = f"First4 Last4 has this study (since {WHEN})."
    assert toast_of(response) == {"message": message, "level": "warning"}
    entry = only_audit()
    assert (entry.outcome, entry.accepted) == ("conflict", False)
    assert entry.before == {"assigned_to": COLLEAGUE_ID, "assigned_to_name": "First4 Last4"}


def test_claiming_a_study_already_mine_sends_nothing(login, avara):
    avara.get(STUDY_PATH).respond(json=mine())
    patch = avara.patch(STUDY_PATH)

    response = claim(login(RADIOLOGIST))

    assert response.status_code == 200
    assert patch.call_count == 0
    assert toast_of(response) == {
        "message": "Nothing to change: assignee is already First1 Last1.",
        "level": "info",
    }
    assert only_audit().outcome == "not_applied"


def test_claim_without_js_asks_first_on_a_page_drawn_from_one_read(login, avara):
    read = avara.get(STUDY_PATH).respond(json=unassigned())

    response = login(RADIOLOGIST).get(f"/studies/{SID}/claim?next=/%3Fassignee%3Dnone")

    html = text(response)
    assert response.status_code == 200
    assert read.call_count == 1 and avara.calls.call_count == 1
    assert "<h1>Claim this study?</h1>" in html and "Example study 1" in html
    assert f'<form method="post" action="/studies/{SID}/claim">' in html
    assert "hx-post" not in html
    assert f'<input type="hidden" name="t" value="{row_token(SID, assignee="")}">' in html
    assert '<input type="hidden" name="next" value="/?assignee=none">' in html
    assert ">Yes, claim it</button>" in html
    assert AuditEntry.objects.count() == 0


def test_claim_confirmation_of_a_cancelled_study_is_not_found(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, isCancelled=True, assignedTo=None))

    response = login(RADIOLOGIST).get(f"/studies/{SID}/claim")

    assert response.status_code == 404
    assert "That study is cancelled." in text(response)


@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("/?assignee=none", "/?assignee=none"),
        ("", f"/studies/{SID}"),
        ("0", f"/studies/{SID}"),
        ("null", f"/studies/{SID}"),
        ("{{ 7*7 }}", f"/studies/{SID}"),
        ("//evil.example/", f"/studies/{SID}"),
        ("/\\evil.example/", f"/studies/{SID}"),
    ],
)
def test_claim_without_js_does_it_and_goes_back_to_a_safe_next(login, avara, next_url, location):
    avara.get(STUDY_PATH).respond(json=unassigned())
    patch = avara.patch(STUDY_PATH).respond(json=mine())

    response = claim(login(RADIOLOGIST), headers={}, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == location
    assert patch.call_count == 1
    assert only_audit().outcome == "applied"


def test_a_lost_claim_without_js_says_who_has_it_on_the_next_page(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=COLLEAGUE))
    patch = avara.patch(STUDY_PATH)
    client = login(RADIOLOGIST)

    response = claim(client, headers={})

    assert response.status_code == 302 and response["Location"] == f"/studies/{SID}"
    assert patch.call_count == 0
    page = text(client.get(response["Location"]))
    assert f"First4 Last4 has this study (since {WHEN})." in page


# --- Complete ------------------------------------------------------------------------------


def test_complete_reads_then_patches_the_status(login, avara):
    avara.get(STUDY_PATH).respond(json=mine())
    patch = avara.patch(STUDY_PATH).respond(json=mine(studyViewerStatus="complete"))

    with upstream.record_calls() as calls:
        response = complete(login(RADIOLOGIST))

    html = text(response)
    assert response.status_code == 200
    assert called(calls) == [READ, PATCH]
    assert sent_json(patch) == {"studyViewerStatus": "complete"}
    assert 'class="status status-complete"' in html
    assert f"/studies/{SID}/complete" not in html  # nothing left to complete
    assert toast_of(response) == {"message": "Viewer status saved: Complete.", "level": "success"}
    entry = only_audit()
    assert entry.outcome == "applied"
    assert (entry.before, entry.after) == (
        {"study_viewer_status": "incomplete"},
        {"study_viewer_status": "complete"},
    )


def test_completing_a_study_completed_meanwhile_sends_nothing(login, avara):
    avara.get(STUDY_PATH).respond(json=mine(studyViewerStatus="complete"))
    patch = avara.patch(STUDY_PATH)

    response = complete(login(RADIOLOGIST))

    assert response.status_code == 200
    assert patch.call_count == 0
    assert toast_of(response) == {
        "message": "Nothing to change: viewer status is already Complete.",
        "level": "info",
    }
    assert only_audit().outcome == "not_applied"


def test_completing_a_study_reassigned_meanwhile_is_refused_and_shows_the_new_reader(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=COLLEAGUE))
    patch = avara.patch(STUDY_PATH)

    response = complete(login(RADIOLOGIST))

    html = text(response)
    message = (
        "This study is assigned to First4 Last4; only its reader or a supervisor can change it."
    )
    assert response.status_code == 403
    assert patch.call_count == 0
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert "First4 Last4" in html and 'class="tag tag-me"' not in html
    assert f"/studies/{SID}/complete" not in html and "editing" not in html
    assert toast_of(response) == {"message": message, "level": "error"}
    entry = only_audit()
    assert (entry.outcome, entry.detail) == ("refused", message)


def test_complete_without_js_asks_first(login, avara):
    avara.get(STUDY_PATH).respond(json=mine())

    response = login(RADIOLOGIST).get(f"/studies/{SID}/complete")

    html = text(response)
    assert response.status_code == 200
    assert "<h1>Mark this study complete?</h1>" in html
    assert f'<form method="post" action="/studies/{SID}/complete">' in html
    assert ">Yes, mark complete</button>" in html
    assert f'<input type="hidden" name="next" value="/studies/{SID}">' in html
    assert avara.calls.call_count == 1 and AuditEntry.objects.count() == 0
