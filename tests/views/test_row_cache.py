"""Rows are rendered once and reused (studies/fragments.py), so these pin down what a
reuse must never do: show a study as it was before a change upstream, or show one
user's controls to another."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from view_helpers import (
    RADIOLOGIST_ID,
    STUDIES,
    page_json,
    person_json,
    study_id,
    study_json,
    text,
)

from studies import presenters
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


# --- A whole list's rows, reused (studies/presenters.py: rendered_rows) ------------------


def _rows(response) -> list[str]:
    body = text(response)
    return [part.split('"', 1)[0] for part in body.split('<tr id="study-')[1:]]


def test_a_list_reordered_upstream_shows_in_the_new_order(login, avara):
    client = login(SUPERVISOR)
    avara.get(STUDIES).respond(json=page_json(study_json(1), study_json(2)))
    assert _rows(client.get("/")) == [study_id(1), study_id(2)]

    avara.get(STUDIES).respond(json=page_json(study_json(2), study_json(1)))

    assert _rows(client.get("/")) == [study_id(2), study_id(1)]


def test_two_readers_of_one_role_see_their_own_me_tags(login, make_account, avara):
    other_id = "usr_" + "8" * 32
    avara.get(STUDIES).respond(
        json=page_json(
            study_json(1, assignedTo=person_json(RADIOLOGIST_ID, "Rita", "Reader")),
            study_json(2, assignedTo=person_json(other_id, "Otto", "Other")),
        )
    )
    mine = login(RADIOLOGIST)
    other = Client()
    other.force_login(make_account(RADIOLOGIST, username="otto", avara_user_id=other_id))

    first, second = text(mine.get("/")), text(other.get("/"))

    def me_tags(body):
        return [sid for sid in (study_id(1), study_id(2)) if 'tag-me">Me<' in _row_of(body, sid)]

    assert me_tags(first) == [study_id(1)]
    assert me_tags(second) == [study_id(2)]
    assert f"/studies/{study_id(1)}/complete" in _row_of(first, study_id(1))
    assert f"/studies/{study_id(1)}/complete" not in _row_of(second, study_id(1))


def _row_of(body: str, sid: str) -> str:
    start = body.index(f'<tr id="study-{sid}"')
    return body[start : body.index("</tr>", start)]


def test_ages_move_on_with_the_clock_alone(login, avara, monkeypatch):
    updated = (timezone.now() - timedelta(minutes=3, seconds=5)).isoformat()
    _serve(avara, updatedAt=updated.replace("+00:00", "Z"))
    client = login(SUPERVISOR)
    assert ">3m ago<" in _row(client.get("/"))

    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr("studies.presenters.timezone.now", lambda: later)

    assert ">5m ago<" in _row(client.get("/"))


def test_a_list_shown_again_is_one_lookup_not_one_per_row(login, avara, monkeypatch):
    client = login(SUPERVISOR)
    avara.get(STUDIES).respond(json=page_json(*(study_json(n) for n in range(1, 6))))
    first = client.get("/")
    per_row = []
    real = presenters.fragment
    monkeypatch.setattr(
        presenters, "fragment", lambda *a, **k: per_row.append(a[1]) or real(*a, **k)
    )

    again = client.get("/")

    assert per_row == []
    assert _rows(again) == _rows(first) == [study_id(n) for n in range(1, 6)]
