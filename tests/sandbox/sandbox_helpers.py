"""Helpers for the sandbox tests: an API client over Django's test client, and the
error-body check."""

import json as jsonlib
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
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


class Served:
    """httpx clients for a sandbox served in a process of its own (served_sandbox):
    `.api` with the development key, `.control` with that server's control key."""

    def __init__(self, sandbox) -> None:
        self.url = sandbox.url
        api_headers = {"Authorization": f"Bearer {sandbox.api_key}"}
        control_headers = {"Authorization": f"Bearer {sandbox.control_key}"}
        self.api = httpx.Client(base_url=self.url, headers=api_headers, timeout=60)
        self.control = httpx.Client(base_url=self.url, headers=control_headers, timeout=120)

    def __enter__(self) -> "Served":
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.close()
        self.control.close()

    def reset(self, **options: Any) -> dict[str, Any]:
        response = self.control.post("/_sandbox/reset", json=options)
        assert response.status_code == 200, response.text
        return response.json()

    def create(self, **fields: Any) -> dict[str, Any]:
        body = {"severity": "normal", "studyDescription": "CT Chest", "studyInstanceUid": _uid()}
        response = self.api.post(STUDIES, json=body | fields)
        assert response.status_code == 201, response.text
        return response.json()

    def users(self) -> list[dict[str, Any]]:
        return self.control.get("/_sandbox/users").json()["users"]


def simultaneously(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call at the same moment, each on its own thread and connection; their
    results in the order given."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


# --- The sandbox in a fresh interpreter ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]

# Python run by run_python: sandbox.wsgi loaded as gunicorn loads it (its settings from
# DJANGO_SETTINGS_MODULE's default, sandbox.settings), a migrated and seeded database, and
# `call(method, path, auth=, cookie=, body=)` sending a request through the WSGI callable:
# {"status", "body", "cookies" (whether the answer sets one)}.
WSGI_PRELUDE = r"""
import io, json, sys, wsgiref.util
from django.core.management import call_command
import sandbox.wsgi

call_command("migrate", verbosity=0)
call_command("seed_sandbox", studies=3, seed=1, stdout=io.StringIO())
API = "Bearer sk_sandbox_dev_0123456789abcdef"
CONTROL = "Bearer sk_sandbox_control_dev_0123456789"


def call(method, path, *, auth=None, cookie=None, body=None):
    path, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
               "HTTP_HOST": "127.0.0.1:8001", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8001"}
    wsgiref.util.setup_testing_defaults(environ)
    data = json.dumps(body).encode() if body is not None else b""
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    if body is not None:
        environ["CONTENT_TYPE"] = "application/json"
    if auth:
        environ["HTTP_AUTHORIZATION"] = auth
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    started = {}
    chunks = sandbox.wsgi.application(environ, lambda s, h, e=None: started.update(s=s, h=h))
    text = b"".join(chunks).decode("utf-8", "replace")
    sets_cookie = any(name.lower() == "set-cookie" for name, _ in started["h"])
    return {"status": int(started["s"].split()[0]), "body": text, "cookies": sets_cookie}
"""


def run_python(code: str, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter with only the sandbox's settings in its environment
    (SQLite in tmp_path, plus `env`)."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
        **env,
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
