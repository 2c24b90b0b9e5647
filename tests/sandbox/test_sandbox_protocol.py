"""HTTP-level behaviour: HEAD wherever GET is served, and the errors the standalone
server's HTTP layer answers before Django sees the request (400 bad request line,
414, 431, 505), which must be the JSON error body too, never an HTML page."""

import json
import socket
import threading

import httpx
import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from sandbox_helpers import STUDIES, USERS

from sandbox.server import SandboxHTTPServer, SandboxRequestHandler

# --- HEAD ------------------------------------------------------------------------------


@pytest.fixture
def paths(sandbox_factory) -> list[str]:
    study = sandbox_factory.study()
    user = sandbox_factory.user()
    return [
        STUDIES,
        f"{STUDIES}/{study.study_id}",
        f"{STUDIES}/by-uid/{study.study_instance_uid}",
        USERS,
        f"{USERS}/{user.user_id}",
    ]


@pytest.mark.django_db
def test_head_is_served_wherever_get_is(api, paths):
    for path in paths:
        get = api.get(path)
        head = api.client.head(path, headers={"Authorization": f"Bearer {api.key}"})
        assert (head.status_code, get.status_code) == (200, 200), path
        assert head.content == b""
        assert head["Content-Type"] == get["Content-Type"]


@pytest.mark.django_db
def test_head_goes_through_auth_and_validation(anonymous, api):
    assert anonymous.client.head(STUDIES).status_code == 401
    auth = {"Authorization": f"Bearer {api.key}"}
    assert api.client.head(f"{STUDIES}?limit=0", headers=auth).status_code == 400
    assert api.client.head(f"{STUDIES}/stu_{'0' * 32}", headers=auth).status_code == 404


@pytest.mark.django_db
def test_head_is_405_where_get_is_not(api):
    response = api.client.head(f"{STUDIES}/cancel", headers={"Authorization": f"Bearer {api.key}"})
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_head_over_http_has_the_get_headers_and_no_body(sandbox_live_server, sandbox_api_key):
    headers = {"Authorization": f"Bearer {sandbox_api_key}"}
    with httpx.Client(base_url=sandbox_live_server, headers=headers) as client:
        get, head = client.get(USERS), client.head(USERS)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers.get("content-length") == get.headers.get("content-length")


# --- Errors from the HTTP layer of the standalone server -------------------------------


def hello_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@pytest.fixture
def server():
    """SandboxHTTPServer built as django's `run()` builds it (with WSGIRequestHandler)."""
    httpd = SandboxHTTPServer(("127.0.0.1", 0), WSGIRequestHandler)
    httpd.set_app(hello_app)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd.server_address[:2]
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def exchange(address, raw: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send raw bytes, read to EOF: (status line, headers, body)."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status, {name.lower(): value for name, value in headers.items()}, body


def test_django_run_handler_class_is_swapped_for_the_json_one():
    httpd = SandboxHTTPServer(("127.0.0.1", 0), WSGIRequestHandler)
    httpd.server_close()
    assert httpd.RequestHandlerClass is SandboxRequestHandler


def test_a_normal_request_is_still_served(server):
    status, _, body = exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == "HTTP/1.1 200 OK"
    assert body == b"ok"


TOO_MANY_HEADERS = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(101))
LONG_HEADER_LINE = b"GET / HTTP/1.1\r\n"
LONG_HEADER_LINE += b"X-Long: " + b"a" * (65537 - len(b"X-Long: "))  # 1 byte over 64 KiB
LONG_URL = b"GET /" + b"a" * (65537 - len(b"GET /"))


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        (TOO_MANY_HEADERS + b"\r\n", 431, "Too many headers"),
        (LONG_HEADER_LINE, 431, "Line too long"),
        (LONG_URL, 414, "URI is too long"),
        (b"GARBAGE\r\n\r\n", 400, "Bad request syntax"),
        (b"GET / HTTP/1.1 extra\r\n\r\n", 400, "Bad request version"),
        (b"POST /\r\n\r\n", 400, "Bad HTTP/0.9 request type"),
        (b"GET / HTTP/9.9\r\n\r\n", 505, "Invalid HTTP version (9.9)"),
    ],
    ids=["431-count", "431-line", "414", "400-syntax", "400-version", "400-http09", "505"],
)
def test_protocol_errors_are_json(server, raw, status, fragment):
    status_line, headers, body = exchange(server, raw)
    assert status_line.startswith(f"HTTP/1.1 {status} ")
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    assert headers["connection"] == "close"
    assert headers["x-should-retry"] == ("true" if status >= 500 else "false")
    error = json.loads(body)["error"]
    assert set(error) == {"type", "message", "fields"}
    assert error["type"] == ("api_error" if status >= 500 else "invalid_request_error")
    assert error["fields"] == {}
    assert fragment in error["message"]
    assert b"<" not in body
