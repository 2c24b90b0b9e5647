"""New study form (supervisors and admins)."""

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from studies import directory, services
from studies.models import AuditAction
from studies.views.respond import status_of
from studies.web import links
from studies.web.forms import StudyCreateForm, metadata_formset
from studies.web.http import permission_required, redirect_to


def _render(request, form, formset, *, problem="", status=200):
    context = {
        "form": form,
        "formset": formset,
        "customers": form.customer_choices,
        "problem": problem,
    }
    return render(request, "studies/create.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("create_study", audit_action=AuditAction.CREATE)  # refused before the service
def create(request):
    users, _ = directory.users_or_empty()
    customers = directory.customers_known()
    if request.method == "GET":
        form = StudyCreateForm(users=users, customers=customers)
        return _render(request, form, metadata_formset())
    form = StudyCreateForm(request.POST, users=users, customers=customers)
    formset = metadata_formset(request.POST)
    if not (form.is_valid() and formset.is_valid()):
        problem = "Not created: " + _error_summary(form, formset)
        services.study_create_rejected(
            actor=request.user,
            uid=request.POST.get("study_instance_uid", "")[:64],
            message=problem,
        )
        return _render(request, form, formset, problem=problem, status=400)
    values = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
    if metadata := formset.metadata():
        values["metadata"] = metadata
    result = services.study_create(actor=request.user, values=values)
    if result.ok:
        messages.success(request, result.message)
        return redirect_to(_page_of(result.study))
    return _render(request, form, formset, problem=_explain(result, form), status=_status(result))


def _page_of(study) -> str:
    """The new study's page; the worklist when Avara's answer names no usable study id
    (never a URL reversed from an unchecked upstream value: that was a 500)."""
    return links.study_page(study.study_id) or reverse("studies:worklist")


def _status(result) -> int:
    if result.reason in (services.Reason.INVALID, services.Reason.DUPLICATE):
        return 400
    return status_of(result)


def _error_summary(form, formset) -> str:
    fields = [form.fields[name].label or name for name in form.errors if name in form.fields]
    if formset.total_error_count():
        fields.append("metadata")
    return "check " + ", ".join(str(f) for f in fields) + "." if fields else "check the form."


def _explain(result, form) -> str:
    """Put field errors next to their fields; return the summary for the banner."""
    if result.reason is services.Reason.DUPLICATE:
        message = "A study with this Study Instance UID already exists."
        url = links.study_page(result.study.study_id) if result.study is not None else ""
        if url:
            message = format_html('{} <a href="{}">Open it</a>.', message, url)
        form.add_error("study_instance_uid", message)
        return "Not created: the Study Instance UID is taken."
    for field, text in result.field_errors.items():
        if field == "express_customer_id":  # the id is hidden: its error goes by the name
            field = "express_customer"
        form.add_error(field if field in form.fields else None, text)
    return result.message
