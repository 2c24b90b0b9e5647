"""Serving the sandbox: its WSGI handler, and the development server `runsandbox` uses.

The handler runs with the sandbox's own settings (sandbox/settings.py) and resolves
every request against `sandbox.urls`. It times each request, records it in the request
log (sandbox/requestlog.py) and writes exactly one log line for it ("sandbox.request":
method, path, status, duration; never the query string, a header or a body).

Errors the HTTP layer answers before Django sees the request (a malformed request
line, an unsupported HTTP version, a URL or headers too large) are JSON error
bodies too: SandboxHTTPServer serves connections with SandboxRequestHandler, which
logs them on the same logger, once.
"""

import json
import logging
import socket
from http import HTTPStatus
from time import perf_counter

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.http import HttpRequest, HttpResponse

from sandbox.errors import error_body, jsonify_error, should_retry
from sandbox.requestlog import request_record

URLCONF = "sandbox.urls"
request_logger = logging.getLogger("sandbox.request")


class SandboxWSGIHandler(WSGIHandler):
    def get_response(self, request: HttpRequest) -> HttpResponse:
        started = perf_counter()
        request.urlconf = URLCONF
        response = jsonify_error(request, super().get_response(request))
        duration_ms = (perf_counter() - started) * 1000
        request_record(request=request, status=response.status_code, duration_ms=duration_ms)
        log_request(request.method or "", request.path, response.status_code, duration_ms)
        return response


def log_request(method: str, path: str, status: int, duration_ms: float) -> None:
    duration_ms = round(duration_ms, 1)
    request_logger.info(
        "%s %s %s %.1f ms",
        method,
        path,
        status,
        duration_ms,
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )


NO_BODY = (HTTPStatus.NO_CONTENT, HTTPStatus.RESET_CONTENT, HTTPStatus.NOT_MODIFIED)


class SandboxRequestHandler(WSGIRequestHandler):
    """Django's request handler, but the errors http.server answers itself (400 bad
    request line, 414, 431, 505) carry the sandbox's JSON error body, not HTML, and
    are logged on "sandbox.request" (the handler logs every other request itself)."""

    def log_request(self, code="-", size="-") -> None:
        """No access line of the development server's own: SandboxWSGIHandler wrote one."""

    def log_message(self, format: str, *args) -> None:
        request_logger.warning("%s: " + format, self.address_string(), *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        short, long = self.responses.get(code, ("Error", "The request failed."))
        detail = message if message and message != short else explain or long
        self.log_error("code %d, message %s", code, message or short)
        if self.request_version == "HTTP/0.9":
            # The request line was not understood (http.server's default version):
            # still answer with a status line and headers, which every client reads.
            self.request_version = self.protocol_version
        self.send_response(code, short)
        self.send_header("Connection", "close")
        body = b""
        if code >= 200 and code not in NO_BODY:
            error = error_body(code, f"{short}: {detail.rstrip('.')}.")
            body = json.dumps(error).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-should-retry", should_retry(code))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)


class NoDelayMixin:
    """Send each response as soon as it is written (TCP_NODELAY). Django's server writes a
    response's headers and body in separate sends: with Nagle's algorithm and delayed
    ACKs, every request on a kept-alive connection would wait ~40 ms."""

    def get_request(self):
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address


class SandboxHTTPServer(NoDelayMixin, WSGIServer):
    """The server `runsandbox` uses (made threaded by django's `run`).

    `run()` always passes Django's WSGIRequestHandler; it is swapped for
    SandboxRequestHandler here (any other handler class is kept)."""

    def __init__(self, server_address, handler_class, *args, **kwargs):
        if handler_class is WSGIRequestHandler:
            handler_class = SandboxRequestHandler
        super().__init__(server_address, handler_class, *args, **kwargs)
