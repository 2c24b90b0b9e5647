"""The queue (the radiologist's default page), Read next and Skip."""

import dataclasses

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from studies import services, upstream
from studies.accounts.capabilities import Capabilities
from studies.messages import upstream_message
from studies.queue import in_view, prioritised, queue_snapshot, rule_text
from studies.selectors import stat_waiting
from studies.views.respond import (
    etag_of,
    htmx_result,
    list_state,
    not_modified,
    status_of,
    unchanged_since,
)
from studies.web import links
from studies.web.forms import QueueFilterForm
from studies.web.http import redirect_to, refuse, safe_next
from studies.web.row_cache import list_digest, rendered_rows

PAGE_SIZE = 50


def _waiting_stat(study) -> bool:
    return study.severity == "stat" and study.assigned_to is None


def _shown(studies, show: str, me: str | None, now) -> list:
    return [s for s in studies if in_view(s, show, me, now)]


@never_cache
@require_GET
def queue(request):
    form = QueueFilterForm(request.GET)
    show = form.value("show", "all")
    caps = dataclasses.replace(Capabilities.of(request.user), skip=True)
    now = timezone.now()
    context = {"form": form, "show": show, "rule": rule_text(), "caps": caps, "loaded_at": now}
    try:
        snapshot = queue_snapshot()
    except upstream.UpstreamError as exc:
        context.update(rows_html="", problem=upstream_message(exc), stat_waiting=None)
        return _render(request, context, status=503)
    ordered = _shown(prioritised(snapshot.studies, now), show, caps.me, now)
    page = Paginator(ordered, PAGE_SIZE).get_page(form.value("page", 1))
    digest = list_digest(page.object_list)  # for the rows and the ETag alike
    context.update(
        snapshot=snapshot,
        page=page,
        rows_html=rendered_rows(page.object_list, request.user, caps=caps, digest=digest, now=now),
        total=len(ordered),
        stat_waiting=str(sum(1 for s in snapshot.studies if _waiting_stat(s))),
        can_read_next=caps.assign_self and bool(caps.me),
        skip_reasons=services.SKIP_REASONS,
    )
    parts = [show, page.number, context["stat_waiting"], snapshot.truncated, len(ordered)]
    state = list_state(page.object_list, now, digest=digest)
    context["etag"] = etag = etag_of(request, parts + state)
    if unchanged_since(request, etag):
        return not_modified(etag)
    response = _render(request, context)
    response["ETag"] = etag
    return response


def _render(request, context, *, status: int = 200):
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target == "results":
        return render(request, "studies/queue.html#results", context, status=status)
    return render(request, "studies/queue.html", context, status=status)


@require_http_methods(["GET", "POST"])
def read_next(request):
    """Claim the next study and open it in the viewer (the form targets the viewer window).

    Only a POST claims. A GET (the login page sending the user back here after the
    session ended) shows the queue, whose button claims.
    """
    if request.method == "GET":
        return redirect_to(reverse("studies:queue"))
    result = services.study_read_next(actor=request.user)
    if result.ok and result.url:
        response = HttpResponseRedirect(result.url)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    if result.outcome is services.Outcome.APPLIED:  # claimed, but no viewer link
        messages.warning(request, result.message)
        # Avara's answer names the study: its page, or the queue when the id is unusable.
        return redirect_to(links.study_page(result.study.study_id) or reverse("studies:queue"))
    title = "Nothing to read" if result.outcome is services.Outcome.UNCHANGED else ""
    return refuse(request, result.message, status=status_of(result), title=title)


@never_cache
@require_http_methods(["GET", "POST"])
def skip(request, study_id: str):
    """GET (without JavaScript, or inline): ask for the reason. POST: skip."""
    back = safe_next(request, reverse("studies:queue"))
    if request.method == "GET":
        context = {
            "study_id": study_id,
            "action_url": reverse("studies:skip", args=[study_id]),
            "row_url": reverse("studies:row", args=[study_id]),
            "reasons": services.SKIP_REASONS,
            "next": back,
            "inline": bool(request.htmx),
        }
        if request.htmx:
            return render(request, "studies/skip.html#skip-cell", context)
        return render(request, "studies/skip.html", context)
    result = services.study_skip(
        actor=request.user, study_id=study_id, reason=request.POST.get("reason", "")
    )
    if request.htmx:
        return htmx_result(request, result)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect_to(back)


@require_GET
def home(request):
    """Readers start at the queue, supervisors and admins at the board, others at the worklist."""
    caps = Capabilities.of(request.user)
    if caps.assign_self and not caps.assign_any:
        return redirect_to(reverse("studies:queue"))
    return redirect_to(reverse("studies:workload" if caps.workload else "studies:worklist"))


@never_cache
@require_GET
def counts(request):
    """What the page title counts, for the script to fetch beside the page (never on the
    page's own way to the user: a page view stays one Avara call)."""
    return JsonResponse({"stat_waiting": stat_waiting()})
