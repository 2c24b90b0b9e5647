"""Authorization: Bearer <key>, keys from settings.SANDBOX_API_KEYS."""

import pytest
from sandbox_helpers import STUDIES, USERS, Api, error_of

pytestmark = pytest.mark.django_db

STUDY = "stu_" + "a" * 32
EVERY_ENDPOINT = [
    ("GET", STUDIES),
    ("POST", STUDIES),
    ("GET", f"{STUDIES}/{STUDY}"),
    ("PATCH", f"{STUDIES}/{STUDY}"),
    ("POST", f"{STUDIES}/cancel"),
    ("POST", f"{STUDIES}/uncancel"),
    ("POST", f"{STUDIES}/reroute-url"),
    ("GET", f"{STUDIES}/by-uid/1.2.3"),
    ("GET", USERS),
    ("GET", f"{USERS}/usr_{'b' * 32}"),
]


def call(api: Api, method: str, path: str, **headers: str):
    if method == "GET":
        return api.get(path, **headers)
    return api.send(method, path, {}, **headers)


@pytest.mark.parametrize(("method", "path"), EVERY_ENDPOINT)
def test_every_endpoint_requires_a_key(anonymous, method, path):
    response = call(anonymous, method, path)
    assert response.status_code == 401
    error = error_of(response)
    assert error["type"] == "authentication_error"
    assert "Missing Authorization" in error["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Basic c2s6c2VjcmV0", "Bearer", "Bearer    ", "sk_sandbox_dev_0123456789abcdef", "Token abc"],
)
def test_malformed_authorization_header_is_401(anonymous, header):
    response = anonymous.get(STUDIES, Authorization=header)
    assert response.status_code == 401
    assert "Malformed Authorization" in error_of(response)["message"]


def test_unknown_key_is_401(anonymous):
    response = anonymous.get(STUDIES, Authorization="Bearer sk_not_a_configured_key")
    assert response.status_code == 401
    error = error_of(response)
    assert error["type"] == "authentication_error"
    assert error["message"] == "Unknown API key."


def test_unknown_key_is_refused_before_any_state_change(anonymous):
    from sandbox.models import Study

    body = {"severity": "normal", "studyDescription": "CT", "studyInstanceUid": "1.2.3"}
    response = anonymous.post(STUDIES, body, Authorization="Bearer wrong")
    assert response.status_code == 401
    assert not Study.objects.exists()


def test_scheme_is_case_insensitive(anonymous, settings):
    response = anonymous.get(STUDIES, Authorization=f"bearer {settings.SANDBOX_DEV_API_KEY}")
    assert response.status_code == 200


def test_created_by_api_key_reflects_the_calling_key(api, settings):
    settings.SANDBOX_API_KEYS = {
        settings.SANDBOX_DEV_API_KEY: {
            "id": "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
            "description": "Dev",
        },
        "sk_second": {"id": "550e8400-e29b-41d4-a716-446655440000", "description": "Integration B"},
    }
    api.key = "sk_second"
    study = api.create()
    assert study["createdByApiKey"] == {
        "apiKeyId": "550e8400-e29b-41d4-a716-446655440000",
        "description": "Integration B",
        "isViewerEnabled": True,
    }
    assert study["createdByUser"] is None
    # ...and the key is remembered: a later read with another key shows the creator.
    api.key = settings.SANDBOX_DEV_API_KEY
    fetched = api.get(f"{STUDIES}/{study['studyId']}").json()
    assert fetched["createdByApiKey"]["description"] == "Integration B"


def test_development_key_is_the_documented_default(api, settings):
    study = api.create()
    info = settings.SANDBOX_API_KEYS[settings.SANDBOX_DEV_API_KEY]
    assert study["createdByApiKey"]["apiKeyId"] == info["id"]
    assert study["createdByApiKey"]["description"] == info["description"]
