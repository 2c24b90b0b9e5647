"""The board as pages answer it (studies/views/workload.py), against a mocked Avara.

A page view reads the shared picture: after the first, no Avara call. It answers 304 to
a live refresh when nothing it shows changed, the results alone to HTMX, and lists a
line's studies in queue order with the same numbers its bar shows.
"""

from datetime import timedelta

import httpx
from django.utils import timezone
from view_helpers import (
    RADIOLOGIST_ID,
    STUDIES,
    hx,
    page_json,
    person_json,
    study_json,
    text,
)

from studies.accounts.roles import ADMIN, SUPERVISOR


def _stamp(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def open_work(avara, studies: list[dict], completed: list[dict] | None = None):
    """Avara answering the queue's reads (one per severity) and the turnaround's read."""

    def answer(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params.get("studyViewerStatus") == "complete":
            return httpx.Response(200, json=page_json(*(completed or [])))
        wanted = [s for s in studies if s["severity"] == params.get("severity")]
        return httpx.Response(200, json=page_json(*wanted))

    return avara.get(STUDIES).mock(side_effect=answer)


def room():
    now = timezone.now()
    mine = person_json(RADIOLOGIST_ID, "Amelia", "Chen")
    return [
        study_json(1, severity="stat", assignedTo=mine, createdAt=_stamp(now - timedelta(hours=2))),
        study_json(2, severity="normal", assignedTo=mine, createdAt=_stamp(now)),
        study_json(3, severity="stat", assignedTo=None, createdAt=_stamp(now)),
        study_json(4, severity="high", assignedTo=None, createdAt=_stamp(now - timedelta(hours=1))),
    ]


def test_the_board_costs_avara_nothing_once_the_picture_is_built(login, avara):
    route = open_work(avara, room())
    client = login(SUPERVISOR)
    first = client.get("/workload")
    calls = route.call_count

    again = client.get("/workload")
    line = client.get(f"/workload?line={RADIOLOGIST_ID}")

    assert first.status_code == again.status_code == line.status_code == 200
    assert calls == 4  # the picture (a read per severity) and the turnaround figures
    assert route.call_count == calls


def test_each_line_counts_its_studies_and_links_to_them(login, avara):
    open_work(avara, room())

    page = text(login(SUPERVISOR).get("/workload"))

    assert "First1 Last1" in page  # every radiologist of the directory has a line
    assert f'href="/workload?line={RADIOLOGIST_ID}&amp;severity=stat#studies"' in page
    assert 'aria-label="1 STAT: First1 Last1"' in page
    assert 'href="/workload?line=none&amp;severity=high#studies"' in page
    assert f'href="/workload?line={RADIOLOGIST_ID}&amp;clock=overdue#studies"' in page
    assert 'role="img" aria-label="First1 Last1: 2 open (1 STAT, 1 Normal), cap 20"' in page
    assert "Unassigned: 2 open (1 STAT, 1 High)" in page


def test_a_line_lists_its_studies_in_queue_order_with_the_bulk_bar(login, avara):
    open_work(avara, room())

    response = login(SUPERVISOR).get(f"/workload?line={RADIOLOGIST_ID}")

    page = text(response)
    assert page.index(study_json(1)["studyId"]) < page.index(study_json(2)["studyId"])
    assert study_json(3)["studyId"] not in page.split('id="studies"')[1]
    assert 'href="/?assignee=' + RADIOLOGIST_ID + '&amp;status=incomplete"' in page
    assert '<form id="bulk"' in page and "2 open, cap 20" in page  # loads in "Assign to"
    narrowed = text(login(ADMIN).get(f"/workload?line={RADIOLOGIST_ID}&clock=overdue"))
    assert "First1 Last1: open studies (overdue)" in narrowed
    assert study_json(2)["studyId"] not in narrowed.split('id="studies"')[1]


def test_a_refresh_that_would_show_the_same_is_not_modified(login, avara):
    open_work(avara, room())
    client = login(SUPERVISOR)
    first = client.get("/workload?sort=name")

    again = client.get("/workload?sort=name", headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200 and again.status_code == 304
    assert client.get("/workload", headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_htmx_gets_the_results_alone(login, avara):
    open_work(avara, room())

    response = login(SUPERVISOR).get("/workload", headers=hx(target="results"))

    page = text(response)
    assert response.status_code == 200
    assert '<div class="live"' in page and "<html" not in page


def test_bad_parameters_show_the_board_as_it_is(login, avara):
    open_work(avara, room())
    client = login(SUPERVISOR)

    for query in ("line=usr_x", "line=<b>", "severity=urgent", "page=-1", "sort=evil", "clock=1"):
        response = client.get(f"/workload?{query}")
        assert response.status_code == 200, query
        assert 'id="studies"' not in text(response)


def test_avara_down_is_a_banner_not_an_error(login, avara):
    avara.get(STUDIES).respond(503, json={"error": {"message": "Down"}})

    response = login(SUPERVISOR).get("/workload")

    assert response.status_code == 503
    assert 'class="banner banner-error"' in text(response)


def test_lines_kept_rendered_never_show_an_older_picture(login, avara, avara_settings):
    """The lines are rendered once per picture and kept: a new picture (here a STAT
    claimed elsewhere) shows at once, and the line opened below the board is marked."""
    avara_settings.TRIAGE_QUEUE_SECONDS = 0  # every view reads the picture afresh
    studies = room()
    open_work(avara, studies)
    client = login(SUPERVISOR)
    before = text(client.get("/workload"))
    assert 'aria-label="1 STAT: Unassigned"' in before

    studies[2]["assignedTo"] = person_json(RADIOLOGIST_ID, "Amelia", "Chen")
    after = text(client.get("/workload"))
    opened = text(client.get(f"/workload?line={RADIOLOGIST_ID}"))

    assert 'aria-label="1 STAT: Unassigned"' not in after
    assert 'aria-label="2 STAT: First1 Last1"' in after
    assert 'class="line line-reader is-open"' in opened
    assert 'class="line line-reader is-open"' not in after
