"""How the dashboard answers when something is refused or goes wrong.

HTMX requests get a toast (or the fragment they asked for); full-page requests get a
page. Nothing here ever shows a stack trace or the API key.
"""

import functools
import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget, trigger_client_event

from studies import upstream
from studies.audit import audit_record
from studies.roles import role_of

log = logging.getLogger(__name__)

PERMISSION_MESSAGES = {
    "open_viewer": "open studies in the viewer",
    "change_viewer_status": "change a study's viewer status",
    "assign_self": "claim studies",
    "assign_any": "assign studies to others",
    "change_severity": "change severity",
    "change_details": "change descriptions or metadata",
    "create_study": "create studies",
    "cancel_study": "cancel studies",
    "uncancel_study": "restore cancelled studies",
    "view_cancelled": "see cancelled studies",
    "manage_accounts": "manage accounts",
    "view_audit": "read the audit trail",
}


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


def upstream_message(exc: upstream.UpstreamError) -> str:
    if isinstance(exc, upstream.NotFound):
        return "That study does not exist in Avara (it may have been removed, or the id is wrong)."
    if isinstance(exc, upstream.RateLimited):
        wait = f" Try again in {int(exc.retry_after or 1)} s." if exc.retry_after else ""
        return f"Avara is busy and asked the dashboard to slow down.{wait}"
    if isinstance(exc, upstream.Unavailable):
        return f"Avara is not answering right now ({exc.message}). Your data is safe; try again."
    return exc.message


def upstream_refusal(request: HttpRequest, exc: upstream.UpstreamError) -> HttpResponse:
    return refuse(request, upstream_message(exc), status=upstream_status(exc))


def permission_required(codename: str, *, audit_action: str = ""):
    """Check a role permission on the server; refuse with a 403 that says why."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.has_perm(f"studies.{codename}"):
                return view(request, *args, **kwargs)
            role = role_of(request.user) or "account without a role"
            message = f"Your role ({role}) may not {PERMISSION_MESSAGES.get(codename, codename)}."
            if audit_action and request.method not in ("GET", "HEAD"):
                audit_record(
                    actor=request.user,
                    action=audit_action,
                    study_id=kwargs.get("study_id", ""),
                    accepted=False,
                    detail=f"Refused by the dashboard: {message}",
                )
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
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
