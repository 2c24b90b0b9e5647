"""A description the user did not touch is not saved, whatever its spacing: Avara may hold
one with leading or trailing spaces (another client wrote it), which the form trims."""

from view_helpers import STUDIES, details_form, only_audit, sent_json, study_id, study_json

from studies.accounts.roles import SUPERVISOR

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
PADDED = "  CT Head without Contrast  "


def test_a_metadata_edit_leaves_a_padded_description_alone(login, avara):
    now = study_json(1, studyDescription=PADDED)
    avara.get(STUDY_PATH).respond(json=now)
    mine = {"department": "neurology", "priority": "urgent"}
    patch = avara.patch(STUDY_PATH).respond(json={**now, "metadata": mine})

    # What the browser posts: the textarea and the hidden copy, both as the page showed.
    form = details_form(PADDED, pairs=mine, seen_description=PADDED)
    response = login(SUPERVISOR).post(f"/studies/{SID}/details", form)

    assert response.status_code == 302
    assert sent_json(patch) == {"metadata": mine}  # no description: the user left it
    assert "study_description" not in only_audit().after


def test_a_metadata_edit_is_no_description_conflict_with_a_colleague_rename(login, avara):
    """The colleague renamed the study meanwhile; this user changed only metadata: saved,
    and the colleague's description stays (nothing for the user to overwrite it with)."""
    now = study_json(1, studyDescription="Renamed by a colleague")
    avara.get(STUDY_PATH).respond(json=now)
    mine = {"department": "neurology", "priority": "urgent"}
    patch = avara.patch(STUDY_PATH).respond(json={**now, "metadata": mine})

    form = details_form(PADDED, pairs=mine, seen_description=PADDED)
    response = login(SUPERVISOR).post(f"/studies/{SID}/details", form)

    assert response.status_code == 302
    assert sent_json(patch) == {"metadata": mine}
