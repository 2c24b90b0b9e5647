"""The wrapper every control-plane route goes through: 405, the control key, JSON errors.

The control plane answers only `Authorization: Bearer <SANDBOX_CONTROL_KEY>`; an API
key (or any other) is a 401. With SANDBOX_CONTROL_KEY empty every /_sandbox/ path is
a 404, as if the control plane did not exist. No fault injection here: faults are
for the API under test, not for the tool that sets them.
"""

import hmac
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from sandbox.auth import CHALLENGE
from sandbox.endpoint import Handler, method_view
from sandbox.errors import ApiError, not_found


def control_enabled(request: HttpRequest) -> None:
    if not settings.SANDBOX_CONTROL_KEY:
        raise not_found(f"No such endpoint: {request.path}.")


def authenticate_control(request: HttpRequest) -> None:
    expected = settings.SANDBOX_CONTROL_KEY
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        message = "Send 'Authorization: Bearer <control key>' (SANDBOX_CONTROL_KEY)."
        raise ApiError(401, message, headers=CHALLENGE)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        message = (
            "Unknown control key; the control plane takes SANDBOX_CONTROL_KEY, not an API key."
        )
        raise ApiError(401, message, headers=CHALLENGE)


def _serve_control(request: HttpRequest, handler: Handler, kwargs: dict) -> HttpResponse:
    authenticate_control(request)
    return handler(request, **kwargs)


def control_endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    # Disabled: a 404 before anything else, whatever the method.
    return method_view(handlers, _serve_control, first=control_enabled)
