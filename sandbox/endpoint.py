"""The one wrapper every sandbox route goes through.

`api_endpoint(GET=..., POST=...)` builds a Django view that:
  1. answers a JSON 405 (with Allow) for a method it does not serve (HEAD is served
     wherever GET is, by the GET handler; the server drops the body);
  2. injects configured faults (latency, 500/503/429) before anything else happens;
  3. authenticates the Bearer key (401);
  4. calls the handler `handler(request, api_key, **url_kwargs)`;
  5. turns an ApiError into the JSON error body, and any other exception into a JSON
     500 (logged; there should be none).
The sandbox runs with its own settings (sandbox/settings.py): no sessions, login or
CSRF middleware stands in front of these views; the key is checked here.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

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


def page_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A keyless GET/HEAD resource (the viewer page and its files, the OpenAPI
    documents): any other method is a JSON 405; errors as `json_errors` makes them."""

    @wraps(view)
    @json_errors
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed(request, ["GET", "HEAD"])
        return view(request, *args, **kwargs)

    return wrapped


def method_view(
    handlers: dict[str, Handler],
    serve: Callable[..., HttpResponse],
    *,
    first: Callable[[HttpRequest], None] | None = None,
) -> Callable[..., HttpResponse]:
    """A JSON view over one handler per method: `first(request)` (if given), then a
    405 with Allow for a method not served (HEAD wherever GET is), then
    `serve(request, handler, url_kwargs)`; errors as `json_errors` makes them."""
    if "GET" in handlers:
        handlers.setdefault("HEAD", handlers["GET"])
    allowed = sorted(handlers)

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
