"""The API key never reaches a browser or a log: no page, fragment, header or log line
holds it, whatever Avara answers, even when Avara echoes the key back in its errors.

Every page and fragment the dashboard serves is requested while Avara fails in each way
it can (each error status, with the key in its body and headers; no answer; an answer
that cannot be read); every log record written meanwhile, at every level, is formatted
as production writes it (JSON, with the exception) and searched too.
"""

import logging

import httpx
import pytest
from django.test import Client
from view_helpers import (
    API_KEY,
    STUDIES,
    VIEWER_HOST,
    create_form,
    details_form,
    hx,
    page_json,
    row_token,
    study_id,
    study_json,
)

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST
from studies.infra.logs import JsonFormatter

SID = study_id(1)
STUDY = f"/studies/{SID}"
ECHO = f"Bearer {API_KEY} was used"  # what a careless Avara (or a proxy) might say back


def error_body(status: int, request: httpx.Request | None = None) -> httpx.Response:
    body = {"error": {"type": "x", "message": ECHO, "fields": {"severity": ECHO}}}
    headers = {"WWW-Authenticate": f'Bearer error="{API_KEY}"', "X-Echo": API_KEY}
    if status == 429:
        headers["Retry-After"] = "1"
    return httpx.Response(status, json=body, headers=headers)


def raising(exc: type[httpx.HTTPError]):
    """No answer at all. (httpx's own messages say what failed, never a header.)"""

    def fail(request: httpx.Request):
        raise exc("no answer", request=request)

    return fail


# failure -> Avara's answer to any request (a function of the request, for respx)
FAILURES = {
    **{str(s): (lambda r, s=s: error_body(s)) for s in (400, 401, 403, 404, 409, 429, 500, 503)},
    "proxy-page": lambda r: httpx.Response(502, text=f"<html>{ECHO}</html>"),
    "redirect": lambda r: httpx.Response(302, headers={"Location": f"https://x.test/?k={API_KEY}"}),
    "truncated": lambda r: httpx.Response(200, text='{"studyId": "' + API_KEY),
    "wrong-types": lambda r: httpx.Response(200, json={"studies": API_KEY, "studyId": [API_KEY]}),
    "timeout": raising(httpx.ReadTimeout),
    "refused": raising(httpx.ConnectError),
    "dropped": raising(httpx.RemoteProtocolError),
}

# (method, path, data, htmx): every page and fragment a user can ask for.
REQUESTS = [
    ("get", "/", None, False),
    ("get", "/?severity=stat", None, True),
    ("get", "/?q=1.2.840.10008.1", None, False),
    ("get", "/queue", None, False),
    ("get", "/queue?show=mine", None, True),
    ("get", STUDY, None, False),
    ("get", f"{STUDY}/row", None, True),
    ("get", f"{STUDY}/edit/assignee", None, False),
    ("get", f"{STUDY}/edit/assignee?t={row_token(SID)}", None, True),
    ("post", f"{STUDY}/edit/severity", {"value": "stat", "t": row_token(SID)}, True),
    ("post", f"{STUDY}/edit/severity", {"value": "stat", "t": row_token(SID)}, False),
    ("get", f"{STUDY}/claim", None, False),
    ("post", f"{STUDY}/claim", {"t": row_token(SID)}, True),
    ("post", f"{STUDY}/complete", {}, False),
    ("get", f"{STUDY}/cancel", None, False),
    ("post", f"{STUDY}/cancel", {}, True),
    ("post", f"{STUDY}/cancel", {"next": "/"}, False),
    ("post", f"{STUDY}/uncancel", {}, True),
    ("post", f"{STUDY}/details", details_form("Renamed"), False),
    ("post", f"{STUDY}/viewer", {}, False),
    ("post", f"{STUDY}/skip", {"reason": "Other"}, True),
    ("post", "/queue/next", {}, False),
    ("get", "/studies/new", None, False),
    ("post", "/studies/new", create_form(), False),
    ("get", "/accounts/", None, False),
    ("get", "/accounts/new", None, False),
    ("get", "/audit/", None, False),
    ("get", "/readyz", None, False),
]


class Collect(logging.Handler):
    """Every record, formatted as production writes it (one JSON line, exception
    included) and as plain text with the traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.json = JsonFormatter()
        self.text = logging.Formatter("%(levelname)s %(name)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.json.format(record))
        line = self.text.format(record)
        if record.exc_info:
            line += "\n" + self.text.formatException(record.exc_info)
        self.lines.append(line)


@pytest.fixture
def logs():
    """Every logger's records, at every level, while the test runs."""
    collect = Collect()
    loggers = [logging.getLogger(), *map(logging.getLogger, ("django", "httpx", "httpcore"))]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(collect)
        lg.setLevel(logging.DEBUG)
    yield collect
    for lg, level in saved:
        lg.removeHandler(collect)
        lg.setLevel(level)


