"""Role x URL x method, the methods side: a method a route does not serve is a 405 for
everyone logged in and sends anonymous visitors to the login page (nothing is called,
nothing audited); every served method of every protected route sends anonymous visitors
to the login page; the login page and the health probes are open to everyone, logout
ends the session. The routes and their methods are the table in routes_table.py."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from view_helpers import text

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditEntry

from .routes_table import METHODS, OPEN, ROUTES

# Run again on PostgreSQL + Redis by `make test`: sessions, logins and audit rows.
pytestmark = pytest.mark.stores

ROLES = (RADIOLOGIST, SUPERVISOR, ADMIN)
ANONYMOUS = "anonymous"
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("name", list(ROUTES))
def test_a_method_a_route_does_not_serve_is_refused(login, avara, name):
    """Every method the route does not serve, as each role and as an anonymous visitor
    (one test per route: the cases are many and cheap, the set-up is not)."""
    path, served = ROUTES[name]
    clients = {ANONYMOUS: Client(), **{role: login(role) for role in ROLES}}

    for method in (m for m in METHODS if m not in served):
        for who, client in clients.items():
            response = client.generic(method, path)

            case = f"{who} {method} {path}"
            if who == ANONYMOUS and name not in OPEN:
                assert response.status_code == 302, case
                assert response["Location"].startswith("/accounts/login/?next="), case
            else:
                assert response.status_code == 405, case
                assert {m.strip() for m in response["Allow"].split(",")} == served, case
    assert avara.calls.call_count == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("name", sorted(set(ROUTES) - OPEN))
def test_anonymous_visitors_are_sent_to_login(db, avara, name):
    """Every method a protected route serves, without a login."""
    path, served = ROUTES[name]
    body = urlencode({"value": "me", "reason": "Other"})

    for method in sorted(served):
        data = body if method == "POST" else ""
        response = Client().generic(method, path, data=data, content_type=FORM)

        assert response.status_code == 302, f"{method} {path}"
        assert response["Location"].startswith("/accounts/login/?next="), f"{method} {path}"
    assert avara.calls.call_count == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("who", [ANONYMOUS, *ROLES])
def test_the_login_page_is_open_to_everyone(login, who):
    client = Client() if who == ANONYMOUS else login(who)

    page = client.get("/accounts/login/")
    head = client.head("/accounts/login/")
    wrong = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    assert page.status_code == 200 and 'name="password"' in text(page)
    assert head.status_code == 200 and head.content == b""
    assert wrong.status_code == 200 and "didn't match" in text(wrong)
    assert client.options("/accounts/login/").status_code == 200


def test_a_put_to_the_login_page_logs_nobody_in(make_account):
    reader = make_account(RADIOLOGIST, username="reader")
    reader.set_password("Right-Passw0rd-for-put")
    reader.save()
    client = Client()

    response = client.put(
        "/accounts/login/",
        urlencode({"username": "reader", "password": "Right-Passw0rd-for-put"}),
        content_type=FORM,
    )

    assert response.status_code == 200 and 'name="password"' in text(response)
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_logout_ends_the_session(login, avara, role):
    client = login(role)

    options = client.options("/accounts/logout/")
    response = client.post("/accounts/logout/")
    after = client.get("/")

    assert options.status_code == 200
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert after.status_code == 302 and after["Location"].startswith("/accounts/login/")
    assert avara.calls.call_count == 0


@pytest.mark.parametrize("who", [ANONYMOUS, *ROLES])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_health_probes_answer_everyone_without_a_login(login, avara, who, method):
    client = Client() if who == ANONYMOUS else login(who)

    alive = client.generic(method, "/healthz")
    ready = client.generic(method, "/readyz")

    assert alive.status_code == 200 and ready.status_code == 200
    if method == "GET":
        assert alive.json() == {"status": "ok"}
        assert ready.json()["status"] == "ok"
    else:
        assert alive.content == b"" and ready.content == b""
    assert AuditEntry.objects.count() == 0
