"""New study form (supervisors and admins)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from studies import directory, upstream
from studies.audit import audit_record
from studies.forms import StudyCreateForm, metadata_formset
from studies.http import permission_required, upstream_message, upstream_status
from studies.models import AuditAction


def _render(request, form, formset, *, problem="", status=200):
    context = {
        "form": form,
        "formset": formset,
        "customers": form.customer_choices,
        "problem": problem,
    }
    return render(request, "studies/create.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("create_study", audit_action=AuditAction.CREATE)
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
        audit_record(
            actor=request.user,
            action=AuditAction.CREATE,
            accepted=False,
            after={"study_instance_uid": request.POST.get("study_instance_uid", "")[:64]},
            detail=problem,
        )
        return _render(request, form, formset, problem=problem, status=400)
    fields = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
    metadata = formset.metadata()
    if metadata:
        fields["metadata"] = metadata
    try:
        study = upstream.study_create(**fields)
    except upstream.UpstreamError as exc:
        problem = _explain(exc, form, fields)
        audit_record(
            actor=request.user,
            action=AuditAction.CREATE,
            after=fields,
            accepted=False,
            detail=problem,
        )
        expected = isinstance(exc, upstream.ValidationFailed | upstream.Conflict)
        status = 400 if expected else upstream_status(exc)
        return _render(request, form, formset, problem=problem, status=status)
    audit_record(
        actor=request.user,
        action=AuditAction.CREATE,
        study_id=study.study_id,
        after=fields,
        accepted=True,
    )
    messages.success(request, f"Study created: {study.study_description}.")
    return redirect("studies:detail", study_id=study.study_id)


def _error_summary(form, formset) -> str:
    fields = [form.fields[name].label or name for name in form.errors if name in form.fields]
    if formset.total_error_count():
        fields.append("metadata")
    return "check " + ", ".join(str(f) for f in fields) + "." if fields else "check the form."


def _explain(exc: upstream.UpstreamError, form, fields: dict) -> str:
    """Put upstream field errors next to their fields; return the summary for the banner."""
    if isinstance(exc, upstream.Conflict):
        message = "A study with this Study Instance UID already exists."
        try:
            existing = upstream.study_get_by_uid(study_instance_uid=fields["study_instance_uid"])
            url = reverse("studies:detail", args=[existing.study_id])
            message = format_html('{} <a href="{}">Open it</a>.', message, url)
        except upstream.UpstreamError:
            pass
        form.add_error("study_instance_uid", message)
        return "Not created: the Study Instance UID is taken."
    if isinstance(exc, upstream.ValidationFailed):
        for field, text in exc.field_errors.items():
            form.add_error(field if field in form.fields else None, text)
        return "Not created: Avara did not accept some fields."
    return f"Not created: {upstream_message(exc)}"