def assert_no_key(response, where) -> None:
    assert response.status_code != 500, where  # 502/503 say Avara failed: fine
    assert API_KEY not in response.content.decode(errors="replace"), where
    for name, value in response.items():
        assert API_KEY not in value, (where, name)
    assert "TOPSECRET" not in response.content.decode(errors="replace"), where


@pytest.mark.parametrize("failure", list(FAILURES))
def test_no_page_fragment_header_or_log_line_holds_the_key_when_avara_fails(
    login, avara, logs, failure
):
    answer = FAILURES[failure]
    avara.route(url__startswith=f"http://avara.test{STUDIES}").mock(side_effect=answer)
    avara.routes["users"].mock(side_effect=answer)
    upstream.user_directory_clear()
    admin = login(ADMIN)
    reader = login(RADIOLOGIST)

    for method, path, data, htmx in REQUESTS:
        client = reader if path == "/queue/next" else admin
        response = getattr(client, method)(path, data or {}, headers=hx() if htmx else {})
        assert_no_key(response, (failure, method, path, htmx))

    assert avara.calls.call_count > len(REQUESTS)  # Avara was asked, and failed, throughout
    leaked = [line for line in logs.lines if API_KEY in line]
    assert not leaked, [line[max(0, line.find(API_KEY) - 300) :][:400] for line in leaked[:3]]
    assert logs.lines  # the failures were logged (so the search above searched something)


def test_the_key_is_not_on_pages_that_work_either(login, avara, logs):
    avara.get(STUDIES).respond(json=page_json(study_json(1), study_json(2)))
    avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1))
    viewer = f"https://{VIEWER_HOST}/viewer/studies/{SID}?token=t"
    avara.post(f"{STUDIES}/reroute-url").respond(json={"url": viewer})
    admin = login(ADMIN)

    for path in ("/", "/queue", STUDY, "/studies/new", "/accounts/", "/audit/", "/readyz"):
        assert_no_key(admin.get(path), path)
    assert_no_key(admin.post(f"{STUDY}/viewer"), "viewer")
    assert not [line for line in logs.lines if API_KEY in line]


def test_the_server_error_page_holds_no_key(login, avara, logs, monkeypatch):
    """An unexpected failure inside a call to Avara: the page says sorry and nothing more
    (the traceback goes to the log, which never holds the key's request headers)."""

    def broken(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(upstream.client._CountingTransport, "handle_request", broken)
    client = Client(raise_request_exception=False)
    client.force_login(login(ADMIN).user)

    page = client.get("/")
    fragment = client.get("/?severity=high", headers=hx(target="results"))

    assert page.status_code == 500 and fragment.status_code == 500
    for response in (page, fragment):
        assert API_KEY not in response.content.decode()
        assert all(API_KEY not in value for value in response.headers.values())
    assert "Something went wrong" in fragment.content.decode()
    assert not [line for line in logs.lines if API_KEY in line]
    assert any("unexpected" in line for line in logs.lines)


def test_the_debug_error_page_hides_the_key_too(login, avara, settings, monkeypatch):
    """Development (DEBUG on) shows Django's technical page: settings and the variables of
    every frame. The key must not be among them."""
    settings.DEBUG = True

    def broken(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(upstream.client._CountingTransport, "handle_request", broken)
    upstream.client.reset_client()
    client = Client(raise_request_exception=False)
    client.force_login(login(ADMIN).user)

    page = client.get("/", headers={"Accept": "text/html"})

    assert page.status_code == 500
    assert "RuntimeError" in page.content.decode()  # it is the technical page
    assert API_KEY not in page.content.decode()


def test_readyz_never_echoes_the_key(db, avara):
    avara.routes["users"].mock(side_effect=lambda r: error_body(401))
    response = Client().get("/readyz")

    assert response.status_code == 503
    assert API_KEY not in response.content.decode()
    assert response.json()["checks"]["avara"]["error"] == "BadCredentials"


def test_users_directory_failure_message_holds_no_key(login, avara):
    avara.routes["users"].mock(side_effect=lambda r: error_body(500))
    upstream.user_directory_clear()

    page = login(ADMIN).get("/accounts/")

    assert page.status_code == 200
    assert "could not be loaded" in page.content.decode()
    assert API_KEY not in page.content.decode()
