"""Cancel, restore (uncancel), Undo of one's own cancel, and open-in-viewer: buttons on a
row or the study page."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studies import services, upstream
from studies.accounts.capabilities import Capabilities
from studies.selectors import study_visible
from studies.views.respond import htmx_result, leaves_the_list, status_of, undo_notice
from studies.web.http import (
    permission_required,
    redirect_to,
    refuse,
    safe_next,
    upstream_refusal,
)

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
    undoable = bool(result.undo) and result.study is not None
    if request.htmx:
        if undoable and leaves_the_list(request, result.study):
            return undo_notice(request, result)
        return htmx_result(request, result)
    if undoable:  # what happened, Undo, and the study's page if the role may see it
        back = _after_action_url(request, study_id, result)
        query = urlencode({"undo": result.undo, "next": back})
        return redirect_to(reverse("studies:cancelled", args=[study_id]) + "?" + query)
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


@never_cache
@require_GET
def cancelled(request, study_id: str):
    """After a cancel without JavaScript: what happened, Undo while it lasts, and the way on.

    Shown to the person who cancelled (their Undo token, even once it has expired) or to a
    role that may see cancelled studies; anyone else is sent to the study page, which
    says what they may know."""
    caps = Capabilities.of(request.user)
    offer = services.undo_offer(
        actor=request.user, study_id=study_id, token=request.GET.get("undo", "")
    )
    if offer is None and not caps.see_cancelled:
        return redirect_to(reverse("studies:detail", args=[study_id]))
    try:
        study = upstream.study_get(study_id=study_id)
    except upstream.UpstreamError as exc:
        return upstream_refusal(request, exc)
    context = {
        "study": study,
        "offer": offer,
        "undo_open": offer is not None and offer.open and not services.undo_used(offer),
        "undo_seconds": settings.TRIAGE_UNDO_SECONDS,
        "undo_url": reverse("studies:undo_cancel", args=[study_id]),
        "detail_url": reverse("studies:detail", args=[study_id]),
        "can_open": caps.see_cancelled or not study.is_cancelled,
        "next": safe_next(request, reverse("studies:worklist")),
    }
    return render(request, "studies/cancelled.html", context)


@never_cache
@require_POST
def undo_cancel(request, study_id: str):
    """Undo one's own cancel (its token, within the window): the rules are the service's."""
    token = request.POST.get("u", "")
    result = services.study_undo_cancel(actor=request.user, study_id=study_id, token=token)
    if request.htmx:  # the row on the page is the cancel's notice, which no count holds
        return htmx_result(request, result, was_counted=False)
    detail = reverse("studies:detail", args=[study_id])
    if result.ok:
        messages.success(request, result.message)
        return redirect_to(safe_next(request, detail))
    if result.reason is services.Reason.FORBIDDEN and not token:
        return refuse(request, result.message, status=403)
    messages.error(request, result.message)
    query = urlencode({"undo": token, "next": safe_next(request, "")})
    return redirect_to(reverse("studies:cancelled", args=[study_id]) + "?" + query)


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
