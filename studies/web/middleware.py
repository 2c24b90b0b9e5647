"""Cross-cutting HTTP behaviour: request ids and timing, health probes, HTMX, upstream failures."""

import logging
import time

import zstandard
from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from studies import upstream
from studies.accounts.capabilities import Capabilities
from studies.infra import requestid, shared
from studies.infra.addresses import from_trusted_proxy
from studies.web import health
from studies.web.http import refuse, upstream_refusal

# The logger keeps the name it had before the module moved: log lines carry it.
log = logging.getLogger("studies.middleware")
request_log = logging.getLogger("studies.request")


class RequestContextMiddleware:
    """First in the stack: a request id for everything the request does, and its timing.

    - The id comes from `X-Request-Id` when a trusted proxy (DJANGO_TRUSTED_PROXIES) sent
      a well-formed one, else it is made here. Every log line written while serving the
      request carries it, every call to Avara sends it, and the answer echoes it.
    - `Server-Timing` splits the time spent waiting on Avara from the dashboard's own
      (both in ms; browsers show them in their network panel).
    - One log line per request: method, path (never the query string), status, timings.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(requestid.HEADER)
        trusted = requestid.request_id_well_formed(incoming) and from_trusted_proxy(request)
        request.request_id = incoming if trusted else requestid.request_id_new()
        requestid.request_id_activate(request.request_id)
        stats = upstream.stats_reset()
        started = time.perf_counter()
        with shared.request_scope():  # see studies/accounts/sessions.py
            response = self.get_response(request)
        total_ms = (time.perf_counter() - started) * 1000.0
        response[requestid.HEADER] = request.request_id
        response["Server-Timing"] = server_timing(total_ms, stats)
        if response.streaming:  # the work happens as it is sent: log the line at its end
            pieces = response.streaming_content
            response.streaming_content = self._logged(request, response, pieces, started, stats)
            return response
        self._log(request, response, total_ms, stats)
        return response

    def _logged(self, request, response, pieces, started: float, stats):
        """A streamed answer's pieces, then its access line, timed to the last piece (its
        Server-Timing can only say how long the first took)."""
        try:
            yield from pieces
        finally:
            self._log(request, response, (time.perf_counter() - started) * 1000.0, stats)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Before the session is loaded (on first use, by the login check after this):
        the keys the view will read, to be read with it (`reads_with_session`)."""
        wanted = getattr(view_func, "reads_with_session", None)
        if wanted is not None:
            shared.read_with_session(wanted(request))

    @staticmethod
    def _log(request, response, total_ms: float, stats) -> None:
        if request.path in HealthCheckMiddleware.PATHS and response.status_code == 200:
            return  # probes every few seconds would drown everything else
        # An access line: INFO whatever the status (django.request adds its own warning
        # or error line for 4xx and 5xx answers, with this request's id too).
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(total_ms, 1),
                "avara_ms": round(stats.total_ms, 1),
                "avara_calls": stats.count,
                "user_id": getattr(getattr(request, "user", None), "pk", None),
            },
        )


def server_timing(total_ms: float, stats) -> str:
    """`avara;dur=…;desc="Avara API (n calls)", app;dur=…;desc="Dashboard"`."""
    avara = min(stats.total_ms, total_ms)
    calls = "1 call" if stats.count == 1 else f"{stats.count} calls"
    return (
        f'avara;dur={avara:.1f};desc="Avara API ({calls})", '
        f'app;dur={total_ms - avara:.1f};desc="Dashboard"'
    )


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before anything that could refuse a probe.

    Placed right after RequestContextMiddleware: no ALLOWED_HOSTS check (probes come by
    address), no HTTPS redirect (probes speak plain HTTP inside the network), no session,
    no login. See studies/web/health.py for what they answer.
    """

    PATHS = {"/healthz": health.healthz, "/readyz": health.readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.PATHS.get(request.path_info)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request)


class UpstreamErrorMiddleware:
    """The last line of defence: no upstream trouble ever becomes a 500 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, upstream.UpstreamError):
            log.warning("Upstream error on %s: %s", request.path, type(exception).__name__)
            return upstream_refusal(request, exception)
        return None


class HtmxSafetyMiddleware:
    """Keep HTMX swaps to fragments meant for them.

    - The same URL answers a fragment or a whole page depending on HX-Request and
      HX-Target, so caches (and the back button) must keep them apart: Vary on both.
    - An expired session answers an HTMX request with a redirect to the login page;
      htmx would swap that whole page into a table cell. Send the browser there instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.login_path = None

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        if getattr(request, "htmx", False) and response.status_code in (301, 302):
            login = self.login_path or resolve_url(settings.LOGIN_URL)
            self.login_path = login
            if response["Location"].startswith(login):
                return HttpResponseClientRedirect(response["Location"])
        return response


class PageCompressionMiddleware(GZipMiddleware):
    """Compress HTML pages and fragments (the big answers: a 100-row worklist shrinks
    about tenfold): zstd when the browser takes it (Chromium does; level 1 costs ~0.2 ms
    for 140 kB where gzip costs ~3 ms), else Django's gzip. JSON is left as it is (small
    here, and its clients may not inflate). BREACH: Django masks the CSRF token anew in
    every response (and pads its gzip output); no other secret is ever in a page body
    (the API key never is)."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if response.streaming or response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        accepted = {
            part.split(";")[0].strip().lower()
            for part in request.META.get("HTTP_ACCEPT_ENCODING", "").split(",")
        }
        if "zstd" not in accepted or len(response.content) < 200:
            return super().process_response(request, response)
        response.content = zstandard.ZstdCompressor(level=1).compress(response.content)
        response.headers["Content-Length"] = str(len(response.content))
        if (etag := response.get("ETag")) and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag  # the bytes differ from the page's
        response.headers["Content-Encoding"] = "zstd"
        return response


class RoleRequiredMiddleware:
    """Every page needs a role, not only a login: an account without one (made by hand,
    or whose role was taken away) sees a page saying so, and nothing of the studies. The
    login and logout pages stay open to it."""

    OPEN = frozenset({"login", "logout"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in self.OPEN:
            return None
        if Capabilities.of(user).role:
            return None
        message = "Your account has no role yet, so it can see nothing here: ask an admin."
        return refuse(request, message, status=403, title="No role")
