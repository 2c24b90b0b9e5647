"""One study: every field, its audit history, description and metadata edits."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studies import upstream
from studies.audit import audit_for_study, audit_record
from studies.forms import StudyDetailsForm, metadata_formset
from studies.http import permission_required, refuse, upstream_message
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


CANCELLED_HIDDEN = "That study is cancelled; only admins can see cancelled studies."
STALE = (
    "Someone changed this study since you opened it. The fields above show it as it is "
    "now; your edits are kept below: check them and save again."
)


def visible_study(request, study_id: str):
    """The study, or None when the user's role may not see it (cancelled, not admin)."""
    study = upstream.study_get(study_id=study_id)
    if study.is_cancelled and not request.user.has_perm("studies.view_cancelled"):
        return None
    return study


@require_GET
def detail(request, study_id: str):
    study = visible_study(request, study_id)
    if study is None:
        return refuse(request, CANCELLED_HIDDEN, status=404)
    return render(request, "studies/detail.html", _detail_context(request, study))


def _refused_save(request, study, form, formset, *, problem: str, status: int):
    """Audit the refused attempt and show the page again with the user's input."""
    audit_record(
        actor=request.user,
        action=AuditAction.UPDATE,
        study_id=study.study_id,
        after={"study_description": request.POST.get("study_description", "")[:200]},
        accepted=False,
        detail=problem[:500],
    )
    context = _detail_context(request, study, form=form, formset=formset, problem=problem)
    return render(request, "studies/detail.html", context, status=status)


def _is_stale(study, form) -> bool:
    seen = form.cleaned_data.get("updated_at") or ""
    return bool(seen) and seen != (study.updated_at.isoformat() if study.updated_at else "")


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
    study = visible_study(request, study_id)
    if study is None:
        return refuse(request, CANCELLED_HIDDEN, status=404)
    form = StudyDetailsForm(request.POST)
    formset = metadata_formset(request.POST, existing=study.metadata)
    if not (form.is_valid() and formset.is_valid()):
        problem = "Not saved: some fields need attention."
        return _refused_save(request, study, form, formset, problem=problem, status=400)
    if _is_stale(study, form):
        data = request.POST.copy()
        data["updated_at"] = study.updated_at.isoformat() if study.updated_at else ""
        form = StudyDetailsForm(data)
        form.is_valid()
        return _refused_save(request, study, form, formset, problem=STALE, status=409)
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
