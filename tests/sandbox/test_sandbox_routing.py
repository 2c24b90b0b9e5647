"""Retrieve, retrieve by UID, trailing slashes, and JSON (never HTML) 404/405/500."""

import pytest
from sandbox_helpers import STUDIES, USERS, error_of

from sandbox import selectors

pytestmark = pytest.mark.django_db

HEX32 = "0123456789abcdef" * 2


def test_retrieve(api, sandbox_factory):
    study = sandbox_factory.study(study_description="CT Head")
    response = api.get(f"{STUDIES}/{study.study_id}")
    assert response.status_code == 200
    assert response.json()["studyDescription"] == "CT Head"


@pytest.mark.parametrize("bad_id", ["stu_1", "stu_" + HEX32 + "a", "x", "stu_" + "Z" * 32])
def test_retrieve_malformed_id_is_400_naming_study_id(api, bad_id):
    response = api.get(f"{STUDIES}/{bad_id}")
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert "'stu_' followed by 32" in error["fields"]["studyId"]


def test_retrieve_unknown_study_is_404(api):
    response = api.get(f"{STUDIES}/stu_{HEX32}")
    assert response.status_code == 404
    error = error_of(response)
    assert error["type"] == "not_found_error"
    assert error["message"] == f"No study stu_{HEX32} exists."


def test_retrieve_by_uid(api, sandbox_factory):
    study = sandbox_factory.study(study_instance_uid="1.2.840.10008.5.1.4.1.1.2")
    response = api.get(f"{STUDIES}/by-uid/1.2.840.10008.5.1.4.1.1.2")
    assert response.status_code == 200
    assert response.json()["studyId"] == study.study_id


@pytest.mark.parametrize("bad_uid", ["1.02", "1..2", "abc", "1.2."])
def test_retrieve_by_malformed_uid_is_400(api, bad_uid):
    response = api.get(f"{STUDIES}/by-uid/{bad_uid}")
    assert response.status_code == 400
    assert "studyInstanceUid" in error_of(response)["fields"]


def test_retrieve_by_unknown_uid_is_404(api):
    response = api.get(f"{STUDIES}/by-uid/9.8.7")
    assert response.status_code == 404
    assert error_of(response)["fields"] == {"studyInstanceUid": "no such study"}


def test_unknown_query_parameter_on_retrieve_is_400(api, sandbox_factory):
    study = sandbox_factory.study()
    response = api.get(f"{STUDIES}/{study.study_id}", {"expand": "assignedTo"})
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"expand": "is not a recognised query parameter"}


def test_trailing_slash_is_accepted(api, sandbox_factory):
    study = sandbox_factory.study()
    assert api.get(f"{STUDIES}/").json()["studies"][0]["studyId"] == study.study_id
    assert api.get(f"{STUDIES}/{study.study_id}/").json()["studyId"] == study.study_id
    response = api.post(f"{STUDIES}/cancel/", {"studyId": study.study_id})
    assert response.json()["success"] is True
    assert api.get(f"{USERS}/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/v1/viewer/nothing", "/v2/viewer/studies", "/v1/viewer/studies/a/b", "/admin/"]
)
def test_unknown_path_is_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    error = error_of(response)
    assert error["type"] == "not_found_error"
    assert path in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", f"{STUDIES}/stu_{HEX32}", "GET, HEAD, PATCH"),
        ("PUT", STUDIES, "GET, HEAD, POST"),
        ("GET", f"{STUDIES}/cancel", "POST"),
        ("PATCH", f"{STUDIES}/uncancel", "POST"),
        ("GET", f"{STUDIES}/reroute-url", "POST"),
        ("POST", USERS, "GET, HEAD"),
        ("POST", f"{STUDIES}/by-uid/1.2", "GET, HEAD"),
    ],
)
def test_wrong_method_is_json_405(api, method, path, allow):
    response = api.get(path) if method == "GET" else api.send(method, path, {})
    assert response.status_code == 405
    assert response["Allow"] == allow
    error = error_of(response)
    assert error["type"] == "method_not_allowed"
    assert method in error["message"]


def test_unexpected_exception_is_json_500(api, monkeypatch, sandbox_factory):
    study = sandbox_factory.study()

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "study_get", explode)
    response = api.get(f"{STUDIES}/{study.study_id}")
    assert response.status_code == 500
    error = error_of(response)
    assert error["type"] == "api_error"
    assert "boom" not in error["message"]
    assert response["x-should-retry"] == "true"
