"""Rows are rendered once and reused (studies/fragments.py), so these pin down what a
reuse must never do: show a study as it was before a change upstream, or show one
user's controls to another."""

from datetime import timedelta

from django.utils import timezone
from view_helpers import STUDIES, page_json, person_json, study_id, study_json, text

from studies.roles import RADIOLOGIST, SUPERVISOR

SID = study_id(1)


def _row(response) -> str:
    body = text(response)
    start = body.index(f'<tr id="study-{SID}"')
    return body[start : body.index("</tr>", start)]


def _serve(avara, **fields):
    avara.get(STUDIES).respond(json=page_json(study_json(1, **fields)))


def test_a_change_upstream_shows_even_when_updated_at_did_not_move(login, avara):
    client = login(SUPERVISOR)
    _serve(avara, studyDescription="CT Head")
    assert "CT Head" in _row(client.get("/"))

    _serve(avara, studyDescription="CT Head and Neck")  # same updatedAt as before

    assert "CT Head and Neck" in _row(client.get("/"))


def test_a_renamed_assignee_shows_the_new_name(login, avara):
    client = login(SUPERVISOR)
    _serve(avara, assignedTo=person_json("usr_" + "7" * 32, "Ada", "Reader"))
    assert "Ada Reader" in _row(client.get("/"))

    _serve(avara, assignedTo=person_json("usr_" + "7" * 32, "Ada", "Lovelace"))

    row = _row(client.get("/"))
    assert "Ada Lovelace" in row and "Ada Reader" not in row


def test_two_roles_never_share_a_row(login, avara):
    _serve(avara, assignedTo=None)
    supervisor_row = _row(login(SUPERVISOR).get("/"))
    radiologist_row = _row(login(RADIOLOGIST).get("/"))
    again = _row(login(SUPERVISOR).get("/"))

    assert f"/studies/{SID}/edit/severity" in supervisor_row
    assert f"/studies/{SID}/cancel" in supervisor_row
    assert f"/studies/{SID}/edit/severity" not in radiologist_row
    assert f"/studies/{SID}/cancel" not in radiologist_row
    assert f"/studies/{SID}/claim" in radiologist_row  # a reader's own control
    assert again == supervisor_row


def test_a_study_crossing_its_threshold_gets_the_overdue_tag(login, avara, monkeypatch):
    created = timezone.now() - timedelta(hours=3, minutes=50)  # High: 4 h
    stamp = created.isoformat().replace("+00:00", "Z")
    _serve(avara, severity="high", createdAt=stamp, updatedAt=stamp)
    client = login(SUPERVISOR)
    assert ">Due soon<" in _row(client.get("/"))

    later = timezone.now() + timedelta(minutes=20)
    monkeypatch.setattr("studies.presenters.timezone.now", lambda: later)

    row = _row(client.get("/"))
    assert ">Overdue<" in row and "clock-overdue" in row
