"""One study: every field, its audit history, description and metadata edits."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studies import upstream
from studies.audit import audit_for_study, audit_record
from studies.forms import StudyDetailsForm, metadata_formset
from studies.http import permission_required, upstream_message
from studies.models import AuditAction


def _detail_context(request, study, *, form=None, formset=None, problem="") -> dict:
    return {
        "study": study,
        "now": timezone.now(),
        "form": form
        or StudyDetailsForm(
            initial={
                "study_description": study.study_description,
                "updated_at": study.updated_at.isoformat() if study.updated_at else "",
            }
        ),
        "formset": formset or metadata_formset(metadata=study.metadata),
        "history": audit_for_study(study_id=study.study_id),
        "problem": problem,
        "next": request.get_full_path(),
    }


@require_GET
def detail(request, study_id: str):
    study = upstream.study_get(study_id=study_id)
    return render(request, "studies/detail.html", _detail_context(request, study))


def _changes(study, form, formset) -> dict:
    changes = {}
    description = form.cleaned_data["study_description"]
    if description != study.study_description:
        changes["study_description"] = description
    metadata = formset.metadata()
    if metadata != study.metadata:
        changes["metadata"] = metadata or None
    return changes


@require_POST
@permission_required("change_details", audit_action=AuditAction.UPDATE)
def save_details(request, study_id: str):
    """Save description and metadata: one read for the "before", one PATCH if anything changed."""
    study = upstream.study_get(study_id=study_id)
    form = StudyDetailsForm(request.POST)
    formset = metadata_formset(request.POST)
    if not (form.is_valid() and formset.is_valid()):
        context = _detail_context(request, study, form=form, formset=formset)
        return render(request, "studies/detail.html", context, status=400)
    changes = _changes(study, form, formset)
    if not changes:
        messages.info(request, "Nothing to save: description and metadata are unchanged.")
        return redirect("studies:detail", study_id=study_id)
    before = {k: getattr(study, k) for k in changes}
    try:
        updated = upstream.study_update(study_id=study_id, changes=changes)
    except upstream.UpstreamError as exc:
        _apply_field_errors(exc, form, formset)
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE,
            study_id=study_id,
            before=before,
            after=changes,
            accepted=False,
            detail=upstream_message(exc),
        )
        context = _detail_context(
            request, study, form=form, formset=formset, problem=upstream_message(exc)
        )
        return render(request, "studies/detail.html", context, status=400)
    audit_record(
        actor=request.user,
        action=AuditAction.UPDATE,
        study_id=study_id,
        before=before,
        after={k: getattr(updated, k) for k in changes},
        accepted=True,
    )
    messages.success(request, "Saved " + " and ".join(_LABELS[k] for k in changes) + ".")
    return redirect("studies:detail", study_id=study_id)


_LABELS = {"study_description": "the description", "metadata": "the metadata"}


def _apply_field_errors(exc, form, formset) -> None:
    if not isinstance(exc, upstream.ValidationFailed):
        return
    for field, message in exc.field_errors.items():
        if field == "study_description":
            form.add_error("study_description", message)
        elif field.startswith("metadata"):
            formset._non_form_errors = formset.error_class([message])
