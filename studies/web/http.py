"""How the dashboard answers when something is refused or goes wrong.

HTMX requests get a toast (or the fragment they asked for); full-page requests get a
page. Nothing here ever shows a stack trace or the API key.
"""

import functools

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django_htmx.http import reswap, retarget, trigger_client_event

from studies import services, upstream
from studies.messages import upstream_message


def toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """Ask the page to show a toast once the swap is done."""
    return trigger_client_event(response, "toast", {"message": message, "level": level})


def refuse(
    request: HttpRequest, message: str, *, status: int = 403, title: str = ""
) -> HttpResponse:
    """A refusal the user can read: a toast for HTMX, a page otherwise."""
    if getattr(request, "htmx", False):
        response = render(
            request, "base.html#toast", {"message": message, "level": "error"}, status=status
        )
        return reswap(retarget(response, "#toasts"), "beforeend")
    context = {
        "message": message,
        "title": title or _TITLES.get(status, "Something went wrong"),
        "retry": status >= 500 and request.method == "GET",
    }
    return render(request, "studies/error.html", context, status=status)


_TITLES = {
    400: "That request could not be used",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    502: "Avara refused the dashboard",
    503: "Avara is not answering",
}


def upstream_status(exc: upstream.UpstreamError) -> int:
    if isinstance(exc, upstream.NotFound):
        return 404
    if isinstance(exc, upstream.ValidationFailed):
        return 400
    if isinstance(exc, upstream.Conflict):
        return 409
    if isinstance(exc, upstream.BadCredentials):
        return 502
    return 503


def upstream_refusal(request: HttpRequest, exc: upstream.UpstreamError) -> HttpResponse:
    return refuse(request, upstream_message(exc), status=upstream_status(exc))


def permission_required(codename: str, *, audit_action: str = ""):
    """Check a role permission on the server; refuse with a 403 that says why (a refused
    change, with `audit_action`, is recorded by the services)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.has_perm(f"studies.{codename}"):
                return view(request, *args, **kwargs)
            if audit_action and request.method not in ("GET", "HEAD"):
                message = services.refusal_record(
                    actor=request.user,
                    codename=codename,
                    action=audit_action,
                    study_id=kwargs.get("study_id", ""),
                )
            else:
                message = services.role_refusal(request.user, codename)
            return refuse(request, message, status=403)

        return wrapper

    return decorator


CSRF_MESSAGE = (
    "Your page's security token is out of date (you may have logged in again elsewhere). "
    "Nothing was changed: reload the page and try again."
)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: say what happened and that nothing changed, never a raw 403."""
    return refuse(request, CSRF_MESSAGE, status=403, title="Please reload the page")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a toast for HTMX (so no error page lands inside a table), else a page."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(
            '<div class="toast toast-error" role="alert">Something went wrong on our side; '
            "it has been logged. Nothing you sent was applied twice. Please try again.</div>",
            status=500,
        )
        return reswap(retarget(response, "#toasts"), "beforeend")
    return defaults.server_error(request)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` the browser sent, if it is a path on this site; else `fallback`.

    The one place redirect targets are checked. Only a local absolute path is taken
    ("/..." but not "//host" or "/\\host"): anything else (a URL name such as "0",
    "{{ 7*7 }}", a scheme, another host) falls back. Callers redirect with
    `redirect_to`, never Django's `redirect()`, which treats a non-URL as a view name.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        len(target) > 2000
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(ord(c) < 32 or c == "\\" for c in target)
        or not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        return fallback
    return target


def redirect_to(url: str) -> HttpResponseRedirect:
    """A redirect to a URL we built or `safe_next` checked (never a view-name lookup)."""
    return HttpResponseRedirect(url)
