"""The assignee picker always shows who has the study now, even when that person is not
in the (cached) users directory: a picker preselecting "Unassigned" for an assigned
study unassigns it on a plain Save, a change the user never chose."""

import pytest
from view_helpers import (
    control_token,
    hx,
    row_token,
    selected_values,
    study_id,
    study_json,
    text,
    token_query,
    user_json,
)

from studies import upstream
from studies.accounts.roles import ADMIN, SUPERVISOR

SID = study_id(1)
EDIT = f"/studies/{SID}/edit/assignee"
NEWCOMER_ID = user_json(42)["userId"]  # an Avara user added after the directory was cached


@pytest.mark.parametrize("role", [SUPERVISOR, ADMIN])
def test_the_inline_picker_keeps_an_assignee_missing_from_the_directory(login, avara, role):
    response = login(role).get(f"{EDIT}?{token_query(SID, 'assignee', NEWCOMER_ID)}", headers=hx())

    assert response.status_code == 200
    assert selected_values(response) == [NEWCOMER_ID]
    assert "Current assignee (unchanged)" in text(response)
    assert control_token(response) == row_token(SID, assignee=NEWCOMER_ID)
    assert avara.calls.call_count == 0


def test_the_picker_keeps_the_assignee_when_the_directory_cannot_be_loaded(login, avara):
    upstream.user_directory_clear()
    avara.get("/v1/viewer/users").respond(503)
    reader = user_json(1)["userId"]

    response = login(SUPERVISOR).get(f"{EDIT}?{token_query(SID, 'assignee', reader)}", headers=hx())

    assert response.status_code == 200
    assert selected_values(response) == [reader]


def test_the_picker_page_without_js_keeps_an_assignee_missing_from_the_directory(login, avara):
    newcomer = {"userId": NEWCOMER_ID, "email": "nora@clinic.test", "firstName": "Nora"}
    avara.get(f"/v1/viewer/studies/{SID}").respond(json=study_json(1, assignedTo=newcomer))

    response = login(SUPERVISOR).get(EDIT)

    assert response.status_code == 200
    assert selected_values(response) == [NEWCOMER_ID]


def test_people_are_grouped_by_clinical_role_and_named_alone(login, avara):
    """An option is a name alone ("First4 Last4", never "First4 Last4 — Radiologist"), so a
    picker sized to its options never clips one; the role is the group it is under."""
    response = login(SUPERVISOR).get(f"{EDIT}?{token_query(SID, 'assignee', None)}", headers=hx())

    page = text(response)
    assert response.status_code == 200
    group = page[page.index('<optgroup label="Radiologist">') :]
    group = group[: group.index("</optgroup>")]
    assert f'<option value="{user_json(4)["userId"]}">First4 Last4</option>' in group
    assert "—" not in page[page.index("<select") : page.index("</select>")]
    assert page.index('<option value="" selected>Unassigned</option>') < page.index("<optgroup")
