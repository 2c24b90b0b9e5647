"""The worklist: filters in the URL, cursor pages, HTMX swaps only the results."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from studies import directory, upstream, validators
from studies.context import me_of
from studies.forms import MAX_CURSOR_TRAIL, PAGE_SIZES, WorklistFilterForm, cursor_trail
from studies.http import upstream_message, upstream_status


def list_filters(form: WorklistFilterForm, *, me: str | None, can_see_cancelled: bool) -> dict:
    """Translate the validated filter form into study_list() keyword arguments."""
    assignee = form.value("assignee")
    customer = form.value("customer")
    cancelled = form.value("cancelled", "active") if can_see_cancelled else "active"
    q = form.value("q")
    filters = {
        "severity": form.value("severity") or None,
        "study_viewer_status": form.value("status") or None,
        "study_description": q if q and not _is_lookup(q) else None,
        "is_cancelled": {"active": False, "cancelled": True}.get(cancelled),
        "assigned_to": {"me": me, "none": upstream.NULL}.get(assignee, assignee) or None,
        "express_customer_id": upstream.NULL if customer == "none" else customer or None,
    }
    return filters


def _is_lookup(q: str) -> bool:
    return validators.is_study_id(q) or validators.is_dicom_uid(q)


def study_matches(study, filters: dict) -> bool:
    """Whether a study still belongs in a list shown with these filters."""
    checks = {
        "severity": study.severity,
        "study_viewer_status": study.study_viewer_status,
        "is_cancelled": study.is_cancelled,
        "assigned_to": study.assigned_to.user_id if study.assigned_to else upstream.NULL,
        "express_customer_id": (
            study.express_customer.express_customer_id if study.express_customer else upstream.NULL
        ),
    }
    for name, actual in checks.items():
        wanted = filters.get(name)
        if wanted is not None and wanted != actual:
            return False
    text = filters.get("study_description")
    return not text or text.lower() in study.study_description.lower()


def _lookup(request, q: str) -> HttpResponse | str | None:
    """The search box: a study id or a DICOM UID opens that study.

    Returns a redirect, a note for the user when the UID matches no study, or None when
    the text is an ordinary description search.
    """
    if validators.is_study_id(q):
        study_id = q
    elif validators.is_dicom_uid(q):
        try:
            study_id = upstream.study_get_by_uid(study_instance_uid=q).study_id
        except upstream.NotFound:
            return (
                f"No study has the Study Instance UID {q}. Search takes the whole UID: "
                "copy it with a row's Copy button."
            )
    else:
        return None
    url = reverse("studies:detail", args=[study_id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _fetch_page(filters: dict, trail: list[str], limit: int) -> tuple:
    """One list call; an expired or foreign cursor falls back to the first page."""
    try:
        return upstream.study_list(**filters, cursor=trail[-1] if trail else None, limit=limit), []
    except upstream.ValidationFailed as exc:
        if not trail or "cursor" not in exc.field_errors:
            raise
        page = upstream.study_list(**filters, cursor=None, limit=limit)
        return page, ["That page link no longer works; showing the first page."]


@require_GET
def worklist(request):
    form = WorklistFilterForm(request.GET)
    form.is_valid()
    me = me_of(request.user)
    q = form.value("q")
    found = _lookup(request, q) if q else None
    if isinstance(found, HttpResponse):
        return found
    can_see_cancelled = request.user.has_perm("studies.view_cancelled")
    filters = list_filters(form, me=me, can_see_cancelled=can_see_cancelled)
    notes = []
    if form.value("assignee") == "me" and not me:
        notes.append(
            "Your account is not linked to an Avara user, so it has no studies of its own."
        )
        filters["assigned_to"] = None
    trail, page_number = cursor_trail(request.GET)
    context = {
        "form": form,
        "filters": filters,
        "trail": trail,
        "limit": form.value("limit", 25),
        "page_sizes": PAGE_SIZES,
        "can_see_cancelled": can_see_cancelled,
        "now": timezone.now(),
        "notes": notes,
        "page_number": page_number,
    }
    if found:
        context.update(studies=[], problem=found, problem_retry=False)
        return _render_worklist(request, context)
    try:
        page, more_notes = _fetch_page(filters, trail, context["limit"])
        notes.extend(more_notes)
        directory.customers_remember(page.studies)
        context.update(
            page=page, studies=page.studies, next_trail=[*trail, page.cursor][-MAX_CURSOR_TRAIL:]
        )
        if more_notes:  # the cursor expired: this is the first page again
            context.update(page_number=1, next_trail=[page.cursor])
        context["prev_trail"] = trail[:-1] if not more_notes else []
        context["prev_number"] = page_number - 1 if context["prev_trail"] else None
    except upstream.ValidationFailed as exc:
        context.update(studies=[], problem=exc.message, problem_retry=False)
    except upstream.UpstreamError as exc:
        context.update(studies=[], problem=upstream_message(exc), problem_retry=True)
        context["problem_status"] = upstream_status(exc)
    return _render_worklist(request, context)


def _render_worklist(request, context: dict) -> HttpResponse:
    status = context.get("problem_status", 200)
    htmx = request.htmx
    context["users"], context["users_problem"] = directory.users_or_empty()
    context["customers"] = directory.customers_known()
    if htmx and not htmx.history_restore_request and htmx.target == "results":
        # The filter form comes along out of band, so it always says what the URL says
        # (quick filters, back and forward included).
        context["oob"] = True
        return render(request, "studies/worklist.html#results", context, status=status)
    return render(request, "studies/worklist.html", context, status=status)
