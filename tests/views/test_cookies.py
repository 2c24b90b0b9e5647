"""The dashboard's cookies have names of its own. Cookies ignore ports: another
application on the same host (the sandbox under `make run`, 127.0.0.1:8001) receives
them, and cookies named as any Django project names them by default ("sessionid",
"csrftoken", "messages") could be read or overwritten by it."""

import httpx
import pytest
from django.conf import settings
from django.test import Client
from view_helpers import STUDIES, study_json, text

from studies.accounts.roles import ADMIN

pytestmark = pytest.mark.stores

DJANGO_DEFAULTS = {"sessionid", "csrftoken", "messages"}


def test_logging_in_sets_only_cookies_named_for_the_dashboard(make_account, avara):
    make_account(ADMIN, username="ada")
    browser = Client(enforce_csrf_checks=True)

    form = browser.get("/accounts/login/")
    token = form.cookies["triage_csrftoken"].value
    logged_in = browser.post(
        "/accounts/login/",
        {"username": "ada", "password": "unused-Passw0rd-for-tests", "csrfmiddlewaretoken": token},
    )

    assert logged_in.status_code == 302
    assert set(form.cookies) == {"triage_csrftoken"}
    assert set(logged_in.cookies) <= {"triage_session", "triage_csrftoken"}
    assert "triage_session" in logged_in.cookies
    assert not DJANGO_DEFAULTS & set(browser.cookies)
    assert (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME) == (
        "triage_session",
        "triage_csrftoken",
    )


def test_a_flash_message_travels_in_the_session_not_in_a_cookie(login, avara):
    sid = study_json(1)["studyId"]
    before, after = study_json(1, isCancelled=True), study_json(1)
    answers = [httpx.Response(200, json=body) for body in (before, after, after)]
    avara.get(f"{STUDIES}/{sid}").mock(side_effect=answers)
    avara.post(f"{STUDIES}/uncancel").respond(json={"success": True, "message": None})
    client = login(ADMIN)

    restored = client.post(f"/studies/{sid}/uncancel")
    page = client.get(restored["Location"])

    assert restored.status_code == 302
    assert "messages" not in restored.cookies and "messages" not in client.cookies
    assert "Study restored." in text(page)


def test_cookies_another_app_on_the_host_set_are_not_the_dashboards(login, avara):
    """A "sessionid" set by anything else on 127.0.0.1 neither logs anyone in nor out."""
    stranger = Client()
    stranger.cookies["sessionid"] = login(ADMIN).cookies["triage_session"].value

    assert stranger.get("/").status_code == 302  # to the login page: not the admin
    admin = login(ADMIN)
    admin.cookies["sessionid"] = "garbage<>"
    admin.cookies["csrftoken"] = "garbage"
    assert admin.get("/audit/").status_code == 200
