"""A worklist answer's ETag (studies/views/respond.py: list_state): an unchanged list
polled again is a 304, and anything its rows show differently is not: a study changed
upstream, or a turnaround clock that moved on with time alone."""

from datetime import timedelta

from django.utils import timezone
from view_helpers import STUDIES, page_json, study_json

from studies.accounts.roles import SUPERVISOR


def _stamp(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _poll(client, etag: str):
    return client.get("/", headers={"If-None-Match": etag})


def test_an_unchanged_list_polled_again_is_not_modified(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1), study_json(2)))
    client = login(SUPERVISOR)
    first = client.get("/")

    again = _poll(client, first["ETag"])

    assert first.status_code == 200 and again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_a_study_changed_upstream_is_a_new_answer(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    first = client.get("/")
    avara.get(STUDIES).respond(json=page_json(study_json(1, severity="stat")))

    again = _poll(client, first["ETag"])

    assert again.status_code == 200 and again["ETag"] != first["ETag"]


def test_a_clock_that_moved_on_is_a_new_answer_and_then_settles(login, avara, monkeypatch):
    now = timezone.now()
    created = now - timedelta(hours=3, minutes=59)  # High: overdue at 4 h
    avara.get(STUDIES).respond(
        json=page_json(study_json(1, severity="high", createdAt=_stamp(created)))
    )
    client = login(SUPERVISOR)
    monkeypatch.setattr(timezone, "now", lambda: now)
    first = client.get("/")
    assert _poll(client, first["ETag"]).status_code == 304  # still due soon

    later = now + timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    overdue = _poll(client, first["ETag"])

    assert overdue.status_code == 200 and "clock-overdue" in overdue.content.decode()
    assert _poll(client, overdue["ETag"]).status_code == 304

    monkeypatch.setattr(timezone, "now", lambda: now)  # the clock set back: due soon again
    assert _poll(client, overdue["ETag"]).status_code == 200


def test_a_finished_study_crossing_its_threshold_changes_nothing_shown(login, avara, monkeypatch):
    """A study already read shows no turnaround clock, so time alone never makes its
    list a new answer."""
    now = timezone.now()
    created = now - timedelta(hours=3, minutes=59)
    avara.get(STUDIES).respond(
        json=page_json(
            study_json(1, severity="high", createdAt=_stamp(created), studyViewerStatus="complete")
        )
    )
    client = login(SUPERVISOR)
    monkeypatch.setattr(timezone, "now", lambda: now)
    first = client.get("/")

    later = now + timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert _poll(client, first["ETag"]).status_code == 304
