"""The one wrapper every sandbox route goes through.

`api_endpoint(GET=..., POST=...)` builds a Django view that:
  1. answers a JSON 405 (with Allow) for a method it does not serve (HEAD is served
     wherever GET is, by the GET handler; the server drops the body);
  2. injects configured faults (latency, 500/503/429) before anything else happens;
  3. authenticates the Bearer key (401);
  4. calls the handler `handler(request, api_key, **url_kwargs)`;
  5. turns an ApiError into the JSON error body, and any other exception into a JSON
     500 (logged; there should be none).
Views are csrf_exempt (API clients carry no CSRF token) and login_not_required
(the project runs LoginRequiredMiddleware; the sandbox has its own auth).
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox import auth, faults
from sandbox.errors import ApiError, internal_error, logger, method_not_allowed

Handler = Callable[..., HttpResponse]


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ApiError -> its error body; anything else -> a logged JSON 500."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApiError as exc:
            return exc.response()
        except Exception:
            logger.exception("sandbox: unexpected error on %s %s", request.method, request.path)
            return internal_error()

    return wrapped


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view reachable without a dashboard login or a CSRF token."""
    return csrf_exempt(login_not_required(view))


def method_view(
    handlers: dict[str, Handler],
    serve: Callable[..., HttpResponse],
    *,
    first: Callable[[HttpRequest], None] | None = None,
) -> Callable[..., HttpResponse]:
    """A public JSON view over one handler per method: `first(request)` (if given), then a
    405 with Allow for a method not served (HEAD wherever GET is), then
    `serve(request, handler, url_kwargs)`; errors as `json_errors` makes them."""
    if "GET" in handlers:
        handlers.setdefault("HEAD", handlers["GET"])
    allowed = sorted(handlers)

    @public
    @json_errors
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        if first is not None:
            first(request)
        handler = handlers.get(request.method or "")
        if handler is None:
            return method_not_allowed(request, allowed)
        return serve(request, handler, kwargs)

    return view


def _serve_api(request: HttpRequest, handler: Handler, kwargs: dict) -> HttpResponse:
    injected = faults.inject(request)
    if injected is not None:
        return injected
    api_key = auth.authenticate(request)
    return handler(request, api_key, **kwargs)


def api_endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    return method_view(handlers, _serve_api)
