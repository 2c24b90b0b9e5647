"""The sandbox served alone over real HTTP (the shared `sandbox_live_server` fixture):
plain httpx, and Avara's official client end to end, reroute link included."""

import avara
import httpx
import pytest


@pytest.fixture
def http(sandbox_live_server, sandbox_api_key):
    headers = {"Authorization": f"Bearer {sandbox_api_key}"}
    with httpx.Client(base_url=sandbox_live_server, headers=headers) as client:
        yield client


@pytest.fixture
def official(sandbox_live_server, sandbox_api_key):
    with avara.Avara(base_url=sandbox_live_server, api_key=sandbox_api_key, max_retries=0) as c:
        yield c


def test_live_server_serves_the_api_over_http(http, sandbox_factory):
    study = sandbox_factory.study(study_description="Brain MRI")
    response = http.get("/v1/viewer/studies")
    assert response.status_code == 200
    body = response.json()
    assert [s["studyId"] for s in body["studies"]] == [study.study_id]
    assert body["hasMore"] is False


def test_only_sandbox_routes_are_served(http):
    for path in ("/", "/accounts/login/", "/admin/"):
        response = http.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "not_found_error"


def test_html_error_pages_become_json_even_in_debug(http, settings):
    settings.DEBUG = True  # Django would answer a disallowed Host with its HTML debug page
    response = http.get("/v1/viewer/studies", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_official_client_round_trip(official, sandbox_factory):
    user = sandbox_factory.user(first_name="Maria")
    created = official.viewer.studies.create(
        severity="high",
        study_description="CT Chest",
        study_instance_uid="1.2.840.113619.2.55.3.1",
        assigned_to=user.user_id,
        metadata={"room": "3"},
    )
    assert created.assigned_to.first_name == "Maria"
    updated = official.viewer.studies.update(created.study_id, severity="stat", metadata=None)
    assert (updated.severity, updated.metadata) == ("stat", {})
    assert updated.updated_at > created.updated_at
    by_uid = official.viewer.studies.retrieve_by_uid("1.2.840.113619.2.55.3.1")
    assert by_uid.study_id == created.study_id
    assert official.viewer.studies.cancel(study_id=created.study_id).success is True
    assert official.viewer.studies.cancel(study_id=created.study_id).success is False
    assert official.viewer.studies.retrieve(created.study_id).is_cancelled is True


def test_official_client_pages_through_everything(official, sandbox_factory):
    made = {sandbox_factory.study().study_id for _ in range(45)}
    seen = [s.study_id for s in official.viewer.studies.list(limit=10)]
    assert sorted(seen) == sorted(made)
    users = [sandbox_factory.user().user_id for _ in range(3)]
    assert sorted(u.user_id for u in official.viewer.users.list(limit=2)) == sorted(users)


def test_official_client_sees_errors_as_its_exceptions(official):
    with pytest.raises(avara.NotFoundError):
        official.viewer.studies.retrieve("stu_" + "0" * 32)
    with pytest.raises(avara.BadRequestError) as caught:
        official.viewer.studies.list(severity="urgent")
    assert caught.value.body["error"]["fields"] == {
        "severity": "must be one of: normal, high, stat"
    }


def test_reroute_link_opens_the_viewer_page_over_http(official, sandbox_factory):
    study = sandbox_factory.study(study_description="Knee MRI")
    url = official.viewer.studies.reroute_url(study_id=study.study_id).url
    page = httpx.get(url)
    assert page.status_code == 200
    assert "Knee MRI" in page.text
    css = httpx.get(httpx.URL(url).join("/viewer/sandbox.css"))
    assert css.status_code == 200
    assert httpx.get(url + "x").status_code == 403
