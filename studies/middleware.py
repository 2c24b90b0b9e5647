"""The last line of defence: no upstream trouble ever becomes a 500 page."""

import logging

from studies import upstream
from studies.http import upstream_refusal

log = logging.getLogger(__name__)


class UpstreamErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, upstream.UpstreamError):
            log.warning("Upstream error on %s: %s", request.path, type(exception).__name__)
            return upstream_refusal(request, exception)
        return None
