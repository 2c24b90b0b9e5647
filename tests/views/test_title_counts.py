"""The unassigned-STAT count in the page title: one more list call per worklist view,
exactly the one that counts them; a failure of it never costs the page."""

import re

import httpx
import pytest
from view_helpers import STUDIES, hx, page_json, study_json, text

from studies.roles import SUPERVISOR

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


def data_stat(response) -> str | None:
    found = re.search(r'data-stat="([^"]*)"', text(response))
    return found.group(1) if found else None


def test_the_worklist_counts_unassigned_stat_studies_with_one_call(login, avara, counts_on):
    waiting = [study_json(n, severity="stat", assignedTo=None) for n in (5, 6, 7)]
    stat, page = _routes(avara, waiting)

    response = login(SUPERVISOR).get("/")

    assert response.status_code == 200
    assert (stat.call_count, page.call_count) == (1, 1)
    assert data_stat(response) == "3"


def test_more_than_a_page_of_them_reads_100_plus(login, avara, counts_on):
    waiting = [study_json(n, severity="stat", assignedTo=None) for n in range(10, 110)]
    _routes(avara, waiting, has_more=True)

    response = login(SUPERVISOR).get("/", headers=hx(target="results"))

    assert data_stat(response) == "100+"


def test_a_count_avara_cannot_give_is_left_out_not_a_failed_page(login, avara, counts_on):
    avara.get(STUDIES, params=STAT_QUERY, name="stat").mock(side_effect=httpx.ConnectError("down"))
    avara.get(STUDIES, name="list").respond(json=page_json(study_json(1)))

    response = login(SUPERVISOR).get("/")

    assert response.status_code == 200
    assert data_stat(response) == ""  # no count: the title says nothing rather than 0
    assert 'id="study-stu_' in text(response)
