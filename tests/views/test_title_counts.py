""" "STAT waiting" in the page title (studies/queue.py: `is_stat_waiting`): open STAT
studies nobody has claimed, counted in the queue's picture. The worklist's script fetches
it beside the page (/counts): no Avara call while the picture is fresh, one picture's
read when it is not; the queue page carries the same count (data-stat) and its banner
says it in the same words; a failure of the count never costs anything but the count."""

import httpx
import pytest
from view_helpers import STUDIES, page_json, person_json, study_json, text

from studies.accounts.roles import RADIOLOGIST, SUPERVISOR

SEVERITIES = ("stat", "high", "normal")
READER = person_json("usr_" + "5" * 32, "Amelia", "Chen")


@pytest.fixture
def counts_on(avara_settings):
    avara_settings.TRIAGE_TITLE_COUNTS = True
    avara_settings.TRIAGE_QUEUE_SECONDS = 15


def _picture(avara, by_severity: dict[str, list[dict]], *, more: tuple[str, ...] = ()):
    """Avara's answers to the picture's reads (open studies, one list call per severity):
    the routes, by severity."""
    routes = {}
    for severity in SEVERITIES:
        query = {"severity": severity, "studyViewerStatus": "incomplete", "isCancelled": "false"}
        studies = by_severity.get(severity, [])
        answer = page_json(*studies, cursor="next" if severity in more else None)
        if severity in more:
            answer["hasMore"] = True
        routes[severity] = avara.get(STUDIES, params=query, name=severity).respond(json=answer)
    return routes


def _open_stat(n: int, **fields) -> dict:
    return study_json(n, severity="stat", studyViewerStatus="incomplete", **fields)


def _calls(routes) -> int:
    return sum(route.call_count for route in routes.values())


def test_a_worklist_view_is_one_call_and_points_the_script_at_the_count(login, avara, counts_on):
    routes = _picture(avara, {})
    page = avara.get(STUDIES, name="list").respond(json=page_json(study_json(1)))

    response = login(SUPERVISOR).get("/")

    assert response.status_code == 200
    assert (_calls(routes), page.call_count) == (0, 1)
    assert 'data-counts="/counts"' in text(response)


def test_the_count_is_the_unclaimed_open_stat_studies_of_the_picture(login, avara, counts_on):
    waiting = [_open_stat(n, assignedTo=None) for n in (5, 6, 7)]
    claimed = [_open_stat(8, assignedTo=READER)]  # someone reads it: not waiting
    routes = _picture(avara, {"stat": waiting + claimed, "high": [study_json(9)]})
    supervisor = login(SUPERVISOR)

    first = supervisor.get("/counts")
    calls_for_the_picture = _calls(routes)
    again = supervisor.get("/counts")

    assert first.json() == again.json() == {"stat_waiting": "3"}
    assert calls_for_the_picture == 3  # one read of the open work, a call per severity
    assert _calls(routes) == 3  # the picture is fresh: the second count cost Avara nothing
    assert "no-store" in first["Cache-Control"]


def test_the_queue_page_says_the_same_count_in_the_same_words(login, avara, counts_on):
    _picture(avara, {"stat": [_open_stat(5, assignedTo=None), _open_stat(6, assignedTo=READER)]})
    radiologist = login(RADIOLOGIST)

    body = text(radiologist.get("/queue"))
    counted = radiologist.get("/counts").json()

    assert counted == {"stat_waiting": "1"}
    assert 'data-stat="1"' in body
    assert "<strong>1 STAT waiting</strong>: a STAT study nobody has claimed yet." in body
    assert "?severity=stat&amp;status=incomplete&amp;assignee=none" in body  # lists exactly it


def test_no_banner_when_no_stat_is_waiting(login, avara, counts_on):
    _picture(avara, {"stat": [_open_stat(6, assignedTo=READER)], "high": [study_json(7)]})

    body = text(login(RADIOLOGIST).get("/queue"))

    assert 'data-stat="0"' in body
    assert "STAT waiting</strong>" not in body


def test_more_stat_studies_than_the_picture_holds_reads_with_a_plus(
    login, avara, counts_on, avara_settings
):
    avara_settings.TRIAGE_QUEUE_MAX = 2
    _picture(avara, {"stat": [_open_stat(n, assignedTo=None) for n in (1, 2)]}, more=("stat",))

    assert login(SUPERVISOR).get("/counts").json() == {"stat_waiting": "2+"}


def test_a_count_avara_cannot_give_is_null_not_an_error(login, avara, counts_on):
    avara.get(STUDIES, name="down").mock(side_effect=httpx.ConnectError("down"))

    answer = login(SUPERVISOR).get("/counts")

    assert answer.status_code == 200
    assert answer.json() == {"stat_waiting": None}  # the title then says nothing, not 0


def test_the_count_turned_off_costs_nothing(login, avara, counts_on, avara_settings):
    avara_settings.TRIAGE_TITLE_COUNTS = False
    routes = _picture(avara, {"stat": [_open_stat(5, assignedTo=None)]})

    assert login(SUPERVISOR).get("/counts").json() == {"stat_waiting": None}
    assert _calls(routes) == 0


def test_the_count_needs_a_login(client, avara, counts_on):
    answer = client.get("/counts")

    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_an_evicted_picture_is_rebuilt_by_a_reader_that_may_wait_never_beside_an_answer(
    avara, counts_on
):
    """The store dropped the picture's studies (memory pressure): counts sent beside an
    answer (wait=False) get none and cost Avara nothing; the next page builds it again."""
    from django.core.cache import cache

    from studies import queue

    routes = _picture(avara, {"stat": [_open_stat(5, assignedTo=None)]})
    queue.queue_snapshot()
    cache.delete(cache.get(queue.SNAPSHOT_KEY)["data"])
    queue._local.clear()  # another process: no decoded copy of its own

    beside = queue.queue_snapshot(wait=False)
    assert beside is None and _calls(routes) == 3  # the first build's reads only

    again = queue.queue_snapshot()
    assert [s.study_id for s in again.studies] == [_open_stat(5)["studyId"]]
    assert _calls(routes) == 6  # one rebuild
