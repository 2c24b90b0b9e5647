"""The sandbox's own settings (sandbox/settings.py), loaded as a server loads them: a fresh
process, the environment only. Development works with no variable at all; production
needs its secret, hosts and keys, has no control plane unless given a key, and logs one
JSON object per request, without the query string (the viewer's token) or any key."""

import json

import pytest
from sandbox_helpers import WSGI_PRELUDE, run_python

DEV_KEYS = {
    "sk_sandbox_dev_0123456789abcdef": {
        "id": "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
        "description": "Sandbox development key",
    }
}
PRODUCTION = {
    "SANDBOX_ENV": "production",
    "SANDBOX_SECRET_KEY": "sbx-Prod-Secret-4vXq9LmT2pWs7nB8hZd3kFg6jRy1uEo5",
    "SANDBOX_ALLOWED_HOSTS": "127.0.0.1",
    "SANDBOX_API_KEYS": json.dumps(DEV_KEYS),
}
SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "apps": settings.INSTALLED_APPS,
    "middleware": settings.MIDDLEWARE,
    "context_processors": settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
    "databases": list(settings.DATABASES),
    "control_key": settings.SANDBOX_CONTROL_KEY,
    "api_keys": list(settings.SANDBOX_API_KEYS),
    "log_format": settings.LOG_FORMAT,
    "debug": settings.DEBUG,
}))
"""


def settings_of(tmp_path, **env: str) -> dict:
    done = run_python(SETTINGS, tmp_path, DJANGO_SETTINGS_MODULE="sandbox.settings", **env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_development_needs_no_variable_and_holds_nothing_of_the_dashboard(tmp_path):
    found = settings_of(tmp_path)

    assert found["apps"] == ["sandbox"]
    assert found["context_processors"] == []
    assert found["databases"] == ["default"]
    assert not [m for m in found["middleware"] if not m.startswith("django.middleware.")]
    for absent in ("session", "auth", "csrf", "messages", "axes", "studies", "dashboard"):
        assert not [m for m in found["middleware"] if absent in m], absent
    assert found["control_key"] == "sk_sandbox_control_dev_0123456789"
    assert found["api_keys"] == list(DEV_KEYS)
    assert (found["log_format"], found["debug"]) == ("text", False)


def test_production_has_no_control_plane_unless_given_a_key(tmp_path):
    found = settings_of(tmp_path, **PRODUCTION)

    assert found["control_key"] == ""
    assert found["log_format"] == "json"
    assert settings_of(tmp_path, **PRODUCTION, SANDBOX_CONTROL_KEY="sk_ctl")["control_key"]


@pytest.mark.parametrize(
    "missing", ["SANDBOX_SECRET_KEY", "SANDBOX_ALLOWED_HOSTS", "SANDBOX_API_KEYS"]
)
def test_production_refuses_to_start_without_a_required_setting(tmp_path, missing):
    env = {name: value for name, value in PRODUCTION.items() if name != missing}

    done = run_python(SETTINGS, tmp_path, DJANGO_SETTINGS_MODULE="sandbox.settings", **env)

    assert done.returncode != 0
    assert missing in done.stderr
    assert PRODUCTION["SANDBOX_SECRET_KEY"] not in done.stderr


REQUESTS = (
    WSGI_PRELUDE
    + r"""
page = json.loads(call("GET", "/v1/viewer/studies?limit=2", auth=API)["body"])
sid = page["studies"][0]["studyId"]
url = json.loads(call("POST", "/v1/viewer/studies/reroute-url", auth=API,
                      body={"studyId": sid})["body"])["url"]
statuses = [
    call("GET", url.removeprefix("http://127.0.0.1:8001"))["status"],
    call("GET", "/nope")["status"],
    call("GET", "/_sandbox/users", auth=CONTROL)["status"],
]
print(json.dumps({"statuses": statuses, "token": url.partition("token=")[2]}))
"""
)


def test_production_logs_one_json_line_per_request_and_never_a_key_or_token(tmp_path):
    done = run_python(REQUESTS, tmp_path, **PRODUCTION)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)

    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("GET", "/v1/viewer/studies", 200),
        ("POST", "/v1/viewer/studies/reroute-url", 200),
        ("GET", lines[2]["path"], 200),  # the viewer page
        ("GET", "/nope", 404),
        ("GET", "/_sandbox/users", 404),  # no control plane without its key
    ]
    assert result["statuses"] == [200, 404, 404]
    assert lines[2]["path"].startswith("/viewer/studies/stu_")
    assert all(e["logger"] == "sandbox.request" and e["level"] == "INFO" for e in lines)
    assert all(isinstance(e["duration_ms"], int | float) for e in lines)
    signature = result["token"].rpartition("%3A")[2]
    assert signature and signature not in done.stderr  # the viewer link's token
    assert "limit=2" not in done.stderr  # no query string at all
    assert "sk_sandbox_dev_0123456789abcdef" not in done.stderr


def test_development_logs_one_readable_line_per_request(tmp_path):
    done = run_python(REQUESTS, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

    lines = done.stderr.splitlines()
    assert len(lines) == 5, lines
    assert (
        lines[0].endswith(" ms")
        and "INFO sandbox.request GET /v1/viewer/studies 200 " in (lines[0])
    )
    assert " GET /nope 404 " in lines[3]
