"""Helpers for the sandbox tests: an API client over Django's test client, and the
error-body check."""

import json as jsonlib
from typing import Any

from django.test import Client

STUDIES = "/v1/viewer/studies"
USERS = "/v1/viewer/users"
VALID_UID = "1.2.840.113619.2.55.3.604688119.868.1234567890.123"


class Api:
    """Requests as an Avara client makes them; every method returns Django's response
    (`.status_code`, `.json()`, headers)."""

    def __init__(self, client: Client, key: str | None) -> None:
        self.client = client
        self.key = key

    def _headers(self, headers: dict[str, str]) -> dict[str, str]:
        base = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return base | headers

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def send(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        **headers: str,
    ):
        data = raw if raw is not None else jsonlib.dumps(json)
        call = getattr(self.client, method.lower())
        return call(path, data, content_type=content_type, headers=self._headers(headers))

    def post(self, path: str, json: Any = None, **kwargs):
        return self.send("POST", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs):
        return self.send("PATCH", path, json, **kwargs)

    def create(self, **fields: Any) -> dict[str, Any]:
        """Create a study through the API (valid defaults) and return its JSON."""
        body = {"severity": "normal", "studyDescription": "CT Chest", "studyInstanceUid": _uid()}
        response = self.post(STUDIES, body | fields)
        assert response.status_code == 201, response.content
        return response.json()


_uid_serial = iter(range(1, 10**9))


def _uid() -> str:
    return f"1.2.826.0.1.3680043.10.77.{next(_uid_serial)}"


def error_of(response) -> dict[str, Any]:
    """The error object of a sandbox error body, after checking its documented shape."""
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "message", "fields"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
