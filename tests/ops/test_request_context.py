"""Request ids (made or taken from a trusted proxy), echoed, logged on every line, sent to
Avara; Server-Timing splitting Avara's time from the dashboard's own."""

import io
import json
import logging
import re

import httpx
import pytest
from django.test import Client
from samples import user_json

from studies import upstream
from studies.infra.logs import JsonFormatter, RequestIdFilter
from studies.infra.requestid import request_id_activate, request_id_clear

from .conftest import USERS

HEX32 = re.compile(r"[0-9a-f]{32}")
SERVER_TIMING = re.compile(
    r'avara;dur=(?P<avara>\d+\.\d);desc="Avara API \((?P<calls>\d+) calls?\)", '
    r'app;dur=(?P<app>-?\d+\.\d);desc="Dashboard"'
)


@pytest.fixture
def json_lines():
    """Every log line written while the test runs, as the production formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_every_answer_carries_a_fresh_request_id(db):
    client = Client()
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")

    assert HEX32.fullmatch(first["X-Request-Id"])
    assert HEX32.fullmatch(second["X-Request-Id"])
    assert first["X-Request-Id"] != second["X-Request-Id"]


def test_a_request_id_from_an_untrusted_peer_is_replaced(settings, db):
    settings.TRUSTED_PROXIES = []

    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="chosen-by-the-client")

    assert response["X-Request-Id"] != "chosen-by-the-client"
    assert HEX32.fullmatch(response["X-Request-Id"])


def test_a_request_id_from_a_trusted_proxy_is_kept(settings, db):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]

    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="lb-7f3a.42")

    assert response["X-Request-Id"] == "lb-7f3a.42"


@pytest.mark.parametrize(
    "hostile",
    ["two words", 'quote"s', "x" * 129, "line\nbreak", "-leading-dash", "ünïcode"],
)
def test_a_malformed_request_id_is_replaced_even_from_a_trusted_proxy(settings, db, hostile):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID=hostile)

    assert HEX32.fullmatch(response["X-Request-Id"])


def test_every_log_line_of_a_request_is_json_with_its_id(avara, db, json_lines):
    avara.get(USERS).respond(503)

    response = Client().get("/readyz")

    lines = json_lines()
    assert response.status_code == 503
    assert {line["logger"] for line in lines} >= {
        "studies.health",
        "studies.request",
        "django.request",
    }
    assert {line["request_id"] for line in lines} == {response["X-Request-Id"]}
    access = next(line for line in lines if line["logger"] == "studies.request")
    assert access["method"] == "GET"
    assert access["path"] == "/readyz"
    assert access["status"] == 503
    assert access["avara_calls"] == 0  # the probe is not a worklist call


def test_the_access_line_has_the_path_but_never_the_query(db, json_lines):
    Client().get("/accounts/login/?next=/%3Fq%3Dpatient-name")

    access = next(line for line in json_lines() if line["logger"] == "studies.request")
    assert access["path"] == "/accounts/login/"
    assert "patient-name" not in json.dumps(json_lines())


def test_the_request_id_is_gone_once_the_request_is_over(db, json_lines):
    Client().get("/accounts/login/")
    logging.getLogger("studies").warning("between requests")

    assert json_lines()[-1]["request_id"] is None


def test_every_attempt_of_an_upstream_call_sends_the_request_id(avara):
    route = avara.get(USERS)
    route.side_effect = [
        httpx.Response(503),
        httpx.Response(200, json={"users": [user_json(1)], "cursor": None, "hasMore": False}),
    ]
    request_id_activate("abc123")
    try:
        upstream.user_list()
    finally:
        request_id_clear()

    assert route.call_count == 2
    assert [call.request.headers["X-Request-Id"] for call in route.calls] == ["abc123"] * 2


def test_no_request_id_header_outside_a_request(avara):
    route = avara.get(USERS).respond(
        json={"users": [user_json(1)], "cursor": None, "hasMore": False}
    )

    upstream.user_list()

    assert "X-Request-Id" not in route.calls.last.request.headers


def test_server_timing_without_upstream_calls_is_all_dashboard(db):
    response = Client().get("/accounts/login/")

    timing = SERVER_TIMING.fullmatch(response["Server-Timing"])
    assert timing, response["Server-Timing"]
    assert timing["calls"] == "0"
    assert float(timing["avara"]) == 0.0
    assert float(timing["app"]) >= 0.0


def test_the_json_formatter_keeps_a_line_a_line_and_extras_plain():
    record = logging.LogRecord(
        "studies", logging.WARNING, __file__, 1, "a\nb %s", ("\ud800",), None
    )
    record.username = "ada"
    record.failures = 3
    record.obj = object()

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "a\nb \ud800"
    assert entry["username"] == "ada"
    assert entry["failures"] == 3
    assert entry["obj"].startswith("<object object")
    assert entry["level"] == "WARNING"
