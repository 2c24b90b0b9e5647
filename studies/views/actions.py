"""Cancel, restore (uncancel) and open-in-viewer: buttons on a row or the study page."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import MAX_URL_REDIRECT_LENGTH
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap

from studies import upstream
from studies.audit import audit_record
from studies.http import permission_required, refuse, toast, upstream_message, upstream_status
from studies.models import AuditAction
from studies.views.rows import row_or_removal, safe_next

VERBS = {
    "cancel": {
        "call": "study_cancel",
        "question": "Cancel this study?",
        "label": "Yes, cancel study",
        "done": "Study cancelled.",
        "action": AuditAction.CANCEL,
    },
    "uncancel": {
        "call": "study_uncancel",
        "question": "Restore this cancelled study?",
        "label": "Yes, restore study",
        "done": "Study restored.",
        "action": AuditAction.UNCANCEL,
    },
}


@require_http_methods(["GET", "POST"])
@permission_required("cancel_study", audit_action=AuditAction.CANCEL)
def cancel(request, study_id: str):
    return _confirmed_action(request, study_id, "cancel")


@require_http_methods(["GET", "POST"])
@permission_required("uncancel_study", audit_action=AuditAction.UNCANCEL)
def uncancel(request, study_id: str):
    return _confirmed_action(request, study_id, "uncancel")


def _confirmed_action(request, study_id: str, verb: str):
    """GET asks for confirmation; POST does it, then reads the study once to redraw it."""
    spec = VERBS[verb]
    if request.method == "GET":
        return _confirm_page(request, study_id, verb)
    try:
        result = getattr(upstream, spec["call"])(study_id=study_id)
    except upstream.UpstreamError as exc:
        _audit_action(request, study_id, verb, accepted=False, detail=upstream_message(exc))
        return refuse(request, upstream_message(exc), status=upstream_status(exc))
    message = result.message or (spec["done"] if result.success else "Nothing changed.")
    _audit_action(request, study_id, verb, accepted=result.success, detail=result.message or "")
    level = "success" if result.success else "warning"
    if not request.htmx:
        (messages.success if result.success else messages.warning)(request, message)
        return redirect(_after_action_url(request, study_id, verb))
    try:
        study = upstream.study_get(study_id=study_id)
    except upstream.UpstreamError as exc:
        # The action went through; only the redraw failed. Say both, change nothing.
        note = f"{message} The row could not be refreshed: {upstream_message(exc)}"
        return toast(reswap(HttpResponse(""), "none"), note, "warning")
    return row_or_removal(request, study, message, level)


def _after_action_url(request, study_id: str, verb: str) -> str:
    """Back where the user came from, unless that page would now refuse to show the study."""
    detail = reverse("studies:detail", args=[study_id])
    hidden = verb == "cancel" and not request.user.has_perm("studies.view_cancelled")
    target = safe_next(request, detail)
    if hidden and urlsplit(target).path == detail:
        return reverse("studies:worklist")
    return target


def _audit_action(request, study_id: str, verb: str, *, accepted: bool, detail: str) -> None:
    """Accepted: the flag flipped. Not accepted: nothing changed, so no before/after."""
    changed = {"before": {"is_cancelled": verb == "uncancel"}} if accepted else {}
    if accepted:
        changed["after"] = {"is_cancelled": verb == "cancel"}
    audit_record(
        actor=request.user,
        action=VERBS[verb]["action"],
        study_id=study_id,
        accepted=accepted,
        detail=detail,
        **changed,
    )


def _confirm_page(request, study_id: str, verb: str):
    spec = VERBS[verb]
    context = {
        "study_id": study_id,
        "verb": verb,
        "question": spec["question"],
        "confirm_label": spec["label"],
        "action_url": reverse(f"studies:{verb}", args=[study_id]),
        "inline": bool(request.htmx),
        "next": safe_next(request, reverse("studies:detail", args=[study_id])),
    }
    if request.htmx:
        return render(request, "studies/confirm.html#confirm-cell", context)
    context["study"] = upstream.study_get(study_id=study_id)
    return render(request, "studies/confirm.html", context)


# Django refuses to redirect to longer URLs (DisallowedRedirect); check before auditing.
MAX_REDIRECT_LENGTH = MAX_URL_REDIRECT_LENGTH


def viewer_url_allowed(url: str) -> bool:
    """Only http(s) URLs to a configured viewer host, without credentials in them."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    schemes = {"https"} if settings.PRODUCTION else {"https", "http"}
    if parts.scheme not in schemes or not host or parts.username or parts.password:
        return False
    if len(url) > MAX_REDIRECT_LENGTH:
        return False
    for allowed in settings.AVARA_VIEWER_HOSTS:
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return True
    return False


def _audit_viewer(request, study_id: str, **outcome) -> None:
    """One audit row per viewer request; the tokenized URL itself is never stored."""
    audit_record(actor=request.user, action=AuditAction.OPEN_VIEWER, study_id=study_id, **outcome)


def _host_or_unknown(url: str) -> str:
    try:
        return urlsplit(url).hostname or "an unknown host"
    except ValueError:
        return "an unparseable address"


@require_http_methods(["GET", "POST"])
@permission_required("open_viewer", audit_action=AuditAction.OPEN_VIEWER)
def open_viewer(request, study_id: str):
    """Ask Avara for a fresh tokenized viewer URL and send the browser there.

    Only a POST mints a URL. A GET (e.g. the login page sending the user back after
    the session expired) shows the study page, whose button opens the viewer.
    """
    if request.method == "GET":
        return redirect("studies:detail", study_id=study_id)
    try:
        url = upstream.study_reroute_url(study_id=study_id)
    except upstream.UpstreamError as exc:
        detail = upstream_message(exc)
        _audit_viewer(request, study_id, accepted=False, detail=detail)
        return refuse(request, detail, status=upstream_status(exc))
    if not viewer_url_allowed(url):
        detail = (
            f"Avara returned a viewer link to {_host_or_unknown(url)}, which is not an allowed "
            "viewer host. Nothing was opened; an administrator can allow it in AVARA_VIEWER_HOSTS."
        )
        _audit_viewer(request, study_id, accepted=False, detail=detail)
        return refuse(request, detail, status=502, title="Viewer link refused")
    _audit_viewer(request, study_id, accepted=True, after={"viewer_host": urlsplit(url).hostname})
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
