"""Production settings, loaded the way a server loads them (a fresh process, the
environment only): `check --deploy` is clean, HSTS preload is the operator's choice,
the CSP lets "Open in viewer" reach exactly the viewer hosts over HTTPS, logs are JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "x7Kq-2mVbT9pLwZr4sNd8cFh1jGy6uEa3oRi5tYe0nMx-QzPvB8wLs2Jd"  # 57 varied characters
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": SECRET,
    "AVARA_BASE_URL": "https://api.avara.test",
    "AVARA_API_KEY": "sk_live_NEVER_LOGGED_0123456789",
    "DJANGO_ALLOWED_HOSTS": "triage.example.org",
    "AVARA_VIEWER_HOSTS": "viewer.avara.test,*.cdn.avara.test",
}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AVARA_"))}
    for name in ("DATABASE_URL", "CACHE_URL", "SANDBOX_DATABASE_URL"):
        base.pop(name, None)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args],
        cwd=ROOT,
        env=base | {"DJANGO_STATIC_ROOT": str(ROOT / "staticfiles")} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PROBE = """
import json, logging, django
PARTS = ("NAME", "SECURE", "PATH", "DOMAIN")
django.setup()
from django.conf import settings
logging.getLogger("studies").warning("probe %s", "line", extra={"answer": 42})
print(json.dumps({
    "form_action": [str(v) for v in settings.SECURE_CSP["form-action"]],
    "hsts_preload": settings.SECURE_HSTS_PRELOAD,
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "session_engine": settings.SESSION_ENGINE,
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "cookies": {
        name: [getattr(settings, f"{name}_COOKIE_{part}") for part in PARTS]
        for name in ("SESSION", "CSRF")
    },
    "message_storage": settings.MESSAGE_STORAGE,
    "tz_cookie": settings.TRIAGE_TZ_COOKIE,
    "sandbox": [name for name in dir(settings) if name.startswith("SANDBOX_")],
}))
"""


def probe(env: dict[str, str]) -> tuple[dict, list[str]]:
    done = run(["-c", PROBE], env | {"DJANGO_SETTINGS_MODULE": "dashboard.settings"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr.splitlines()


@pytest.mark.parametrize("preload", ["0", "1"])
def test_check_deploy_is_clean_whether_or_not_hsts_is_preloaded(preload):
    done = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        PRODUCTION | {"DJANGO_HSTS_PRELOAD": preload},
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "W021" not in done.stdout + done.stderr


def test_hsts_preload_is_off_unless_asked_for():
    assert probe(PRODUCTION)[0]["hsts_preload"] is False
    assert probe(PRODUCTION | {"DJANGO_HSTS_PRELOAD": "1"})[0]["hsts_preload"] is True


def test_production_form_action_is_the_viewer_hosts_over_https_only():
    settings, _ = probe(PRODUCTION)

    assert settings["form_action"] == [
        "'self'",
        "https://viewer.avara.test:*",
        "https://*.cdn.avara.test:*",
    ]


def test_development_form_action_also_allows_plain_http_viewers():
    settings, _ = probe({"DJANGO_ENV": "development", "AVARA_VIEWER_HOSTS": "127.0.0.1"})

    assert settings["form_action"] == ["'self'", "https://127.0.0.1:*", "http://127.0.0.1:*"]


def test_production_logs_are_one_json_object_per_line_without_the_key():
    settings, stderr = probe(PRODUCTION)

    assert stderr, "nothing was logged"
    entries = [json.loads(line) for line in stderr]
    probe_line = next(e for e in entries if e["logger"] == "studies")
    assert probe_line["message"] == "probe line"
    assert probe_line["answer"] == 42
    assert probe_line["level"] == "WARNING"
    assert "request_id" in probe_line  # null outside a request
    assert PRODUCTION["AVARA_API_KEY"] not in "\n".join(stderr)
    assert settings["session_engine"] == "studies.accounts.sessions"  # cached_db, see its test
    assert settings["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "AVARA_API_KEY", "AVARA_BASE_URL", "DJANGO_ALLOWED_HOSTS"]
)
def test_production_refuses_to_start_without_a_required_setting(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    done = run(["manage.py", "check"], env)

    assert done.returncode != 0
    assert missing in done.stderr
    assert PRODUCTION["AVARA_API_KEY"] not in done.stderr


def test_production_cookies_are_the_dashboards_own_and_host_only():
    """Cookies ignore ports: anything on the same host could read or overwrite cookies
    named as Django names them by default. The __Host- prefix makes browsers take them
    only Secure, for "/", and with no Domain (no other host of the domain can set them)."""
    settings, _ = probe(PRODUCTION)

    assert settings["cookies"] == {
        "SESSION": ["__Host-triage_session", True, "/", None],
        "CSRF": ["__Host-triage_csrftoken", True, "/", None],
    }
    # Django's message cookie is always named "messages": messages live in the session.
    assert settings["message_storage"].endswith("session.SessionStorage")
    # The browser's time zone: static/js/timezone.js writes it Secure, for "/", no Domain.
    assert settings["tz_cookie"] == "__Host-triage_tz"


def test_development_cookies_have_names_of_their_own_too():
    settings, _ = probe({"DJANGO_ENV": "development"})

    assert settings["cookies"]["SESSION"][0] == "triage_session"
    assert settings["cookies"]["CSRF"][0] == "triage_csrftoken"
    assert settings["tz_cookie"] == "triage_tz"


def test_the_dashboards_settings_hold_nothing_of_the_sandbox_but_how_to_find_it():
    """Its development default only: the URL `make run` serves it on and its documented
    key (sandbox/README.md). The sandbox has settings of its own."""
    assert probe({"DJANGO_ENV": "development"})[0]["sandbox"] == [
        "SANDBOX_DEFAULT_URL",
        "SANDBOX_DEV_API_KEY",
    ]
