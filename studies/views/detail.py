"""One study: every field, its audit history, description and metadata edits.

The form carries what the user saw (hidden `seen_description` and `seen_metadata`), so
a save changes only what the user changed, and a field someone else changed meanwhile
is a conflict shown with both values (studies/services/edits.py).
"""

import dataclasses
import json

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from studies import services
from studies.accounts.capabilities import Capabilities
from studies.selectors import audit_for_study, study_visible
from studies.views.respond import status_of
from studies.web.forms import StudyDetailsForm, metadata_formset
from studies.web.history import audit_lines
from studies.web.http import redirect_to, refuse
from studies.web.presenters import row_of

CANCELLED_HIDDEN = "That study is cancelled; only admins can see cancelled studies."


def _seen_initial(study) -> dict:
    return {
        "study_description": study.study_description,
        "seen_description": study.study_description,
        "seen_metadata": json.dumps(study.metadata, ensure_ascii=False),
    }


def _detail_context(request, study, *, form=None, formset=None, problem="", conflicts=()):
    # A study page offers Skip, as the queue does, to whoever may skip the study.
    caps = dataclasses.replace(Capabilities.of(request.user), skip=True)
    return {
        "study": study,
        "row": row_of(study, caps, timezone.now()),
        "form": form or StudyDetailsForm(initial=_seen_initial(study)),
        "formset": formset or metadata_formset(metadata=study.metadata),
        "history": audit_lines(audit_for_study(study_id=study.study_id)),
        "problem": problem,
        "conflicts": conflicts,
        "next": request.get_full_path(),
    }


@never_cache  # Back must show the study as it is now, not as it was
@require_GET
def detail(request, study_id: str):
    study = study_visible(actor=request.user, study_id=study_id)
    if study is None:
        return refuse(request, CANCELLED_HIDDEN, status=404)
    return render(request, "studies/detail.html", _detail_context(request, study))


def _changes(form, formset) -> tuple[dict, dict]:
    """(changes, seen): only the fields the user changed, and what they saw of them."""
    seen_description = form.cleaned_data["seen_description"]
    seen_metadata = form.cleaned_data["seen_metadata"]
    changes, seen = {}, {}
    description = form.cleaned_data["study_description"]
    # The form trims the textarea and browsers send its line breaks as CRLF: a description
    # that reads the same as the one shown was not touched, whatever its spacing.
    if _text(description) != _text(seen_description):
        changes["study_description"], seen["study_description"] = description, seen_description
    metadata = formset.metadata()
    if metadata != seen_metadata:
        changes["metadata"], seen["metadata"] = metadata or None, seen_metadata
    return changes, seen


def _text(value: str) -> str:
    return value.replace("\r\n", "\n").strip()


def _again(request, study, *, problem: str, status: int, conflicts=()):
    """The page again: the study as it is now above, the user's edits kept below, and
    `seen` moved to now, so saving again applies the user's edits over the new values."""
    data = request.POST.copy()
    data.update({k: v for k, v in _seen_initial(study).items() if k != "study_description"})
    form = StudyDetailsForm(data)
    form.is_valid()
    formset = metadata_formset(request.POST, existing=study.metadata)
    formset.is_valid()
    context = _detail_context(
        request, study, form=form, formset=formset, problem=problem, conflicts=conflicts
    )
    return render(request, "studies/detail.html", context, status=status)


NOT_SENT = "Nothing was saved: the form was not sent. Make your changes again."


@never_cache
@require_http_methods(["GET", "POST"])
def save_details(request, study_id: str):
    """A POST saves. A GET (the login page sending the user back here after the session
    ended: the form is lost) goes to the study page and says so."""
    if request.method == "GET":
        messages.info(request, NOT_SENT)
        return redirect_to(reverse("studies:detail", args=[study_id]))
    return _save_details(request, study_id)


def _save_details(request, study_id: str):
    form = StudyDetailsForm(request.POST)
    study = study_visible(actor=request.user, study_id=study_id)
    if study is None:
        return refuse(request, CANCELLED_HIDDEN, status=404)
    formset = metadata_formset(request.POST, existing=study.metadata)
    if not (form.is_valid() and formset.is_valid()):
        result = services.study_edit_rejected(
            actor=request.user,
            study_id=study_id,
            changes={"study_description": request.POST.get("study_description", "")[:200]},
            message="Not saved: some fields need attention.",
        )
        context = _detail_context(
            request, study, form=form, formset=formset, problem=result.message
        )
        return render(request, "studies/detail.html", context, status=400)
    changes, seen = _changes(form, formset)
    if not changes:
        messages.info(request, "Nothing to save: description and metadata are unchanged.")
        return redirect_to(reverse("studies:detail", args=[study_id]))
    result = services.study_edit(actor=request.user, study_id=study_id, changes=changes, seen=seen)
    if result.ok:
        messages.success(request, result.message)
        return redirect_to(reverse("studies:detail", args=[study_id]))
    _apply_field_errors(result.field_errors, form, formset)
    current = result.study or study
    problem = result.message
    if result.outcome is services.Outcome.CONFLICT:
        problem = (
            "Someone changed this study since you opened it. Your edits are kept below; "
            "save again to apply them over the new values."
        )
        return _again(request, current, problem=problem, status=409, conflicts=result.conflicts)
    context = _detail_context(request, current, form=form, formset=formset, problem=problem)
    return render(request, "studies/detail.html", context, status=status_of(result))


def _apply_field_errors(errors, form, formset) -> None:
    for field, message in errors.items():
        if field == "study_description":
            form.add_error("study_description", message)
        elif field.startswith("metadata"):
            formset._non_form_errors = formset.error_class([message])
