"""The sandbox's OpenAPI documents: checked in, up to date with the code that builds
them, valid OpenAPI 3.1, served as they are, and in agreement with what the sandbox
serves (every documented operation is routed; every other method is a 405 that lists
exactly the documented ones). Schemathesis checks the rest (test_sandbox_fuzz.py)."""

import json
import re

import httpx
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from sandbox.documents import API_DOCUMENT, CONTROL_DOCUMENT, built, render

DOCUMENTS = [API_DOCUMENT, CONTROL_DOCUMENT]
METHODS = ("get", "put", "post", "delete", "patch")
EXAMPLE_IDS = {
    "studyId": "stu_" + "0" * 32,
    "userId": "usr_" + "0" * 32,
    "expressCustomerId": "cus_" + "0" * 32,
    "faultId": "flt_" + "0" * 32,
    "studyInstanceUid": "1.2.3",
}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_the_checked_in_document_is_what_the_code_builds(path):
    assert path.read_text() == render(built()[path]), (
        f"{path.name} is out of date: run `python manage.py sandbox_openapi`"
    )


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_the_document_is_valid_openapi_3_1(path):
    document = json.loads(path.read_text())
    assert document["openapi"].startswith("3.1.")
    errors = list(OpenAPIV31SpecValidator(document).iter_errors())
    assert errors == []


@pytest.mark.parametrize(
    ("url", "path"), [("/openapi.json", API_DOCUMENT), ("/_sandbox/openapi.json", CONTROL_DOCUMENT)]
)
def test_the_sandbox_serves_the_checked_in_document(sandbox_live_server, url, path):
    response = httpx.get(sandbox_live_server + url)  # no key needed
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == path.read_bytes()


def _operations(path):
    document = json.loads(path.read_text())
    for template, item in document["paths"].items():
        concrete = re.sub(r"\{(\w+)\}", lambda m: EXAMPLE_IDS.get(m[1], "x"), template)
        yield template, concrete, {m.upper() for m in METHODS if m in item}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_documented_methods_are_exactly_the_ones_served(sandbox_live_server, path):
    client = httpx.Client(base_url=sandbox_live_server)
    for template, concrete, documented in _operations(path):
        for method in documented:
            answer = client.request(method, concrete)
            body = answer.json() if "json" in answer.headers.get("Content-Type", "") else {}
            assert "No such endpoint" not in str(body), f"{method} {template} is not routed"
            assert answer.status_code != 405, f"{method} {template} is documented, not served"
        for method in set(m.upper() for m in METHODS) - documented:
            answer = client.request(method, concrete)
            assert answer.status_code == 405, f"{method} {template} is served, not documented"
            allowed = set(answer.headers["Allow"].split(", "))
            assert allowed == documented | ({"HEAD"} if "GET" in documented else set())
