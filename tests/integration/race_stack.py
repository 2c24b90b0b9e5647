"""The dashboard and the sandbox as real server processes, for tests of races.

Threads of one test process sharing one in-memory SQLite connection cannot tell a race
in the dashboard from a race in the test harness, so these tests start the real thing:
the sandbox under gunicorn with its own settings (tests/support/served_sandbox.py) and
the dashboard under gunicorn, on databases of their own.

- First pass of `make test` (SQLite + local memory): SQLite files in a temp dir, one
  dashboard process with 8 threads (local memory is one process's store).
- `stores` pass (scripts/with-stores: PostgreSQL + Redis): fresh PostgreSQL databases
  on the private server and a Redis database of their own, and TWO dashboard
  processes, so a claim lock that did not cross processes would let two readers win.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from sandbox_control import SandboxControl
from served_sandbox import ServedSandbox, served_sandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for ops.servers
from ops.servers import ROOT, Server, clean_environ, free_port, serve_all


@dataclass
class Stack:
    sandbox: ServedSandbox
    dashboards: list[Server]
    env: dict[str, str]
    shared_store: bool

    def django(self, code: str) -> str:
        """Run Python with the dashboard's Django set up in the served environment."""
        return django_run(self.env, code)

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.sandbox.url,
            headers={"Authorization": f"Bearer {self.sandbox.api_key}"},
            timeout=30,
        )

    def control(self) -> SandboxControl:
        sandbox = self.sandbox
        return SandboxControl(sandbox.url, api_key=sandbox.api_key, control_key=sandbox.control_key)


def django_run(env: dict[str, str], code: str) -> str:
    script = "import django\ndjango.setup()\n" + code
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _shared_stores() -> tuple[str, str] | None:
    """(dashboard db URL, cache URL) on the `stores` pass's servers."""
    default = settings.DATABASES["default"]
    cache = settings.CACHES["default"]
    if not default["ENGINE"].endswith("postgresql") or not cache["BACKEND"].endswith("RedisCache"):
        return None
    import psycopg

    name = f"served_{secrets.token_hex(4)}"
    server = (
        f"postgres://{default['USER']}:{default['PASSWORD']}@{default['HOST']}:{default['PORT']}"
    )
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    location = urlsplit(cache["LOCATION"])
    own_db = urlunsplit(location._replace(path="/7"))  # a Redis database of their own
    return f"{server}/{name}", own_db


@contextmanager
def served(tmp: Path, *, extra: dict[str, str] | None = None) -> Iterator[Stack]:
    stores = _shared_stores()
    if stores:
        database, cache_url = stores
    else:
        database, cache_url = f"sqlite:///{tmp / 'dashboard.sqlite3'}", "locmemcache://"
    with served_sandbox(server="gunicorn", workers=2) as sandbox:
        env = clean_environ() | {
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "DJANGO_ENV": "development",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "served-" + secrets.token_urlsafe(32),
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": database,
            "CACHE_URL": cache_url,
            "AVARA_BASE_URL": sandbox.url,
            "AVARA_API_KEY": sandbox.api_key,
            "AVARA_VIEWER_HOSTS": "127.0.0.1",
            "GUNICORN_THREADS": "8",
            "GUNICORN_ACCESS_LOG": "",
            **(extra or {}),
        }
        migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True)  # noqa: S603
        if stores:
            django_run(env, "from django.core.cache import cache\ncache.clear()\n")
        gunicorn = [
            str(Path(sys.executable).with_name("gunicorn")),
            *("-c", "dashboard/gunicorn_conf.py", "dashboard.wsgi:application"),
        ]
        specs = []
        for n in range(2 if stores else 1):
            port = free_port()
            specs.append(
                (
                    gunicorn,
                    env | {"PORT": str(port), "WEB_CONCURRENCY": "1"},
                    tmp / f"dashboard{n}.log",
                    port,
                )
            )
        with serve_all(specs) as dashboards:
            yield Stack(sandbox=sandbox, dashboards=dashboards, env=env, shared_store=bool(stores))


# The dashboard's accounts for Avara users the control plane made, each logged in (a
# session in the shared store): {"readers": [{user_id, name, session}], "cookies": names}.
READERS_CODE = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cached_db import SessionStore
from studies.models import Account
from studies.accounts.roles import role_sync

role_sync()
readers = []
for n, avara in enumerate(json.loads({avara!r})):
    user = get_user_model().objects.create_user(username=f"reader{{n}}")
    user.groups.add(Group.objects.get(name="Radiologist"))
    Account.objects.create(user=user, avara_user_id=avara["userId"])
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "studies.accounts.backends.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    readers.append({{"user_id": avara["userId"], "name": f"{{avara['firstName']}} Racer",
                    "session": session.session_key}})
cookies = {{"session": settings.SESSION_COOKIE_NAME, "csrf": settings.CSRF_COOKIE_NAME}}
print(json.dumps({{"readers": readers, "cookies": cookies}}))
"""


@dataclass
class Reader:
    user_id: str
    name: str
    browser: httpx.Client


def readers(stack: Stack, count: int) -> list[Reader]:
    """`count` logged-in radiologists, each an HTTP client on one of the dashboards (in
    turn), holding its session and the CSRF header a page visit gives it."""
    made = _logged_in(stack, count)
    return [
        _browsing(stack.dashboards[n % len(stack.dashboards)], made, reader)
        for n, reader in enumerate(made["readers"])
    ]


def one_reader_everywhere(stack: Stack) -> list[Reader]:
    """One logged-in radiologist (one session) with an HTTP client on each dashboard: the
    same person working in tabs served by different processes."""
    made = _logged_in(stack, 1)
    return [_browsing(server, made, made["readers"][0]) for server in stack.dashboards]


def _logged_in(stack: Stack, count: int) -> dict:
    control = stack.control()
    try:
        avara = [
            control.user(email=f"reader{n}@race.test", first_name=f"Reader{n}", last_name="Racer")
            for n in range(count)
        ]
    finally:
        control.close()
    return json.loads(stack.django(READERS_CODE.format(avara=json.dumps([u.raw for u in avara]))))


def _browsing(server: Server, made: dict, reader: dict) -> Reader:
    cookies = made["cookies"]
    # No kept-alive connections: gunicorn closes idle ones after 5 s, and a request
    # sent on one it just closed is reset (a browser would retry; these do not).
    browser = httpx.Client(
        base_url=server.url, timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
    )
    browser.cookies.set(cookies["session"], reader["session"])
    page = browser.get("/accounts/login/")
    assert page.status_code in (200, 302), page.text[:500]
    browser.headers["X-CSRFToken"] = browser.cookies[cookies["csrf"]]
    return Reader(reader["user_id"], reader["name"], browser)


def new_study(api: httpx.Client, *, severity: str = "normal", uid_tail: str | None = None) -> str:
    uid = f"1.2.826.0.1.3680043.8.498.{uid_tail or secrets.randbelow(10**12)}"
    answer = api.post(
        "/v1/viewer/studies",
        json={"severity": severity, "studyDescription": "Race study", "studyInstanceUid": uid},
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["studyId"]


def assignee_of(api: httpx.Client, study_id: str) -> str | None:
    study = api.get(f"/v1/viewer/studies/{study_id}").json()
    return (study.get("assignedTo") or {}).get("userId")
