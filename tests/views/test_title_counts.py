"""The unassigned-STAT count in the page title: fetched by the script beside the page
(/counts), one list call that counts them; a page view stays one call; a failure of the
count never costs anything but the count."""

import httpx
import pytest
from view_helpers import STUDIES, page_json, study_json, text

from studies.accounts.roles import SUPERVISOR

STAT_QUERY = {
    "severity": "stat",
    "assignedTo": "null",
    "studyViewerStatus": "incomplete",
    "isCancelled": "false",
    "limit": "100",
}


@pytest.fixture
def counts_on(avara_settings):
    avara_settings.TRIAGE_TITLE_COUNTS = True


def _routes(avara, stat_studies, *, has_more=False):
    stat = avara.get(STUDIES, params=STAT_QUERY, name="stat").respond(
        json=page_json(*stat_studies, cursor="more" if has_more else None, has_more=has_more)
    )
    page = avara.get(STUDIES, name="list").respond(json=page_json(study_json(1)))
    return stat, page


def test_a_worklist_view_is_one_call_and_points_the_script_at_the_count(login, avara, counts_on):
    stat, page = _routes(avara, [])

    response = login(SUPERVISOR).get("/")

    assert response.status_code == 200
    assert (stat.call_count, page.call_count) == (0, 1)
    assert 'data-counts="/counts"' in text(response)


def test_the_count_is_one_call_for_unassigned_stat_studies_to_read(login, avara, counts_on):
    waiting = [study_json(n, severity="stat", assignedTo=None) for n in (5, 6, 7)]
    stat, page = _routes(avara, waiting)

    answer = login(SUPERVISOR).get("/counts")

    assert answer.json() == {"stat_waiting": "3"}
    assert (stat.call_count, page.call_count) == (1, 0)
    assert "no-store" in answer["Cache-Control"]


def test_more_than_a_page_of_them_reads_100_plus(login, avara, counts_on):
    waiting = [study_json(n, severity="stat", assignedTo=None) for n in range(10, 110)]
    _routes(avara, waiting, has_more=True)

    assert login(SUPERVISOR).get("/counts").json() == {"stat_waiting": "100+"}


def test_a_count_avara_cannot_give_is_null_not_an_error(login, avara, counts_on):
    avara.get(STUDIES, params=STAT_QUERY, name="stat").mock(side_effect=httpx.ConnectError("down"))

    answer = login(SUPERVISOR).get("/counts")

    assert answer.status_code == 200
    assert answer.json() == {"stat_waiting": None}  # the title then says nothing, not 0


def test_the_count_needs_a_login(client, avara, counts_on):
    answer = client.get("/counts")

    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
