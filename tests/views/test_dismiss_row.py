"""Dismissing a control (Cancel, Keep, Escape) redraws the row from a fresh read; a study
that no longer belongs in the list on screen leaves it then, as after a save."""

from view_helpers import STUDIES, hx, person_json, study_id, study_json, text, toast_of

from studies.accounts.roles import SUPERVISOR

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
CLAIMANT = person_json("usr_" + "7" * 32, "Priya", "Raman")


def test_dismissing_a_control_on_a_list_the_study_left_removes_the_row(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=CLAIMANT))  # claimed meanwhile

    response = login(SUPERVISOR).get(
        f"/studies/{SID}/row", headers=hx(current_url="http://testserver/?assignee=none")
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert response["HX-Reswap"] == "delete"
    assert text(response) == ""
    assert toast_of(response) == {
        "message": "This study changed meanwhile: it left this list.",
        "level": "info",
    }


def test_dismissing_a_control_where_the_study_still_belongs_redraws_it(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=CLAIMANT))

    response = login(SUPERVISOR).get(
        f"/studies/{SID}/row", headers=hx(current_url="http://testserver/")
    )

    assert response["HX-Reswap"] == "outerHTML"
    assert "Priya Raman" in text(response)
    assert "HX-Trigger" not in response  # nothing to say
