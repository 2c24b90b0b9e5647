"""Two dashboard processes (gunicorn, two ports) sharing PostgreSQL and Redis in front of
one sandbox: whatever a user does on one is true on the other.

Runs only in the `stores` pass of `make test` (scripts/with-stores provides PostgreSQL
and Redis); on SQLite + local memory there is nothing to share, so it is skipped. The
processes use pytest's test database (test_triage) and the same Redis; the sandbox is
the suite's own, in its own process (tests/conftest.py).
"""

import html
import re
from io import StringIO

import httpx
import pytest
from django.conf import global_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections

from .servers import clean_environ, free_port, serve_all

pytestmark = pytest.mark.stores

SECRET = "two-Processes-Shared-Secret-Key-9xQ4vLm2TpW7sNb8hZd3kFg6jRy1"
PASSWORD = "triage-radiologist"  # the demo radiologist's (README)
FAILURE_LIMIT = 2  # fewer password checks (each costs a real hash) than the default 5
# A row with its token (data-t) and its Claim link (the page's script POSTs it).
CLAIM = re.compile(
    r'<tr id="study-(?P<study>stu_[0-9a-f]{32})"[^>]*data-t="(?P<token>[^"]+)">'
    r'(?:(?!</tr>).)*?href="(?P<action>/studies/(?P=study)/claim)" data-post>Claim</a>',
    re.S,
)


def _postgres_url() -> str:
    db = connections["default"].settings_dict  # the test database, after pytest-django's setup
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def two_dashboards(sandbox, tmp_path, settings):
    if connections["default"].vendor != "postgresql" or not settings.CACHES["default"][
        "BACKEND"
    ].endswith("RedisCache"):
        pytest.skip("needs PostgreSQL + Redis (make test-stores)")
    sandbox.reset(seed=1, studies=12)
    # The demo accounts find their Avara users through the API: point it at the sandbox.
    settings.AVARA_BASE_URL = sandbox.url
    settings.AVARA_API_KEY = sandbox.api_key
    call_command("create_demo_accounts", stdout=StringIO())  # with the tests' fast hasher
    # The servers check passwords with Django's own hashers: one real hash, for the one
    # account the tests log in with.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    radiologist = get_user_model().objects.get(username="radiologist")
    radiologist.set_password(PASSWORD)
    radiologist.save(update_fields=["password"])
    cache.clear()
    env = clean_environ() | {
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_LOG_FORMAT": "json",
        "DATABASE_URL": _postgres_url(),
        "CACHE_URL": settings.CACHES["default"]["LOCATION"],
        "AVARA_BASE_URL": sandbox.url,
        "AVARA_API_KEY": sandbox.api_key,
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
        "DJANGO_LOGIN_FAILURE_LIMIT": str(FAILURE_LIMIT),
    }
    command = ["gunicorn", "-c", "dashboard/gunicorn_conf.py", "dashboard.wsgi"]
    specs = []
    for name in ("a", "b"):
        port = free_port()
        specs.append((command, env | {"PORT": str(port)}, tmp_path / f"{name}.log", port))
    with serve_all(specs) as (a, b):
        yield a, b
    cache.clear()


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def log_in(browser: httpx.Client, url: str, password: str = PASSWORD) -> httpx.Response:
    form = browser.get(f"{url}/accounts/login/")
    return browser.post(
        f"{url}/accounts/login/",
        data={
            "username": "radiologist",
            "password": password,
            "csrfmiddlewaretoken": csrf_of(form),
        },
    )


def test_a_login_and_a_claim_on_one_process_hold_on_the_other(two_dashboards):
    a, b = two_dashboards
    with httpx.Client(timeout=30) as browser:
        logged_in = log_in(browser, a.url)
        on_b = browser.get(f"{b.url}/?assignee=none")
        claim = CLAIM.search(on_b.text)
        claimed = browser.post(
            f"{a.url}{claim['action']}",
            data={"t": html.unescape(claim["token"]), "csrfmiddlewaretoken": csrf_of(on_b)},
        )
        mine_on_b = browser.get(f"{b.url}/?assignee=me")
        unassigned_on_b = browser.get(f"{b.url}/?assignee=none")
        # Logging out on B ends the session on A too: it is in the shared store, not in A.
        browser.post(f"{b.url}/accounts/logout/", data={"csrfmiddlewaretoken": csrf_of(on_b)})
        after_logout_on_a = browser.get(f"{a.url}/")

    assert logged_in.status_code == 302, logged_in.text
    assert on_b.status_code == 200  # not sent to the login page: B knows the session
    assert "Log out" in on_b.text
    assert claim, "no Claim button on the unassigned worklist"
    assert claimed.status_code in (200, 302), claimed.text
    assert mine_on_b.status_code == 200
    assert f'id="study-{claim["study"]}"' in mine_on_b.text
    assert claim["study"] not in unassigned_on_b.text
    assert after_logout_on_a.status_code == 302
    assert after_logout_on_a.headers["Location"].startswith("/accounts/login/")


def test_failed_logins_on_one_process_lock_the_other(two_dashboards):
    a, b = two_dashboards

    with httpx.Client(timeout=30) as on_a, httpx.Client(timeout=30) as on_b:
        for _ in range(FAILURE_LIMIT):
            log_in(on_a, a.url, password="wrong-password")
        refused = log_in(on_b, b.url)

    assert refused.status_code == 429
    assert "Too many failed logins" in refused.text
