"""The bulk form as the view takes it (studies/views/bulk.py), against a mocked Avara: what
is refused before anything is sent, and the results page as it is sent (streamed, its
access line written when the last row has gone, its calls carrying the request's id).

The bulk actions themselves, against the sandbox: tests/integration/test_integration_bulk.py.
"""

import logging
import re

import pytest
from view_helpers import COLLEAGUE_ID, STUDIES, row_token, study_id, study_json, text

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditEntry
from studies.web.nonce import form_nonce

pytestmark = pytest.mark.django_db(transaction=True)  # the bulk's threads write the audit

SID = study_id(1)


def form(client, **fields) -> dict:
    data = {"action": "severity", "severity": "high", "pick": f"{SID}~{row_token(SID)}"}
    return {**data, "nonce": form_nonce(client.user), **fields}


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"pick": []}, "Select at least one study"),
        ({"pick": "stu_bad~x"}, "The selection was damaged"),
        ({"action": "assign", "assignee": ""}, "Choose whom to assign"),
        ({"action": "assign", "assignee": "usr_<b>"}, "Choose whom to assign"),
        ({"action": "severity", "severity": "urgent"}, "Select a valid choice"),
        ({"action": "delete"}, "Select a valid choice"),
    ],
)
def test_a_form_that_cannot_be_acted_on_sends_nothing(login, avara, fields, said):
    client = login(SUPERVISOR)

    response = client.post("/bulk", form(client, **fields))

    assert response.status_code == 400
    assert said in text(response) and "Nothing was changed" in text(response)
    assert not avara.calls.called
    assert not AuditEntry.objects.exists()


def test_at_most_so_many_studies_at_once(login, avara, settings):
    settings.TRIAGE_BULK_MAX = 2
    client = login(SUPERVISOR)
    picks = [f"{study_id(n)}~{row_token(study_id(n))}" for n in (1, 2, 3)]

    response = client.post("/bulk", form(client, pick=picks))

    assert response.status_code == 400
    assert "At most 2 studies in one action; 3 were selected." in text(response)
    assert not avara.calls.called


def test_the_results_page_streams_and_leads_back_only_here(login, avara, caplog):
    avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1, severity="high"))
    patch = avara.patch(f"{STUDIES}/{SID}").respond(json=study_json(1, severity="stat"))
    client = login(SUPERVISOR)

    with caplog.at_level(logging.INFO, logger="studies.request"):
        response = client.post("/bulk", form(client, severity="stat", next="https://evil.example/"))
        assert response.streaming
        lines_before = [r for r in caplog.records if r.getMessage().startswith("POST /bulk")]
        body = b"".join(response.streaming_content).decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and response["X-Accel-Buffering"] == "no"
    assert 'class="result result-done"' in body and "1 of 1 done" in body
    assert 'href="/">Back to the list' in body and "evil.example" not in body
    assert patch.calls.last.request.headers["X-Request-Id"] == response["X-Request-Id"]
    logged = [r for r in caplog.records if r.getMessage().startswith("POST /bulk")]
    assert lines_before == [] and len(logged) == 1  # written when the last piece went
    assert logged[0].avara_calls == 2


def test_a_radiologist_is_not_offered_what_the_role_may_not(login, avara):
    avara.get(STUDIES).respond(json={"studies": [study_json(1)], "cursor": None, "hasMore": False})

    bar = text(login(RADIOLOGIST).get("/")).split('<form id="bulk"')[1]

    assert 'value="claim"' in bar and 'value="complete"' in bar and "Give back" in bar
    assert 'value="assign"' not in bar and 'value="severity"' not in bar
    assert 'value="cancel"' not in bar and 'value="restore"' not in bar


def test_a_radiologist_assigning_to_someone_else_is_refused_per_study(login, avara):
    client = login(RADIOLOGIST)

    response = client.post("/bulk", form(client, action="assign", assignee=COLLEAGUE_ID))

    assert response.status_code == 403
    assert "Your role may only claim studies for yourself." in text(response)
    assert not avara.calls.called
    (entry,) = AuditEntry.objects.all()
    assert (entry.study_id, entry.outcome) == (SID, "refused")


def _cancelled_list(avara) -> None:
    page = {"studies": [study_json(1, isCancelled=True)], "cursor": None, "hasMore": False}
    avara.get(STUDIES).respond(json=page)


def test_the_cancelled_view_offers_only_restore(login, avara):
    """Every row there is cancelled: an edit or a cancel could only be refused."""
    _cancelled_list(avara)

    page = text(login(ADMIN).get("/?cancelled=cancelled"))
    bar = page.split('<form id="bulk"')[1].split("</form>")[0]

    assert 'value="restore"' in bar
    for action in ("assign", "unassign", "severity", "complete", "cancel", "claim"):
        assert f'value="{action}"' not in bar, action


def test_a_cancelled_row_picked_for_an_edit_is_refused_for_being_cancelled(login, avara):
    """On the admin's "All" view a cancelled row ticked with active ones says why it was
    not changed (restore it first), not that the page was damaged."""
    _cancelled_list(avara)
    client = login(ADMIN)
    pick = re.search(r'name="pick" value="([^"]+)"', text(client.get("/?cancelled=all")))[1]
    avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1, isCancelled=True))

    response = client.post("/bulk", form(client, pick=pick, severity="stat"))
    body = b"".join(response.streaming_content).decode()

    assert "must be restored before it can be changed" in body
    assert "damaged" not in body
    (entry,) = AuditEntry.objects.all()
    assert (entry.study_id, entry.outcome) == (SID, "refused")


@pytest.mark.parametrize(
    ("role", "heading"),
    [(RADIOLOGIST, "<h1>Give back: 1 study</h1>"), (SUPERVISOR, "<h1>Unassign: 1 study</h1>")],
)
def test_the_results_page_names_the_action_as_the_button_did(login, avara, role, heading):
    """A radiologist's bar says "Give back" (they may not assign anyone): so does the page."""
    avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1))
    avara.patch(f"{STUDIES}/{SID}").respond(json=study_json(1, assignedTo=None))
    client = login(role)

    response = client.post("/bulk", form(client, action="unassign"))

    assert heading in b"".join(response.streaming_content).decode()
