"""A row's controls: inline edits of severity, assignee and viewer status; Claim and
Complete. Each view parses the request, calls one service and renders its result
(studies/views/respond.py); the rules live in studies/services/.

Opening a control costs no study read: the row's `data-t` token (studies/web/seen.py) says
what the user saw, and the save compares it with a fresh read before writing.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from studies import services, upstream
from studies.accounts.capabilities import Capabilities
from studies.messages import upstream_message
from studies.selectors import study_visible
from studies.views.page_counts import with_counts
from studies.views.respond import (
    EDIT_FIELDS,
    control_context,
    current_value,
    htmx_result,
    left_the_list,
    render_row,
    status_of,
)
from studies.web.forms import InlineEditForm
from studies.web.http import redirect_to, refuse, safe_next, toast, upstream_status
from studies.web.presenters import row_of
from studies.web.seen import seen_read

STALE_ROW = "This row is out of date or was altered; reload the page and try again."


def _field_or_404(field: str) -> tuple[str, str]:
    if field not in EDIT_FIELDS:
        raise Http404("No such field")
    return EDIT_FIELDS[field]


def _role_may(caps: Capabilities, field: str) -> bool:
    if field == "severity":
        return caps.severity
    if field == "status":
        return caps.status
    return caps.assign_any or (caps.assign_self and bool(caps.me))


@never_cache
@require_http_methods(["GET", "POST"])
def edit_field(request, study_id: str, field: str):
    _field_or_404(field)
    if request.method == "POST":
        return _save(request, study_id, field)
    caps = Capabilities.of(request.user)
    if not _role_may(caps, field):
        label = EDIT_FIELDS[field][0].lower()
        return refuse(request, f"Your role may not change this study's {label}.", status=403)
    if request.htmx:
        return _open_inline(request, study_id, field)
    return _control_page(request, study_id, field)


def _open_inline(request, study_id: str, field: str):
    token = request.GET.get("t", "")
    seen = seen_read(token, study_id=study_id)
    if seen is None:
        return refuse(request, STALE_ROW, status=400)
    was = seen[EDIT_FIELDS[field][1]] or ""
    context = control_context(request, study_id, field, chosen=was, was=was, token=token)
    response = render(request, "studies/edit_field.html#edit-cell", {"c": context})
    # Buttons anywhere in the row may open it: put the control in its own cell.
    return reswap(retarget(response, f"#study-{study_id} .cell-{field}"), "outerHTML")


def _control_page(request, study_id: str, field: str, *, chosen=None, error="", status=200):
    """Without JavaScript: the control on a page of its own, from a fresh read."""
    study = study_visible(actor=request.user, study_id=study_id)
    if study is None:
        return refuse(request, "That study is cancelled.", status=404)
    row = row_of(study, Capabilities.of(request.user), timezone.now())
    was = current_value(study, field)
    context = control_context(
        request,
        study_id,
        field,
        chosen=was if chosen is None else chosen,
        was=was,
        token=row.seen,
        error=error,
    )
    return render(request, "studies/edit_field.html", {"c": context, "study": study}, status=status)


def _save(request, study_id: str, field: str):
    wire = EDIT_FIELDS[field][1]
    raw = request.POST.get("value", "")[:40]
    seen = seen_read(request.POST.get("t", ""), study_id=study_id)
    form = InlineEditForm(request.POST, field=field)
    if seen is None or not form.is_valid():
        message = STALE_ROW if seen is None else " ".join(form.errors.get("value", ["Invalid."]))
        result = services.study_edit_rejected(
            actor=request.user, study_id=study_id, changes={wire: raw}, message=message
        )
        return _answer(request, study_id, field, result, raw)
    value = form.cleaned_data["value"]
    if field == "assignee":
        value = services.ME if value == "me" else (value or None)
    result = services.study_edit(
        actor=request.user, study_id=study_id, changes={wire: value}, seen={wire: seen[wire]}
    )
    return _answer(request, study_id, field, result, raw)


def _answer(request, study_id: str, field: str, result, chosen: str):
    if request.htmx:
        return htmx_result(request, result, field=field, chosen=chosen)
    if result.ok:
        messages.success(request, result.message)
        return redirect_to(safe_next(request, reverse("studies:detail", args=[study_id])))
    if result.study is None and result.reason is not None and status_of(result) in (403, 404):
        # Refused before any read (the role), or no such study: no control to show again.
        return refuse(request, result.message, status=status_of(result))
    return _control_page(
        request, study_id, field, chosen=chosen, error=result.message, status=status_of(result)
    )


def _button(request, study_id: str, service, question: str, label: str):
    """Claim and Complete: a POST does it; a GET (no JavaScript) asks first."""
    if request.method == "GET":
        study = study_visible(actor=request.user, study_id=study_id)
        if study is None:
            return refuse(request, "That study is cancelled.", status=404)
        context = {
            "study": study,
            "study_id": study_id,
            "question": question,
            "confirm_label": label,
            "action_url": request.path,
            "inline": False,
            "next": safe_next(request, reverse("studies:detail", args=[study_id])),
            "token": row_of(study, Capabilities.of(request.user), timezone.now()).seen,
        }
        return render(request, "studies/confirm.html", context)
    result = service(request, study_id)
    if request.htmx:
        return htmx_result(request, result)
    if result.reason is services.Reason.FORBIDDEN and result.study is None:
        return refuse(request, result.message, status=403)  # the role: nothing was read
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect_to(safe_next(request, reverse("studies:detail", args=[study_id])))


@never_cache
@require_http_methods(["GET", "POST"])
def claim(request, study_id: str):
    def run(request, study_id):
        seen = seen_read(request.POST.get("t", ""), study_id=study_id)
        return services.study_claim(actor=request.user, study_id=study_id, seen=seen)

    return _button(request, study_id, run, "Claim this study?", "Yes, claim it")


@never_cache
@require_http_methods(["GET", "POST"])
def complete(request, study_id: str):
    def run(request, study_id):
        return services.study_complete(actor=request.user, study_id=study_id)

    return _button(request, study_id, run, "Mark this study complete?", "Yes, mark complete")


@never_cache
@require_GET
def row(request, study_id: str):
    """The row as it is now upstream (used when an inline control is dismissed)."""
    if not request.htmx:
        return redirect_to(reverse("studies:detail", args=[study_id]))
    try:
        study = upstream.study_get(study_id=study_id)
    except upstream.UpstreamError as exc:
        return refuse(request, upstream_message(exc), status=upstream_status(exc))
    if study.is_cancelled and not request.user.has_perm("studies.view_cancelled"):
        removal = retarget(reswap(HttpResponse(""), "delete"), f"#study-{study_id}")
        removal = toast(removal, "That study has been cancelled; it left this list.", "warning")
        return with_counts(request, removal, change=-1)
    if left_the_list(request, study):  # changed meanwhile (claimed, completed...)
        removal = retarget(reswap(HttpResponse(""), "delete"), f"#study-{study_id}")
        removal = toast(removal, "This study changed meanwhile: it left this list.", "info")
        return with_counts(request, removal, change=-1)
    return render_row(request, study)
