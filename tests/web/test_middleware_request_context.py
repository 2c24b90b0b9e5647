"""A logged-in page: its Avara calls carry the page's request id, and Server-Timing counts
them on Avara's side."""

import re

from view_helpers import STUDIES, page_json, study_json

from studies.accounts.roles import RADIOLOGIST

SERVER_TIMING = re.compile(
    r'avara;dur=(?P<avara>\d+\.\d);desc="Avara API \((?P<calls>\d+) calls?\)", '
    r'app;dur=(?P<app>-?\d+\.\d);desc="Dashboard"'
)


def test_the_worklist_call_carries_the_request_id_the_page_answers_with(login, avara):
    route = avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(RADIOLOGIST)

    response = client.get("/")

    assert response.status_code == 200
    assert route.call_count == 1
    assert route.calls.last.request.headers["X-Request-Id"] == response["X-Request-Id"]


def test_server_timing_counts_the_avara_calls_of_the_page(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(RADIOLOGIST)

    response = client.get("/")

    timing = SERVER_TIMING.fullmatch(response["Server-Timing"])
    assert timing, response["Server-Timing"]
    assert timing["calls"] == "1"
    assert float(timing["app"]) >= 0.0


def test_two_pages_send_two_different_ids(login, avara):
    route = avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(RADIOLOGIST)

    first, second = client.get("/"), client.get("/")

    sent = [call.request.headers["X-Request-Id"] for call in route.calls]
    assert sent == [first["X-Request-Id"], second["X-Request-Id"]]
    assert sent[0] != sent[1]
