"""Cancel, restore (uncancel) and open-in-viewer: buttons on a row or the study page."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from studies import services
from studies.selectors import study_visible
from studies.views.respond import htmx_result, status_of
from studies.web.http import permission_required, redirect_to, refuse, safe_next

VERBS = {
    "cancel": {
        "service": services.study_cancel,
        "question": "Cancel this study?",
        "label": "Yes, cancel study",
    },
    "uncancel": {
        "service": services.study_restore,
        "question": "Restore this cancelled study?",
        "label": "Yes, restore study",
    },
}


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request, study_id: str):
    return _confirmed_action(request, study_id, "cancel")


@never_cache
@require_http_methods(["GET", "POST"])
def uncancel(request, study_id: str):
    return _confirmed_action(request, study_id, "uncancel")


def _confirmed_action(request, study_id: str, verb: str):
    """GET asks for confirmation; POST calls the service and shows its result."""
    if request.method == "GET":
        return _confirm_page(request, study_id, verb)
    result = VERBS[verb]["service"](actor=request.user, study_id=study_id)
    if request.htmx:
        return htmx_result(request, result)
    if result.reason is services.Reason.FORBIDDEN:
        return refuse(request, result.message, status=403)  # the role: nothing was read
    if result.ok:
        messages.success(request, result.message)
    elif result.outcome == services.Outcome.CONFLICT or status_of(result) < 500:
        messages.warning(request, result.message)
    else:
        messages.error(request, result.message)
    return redirect_to(_after_action_url(request, study_id, result))


def _after_action_url(request, study_id: str, result) -> str:
    """Back where the user came from, unless that page would now refuse to show the study."""
    detail = reverse("studies:detail", args=[study_id])
    study = result.study
    hidden = (
        study is not None
        and study.is_cancelled
        and not request.user.has_perm("studies.view_cancelled")
    )
    target = safe_next(request, detail)
    if hidden and urlsplit(target).path == detail:
        return reverse("studies:worklist")
    return target


@permission_required("cancel_study")
def _confirm_cancel(request, study_id: str):
    return _confirm(request, study_id, "cancel")


@permission_required("uncancel_study")
def _confirm_uncancel(request, study_id: str):
    return _confirm(request, study_id, "uncancel")


def _confirm_page(request, study_id: str, verb: str):
    view = _confirm_cancel if verb == "cancel" else _confirm_uncancel
    return view(request, study_id=study_id)


def _confirm(request, study_id: str, verb: str):
    spec = VERBS[verb]
    context = {
        "study_id": study_id,
        "verb": verb,
        "question": spec["question"],
        "confirm_label": spec["label"],
        "action_url": reverse(f"studies:{verb}", args=[study_id]),
        "row_url": reverse("studies:row", args=[study_id]),
        "inline": bool(request.htmx),
        "next": safe_next(request, reverse("studies:detail", args=[study_id])),
    }
    if request.htmx:
        return render(request, "studies/confirm.html#confirm-cell", context)
    study = study_visible(actor=request.user, study_id=study_id)
    if study is None and verb == "cancel":
        return refuse(request, "That study is already cancelled.", status=404)
    context["study"] = study
    return render(request, "studies/confirm.html", context)


@require_http_methods(["GET", "POST"])
def open_viewer(request, study_id: str):
    """Ask Avara for a fresh tokenized viewer URL and send the browser there.

    Only a POST mints a URL. A GET (e.g. the login page sending the user back after
    the session expired, or a row's Open link without JavaScript) shows the study page,
    whose button opens the viewer.
    """
    if request.method == "GET":
        return redirect_to(reverse("studies:detail", args=[study_id]))
    result = services.study_viewer_link(actor=request.user, study_id=study_id)
    if not result.ok:
        title = "Viewer link refused" if "viewer host" in result.message else ""
        return refuse(request, result.message, status=status_of(result), title=title)
    response = HttpResponseRedirect(result.url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
