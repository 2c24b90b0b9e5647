"""Rows are rendered once and reused (studies/web/row_cache.py), so these pin down what a
reuse must never do: show a study as it was before a change upstream, or show one
user's controls to another."""

import json
from datetime import timedelta

from django.template.loader import get_template
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

from studies.accounts.capabilities import Capabilities
from studies.accounts.roles import RADIOLOGIST, SUPERVISOR
from studies.upstream import wire
from studies.web import presenters, row_cache

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
    monkeypatch.setattr("studies.web.row_cache.timezone.now", lambda: later)

    row = _row(client.get("/"))
    assert ">Overdue<" in row and "clock-overdue" in row


# --- A whole list's rows, reused (studies/web/row_cache.py: rendered_rows) ------------------


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
    monkeypatch.setattr("studies.web.row_cache.timezone.now", lambda: later)

    assert ">5m ago<" in _row(client.get("/"))


def _count_row_work(monkeypatch) -> tuple[list, list]:
    """(rows looked up one by one, rows rendered) from here on."""
    looked_up, rendered = [], []
    lookup, cut = row_cache._kept_cut, row_cache._cut_row
    monkeypatch.setattr(
        row_cache, "_kept_cut", lambda s, caps: looked_up.append(s.study_id) or lookup(s, caps)
    )
    monkeypatch.setattr(
        row_cache, "_cut_row", lambda s, caps: rendered.append(s.study_id) or cut(s, caps)
    )
    return looked_up, rendered


def test_a_list_shown_again_is_one_lookup_not_one_per_row(login, avara, monkeypatch):
    client = login(SUPERVISOR)
    avara.get(STUDIES).respond(json=page_json(*(study_json(n) for n in range(1, 6))))
    first = client.get("/")
    looked_up, rendered = _count_row_work(monkeypatch)

    again = client.get("/")

    assert looked_up == [] and rendered == []
    assert _rows(again) == _rows(first) == [study_id(n) for n in range(1, 6)]


def _stamp(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_row_edited_seconds_ago_counts_on_without_being_drawn_again(login, avara, monkeypatch):
    now = timezone.now()
    _serve(avara, updatedAt=_stamp(now - timedelta(seconds=45)))
    client = login(SUPERVISOR)
    monkeypatch.setattr("studies.web.row_cache.timezone.now", lambda: now)
    assert ">45s ago<" in _row(client.get("/"))
    looked_up, rendered = _count_row_work(monkeypatch)

    for later in (1, 2, 14):
        moment = now + timedelta(seconds=later)
        monkeypatch.setattr("studies.web.row_cache.timezone.now", lambda m=moment: m)
        assert f">{45 + later}s ago<" in _row(client.get("/"))

    assert looked_up == [] and rendered == []


def _drawn_whole(study, caps, now) -> str:
    """The row as the row template renders it with every value in place."""
    context = {"row": presenters.row_of(study, caps, now), "editing": {}}
    return get_template(row_cache.ROW_TEMPLATE).render(context)


def _studies(*payloads):
    return wire.STUDY_PAGE.decode(json.dumps(page_json(*payloads))).studies


def test_a_reused_row_is_exactly_the_row_drawn_whole(make_account, monkeypatch, settings):
    """Moment by moment, across every kind of change the clock makes to a row."""
    user = make_account(RADIOLOGIST)
    caps = Capabilities.of(user)
    start = timezone.now()
    # High's turnaround: due soon at 3/4 of it, then overdue. Not a whole number of
    # minutes, so that those moments are not also moments when an age changes.
    high = 4 * 3600 + 30
    settings.TRIAGE_TURNAROUND = {**settings.TRIAGE_TURNAROUND, "high": high}
    studies = _studies(
        # due soon 10 s in, its update's age goes from seconds to minutes 1.5 s in
        study_json(
            1,
            severity="high",
            createdAt=_stamp(start - timedelta(seconds=0.75 * high - 10)),
            updatedAt=_stamp(start - timedelta(seconds=58.5)),
            assignedTo=None,
        ),
        # overdue 20 s in; its age goes from "23h 59m" to "1d 0h"
        study_json(2, severity="high", createdAt=_stamp(start - timedelta(seconds=high - 20))),
        study_json(3, createdAt=_stamp(start - timedelta(hours=23, minutes=59, seconds=45))),
        study_json(4, studyViewerStatus="complete"),
        study_json(5, isCancelled=True),
        study_json(6, assignedTo=person_json(RADIOLOGIST_ID, "Rita", "Reader")),
    )
    moments = [start + timedelta(seconds=step / 4) for step in range(120)]
    moments += [start + timedelta(hours=hours) for hours in (1, 30)]
    moments += [start + timedelta(seconds=5)]  # the clock set back (a corrected time)
    shown = []
    for moment in moments:
        monkeypatch.setattr("studies.web.row_cache.timezone.now", lambda m=moment: m)

        shown.append(row_cache.rendered_rows(studies, user))

        assert shown[-1] == "\n".join(_drawn_whole(s, caps, moment) for s in studies), moment
    # The moments crossed every kind of change.
    first, later = shown[0], shown[100]  # 25 s in
    assert ">58s ago<" in _row_of(first, study_id(1)) and ">1m ago<" in _row_of(later, study_id(1))
    assert "Due soon" not in _row_of(first, study_id(1))
    assert "Due soon" in _row_of(later, study_id(1))
    assert "Overdue" not in _row_of(first, study_id(2)) and "Overdue" in _row_of(later, study_id(2))
    assert ">23h 59m<" in _row_of(first, study_id(3)) and ">1d 0h<" in _row_of(later, study_id(3))


def test_a_study_whose_text_holds_the_marker_is_still_drawn_right(make_account, monkeypatch):
    user = make_account(SUPERVISOR)
    caps = Capabilities.of(user)
    studies = _studies(study_json(1, studyDescription="CT\u00000\u0000 Head\u0000"))
    for minutes in (0, 7):
        moment = timezone.now() + timedelta(minutes=minutes)
        monkeypatch.setattr("studies.web.row_cache.timezone.now", lambda m=moment: m)

        shown = row_cache.rendered_rows(studies, user)

        assert shown == _drawn_whole(studies[0], caps, moment)
        assert "CT\x000\x00 Head\x00" in shown


def test_a_changed_turnaround_rule_shows_on_a_kept_list(make_account, monkeypatch, settings):
    user = make_account(SUPERVISOR)
    now = timezone.now()
    monkeypatch.setattr("studies.web.row_cache.timezone.now", lambda: now)
    created = now - timedelta(hours=2)
    studies = _studies(study_json(1, severity="high", createdAt=_stamp(created)))
    assert "clock-ok" in row_cache.rendered_rows(studies, user)  # High: 4 h

    settings.TRIAGE_TURNAROUND = {**settings.TRIAGE_TURNAROUND, "high": 3600}

    assert "clock-overdue" in row_cache.rendered_rows(studies, user)
