"""Cross-cutting HTTP behaviour for HTMX and upstream failures."""

import logging

from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from studies import upstream
from studies.http import upstream_refusal

log = logging.getLogger(__name__)


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
