"""Inline edits of one row: severity, assignee, viewer status.

Opening a control costs no study read: the row sends what it shows as a signed snapshot
(studies/snapshots.py), which is also the audit "before" and the `updatedAt` the user
saw. Saving sends one PATCH and re-renders the row from its response. A failed save
keeps the user's choice and says why. Radiologists may only claim or give back, checked
against a fresh read.
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from studies import directory, upstream
from studies.audit import audit_record
from studies.context import me_of
from studies.forms import SEVERITY_CHOICES, STATUS_CHOICES, InlineEditForm, WorklistFilterForm
from studies.http import refuse, toast, upstream_message, upstream_status
from studies.models import AuditAction
from studies.snapshots import Snapshot, snapshot_read
from studies.views.worklist import list_filters, study_matches

STALE_ROW = "This row is out of date or was altered; reload the page and try again."

# url name -> (label, wire field for study_update, permission that allows it)
EDIT_FIELDS = {
    "severity": ("Severity", "severity", "change_severity"),
    "status": ("Viewer status", "study_viewer_status", "change_viewer_status"),
    "assignee": ("Assignee", "assigned_to", "assign_self"),
}


def render_row(request, study, *, status: int = 200):
    """The row partial for one study, swapped in place of the row on the page."""
    context = {"study": study, "now": timezone.now()}
    response = render(request, "studies/worklist.html#row", context, status=status)
    return reswap(retarget(response, f"#study-{study.study_id}"), "outerHTML")


def left_the_list(request, study) -> bool:
    """Whether the worklist the user is looking at would no longer show this study."""
    try:
        parts = urlsplit(request.htmx.current_url_abs_path or "")
    except ValueError:  # a hostile HX-Current-URL header
        return False
    if parts.path != reverse("studies:worklist"):
        return False
    form = WorklistFilterForm(QueryDict(parts.query))
    form.is_valid()
    filters = list_filters(
        form,
        me=me_of(request.user),
        can_see_cancelled=request.user.has_perm("studies.view_cancelled"),
    )
    return not study_matches(study, filters)


def row_or_removal(request, study, message: str, level: str = "success"):
    """Redraw the row, or take it out of a list it no longer belongs to; toast either way."""
    if left_the_list(request, study):
        removal = reswap(HttpResponse(""), "delete")
        return toast(
            retarget(removal, f"#study-{study.study_id}"), f"{message} It left this list.", level
        )
    return toast(render_row(request, study), message, level)


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok and target else fallback


def _choices(request, field: str, current: str) -> list[tuple[str, str]]:
    if field == "severity":
        return SEVERITY_CHOICES
    if field == "status":
        return STATUS_CHOICES
    me = me_of(request.user)
    choices = [("", "Unassigned")] + ([("me", "Me")] if me else [])
    if request.user.has_perm("studies.assign_any"):
        users, _ = directory.users_or_empty()
        choices += [(u.user_id, f"{u.display_name} — {u.clinic_role}") for u in users]
    elif current and current != me:
        choices.append((current, "Someone else (unchanged)"))
    return choices


def _render_control(request, study_id, field, *, chosen, token, was, error="", status=200):
    label = EDIT_FIELDS[field][0]
    if field == "assignee" and chosen and chosen == me_of(request.user):
        chosen = "me"
    context = {
        "study_id": study_id,
        "field": field,
        "field_label": label,
        "choices": _choices(request, field, was),
        "chosen": chosen,
        "token": token,
        "error": error,
        "next": safe_next(request, ""),
        "study_label": study_id,
        "inline": bool(request.htmx),
    }
    if not request.htmx:
        return render(request, "studies/edit_field.html", context, status=status)
    response = render(request, "studies/edit_field.html#edit-cell", context, status=status)
    # Row buttons (Claim, Complete) target the whole row: put the control in its cell.
    return reswap(retarget(response, f"#study-{study_id} .cell-{field}"), "outerHTML")


def _field_or_404(field: str):
    if field not in EDIT_FIELDS:
        raise Http404("No such field")
    return EDIT_FIELDS[field]


def _may_edit(user, field: str) -> bool:
    if field == "assignee":
        return user.has_perm("studies.assign_any") or user.has_perm("studies.assign_self")
    return user.has_perm(f"studies.{EDIT_FIELDS[field][2]}")


@require_http_methods(["GET", "POST"])
def edit_field(request, study_id: str, field: str):
    _field_or_404(field)
    if not _may_edit(request.user, field):
        return _refuse_edit(request, study_id, field)
    token = (request.POST if request.method == "POST" else request.GET).get("t", "")
    if request.method == "GET" and not token and not request.htmx:
        # e.g. the login page sent the user back here: show the study instead.
        return redirect("studies:detail", study_id=study_id)
    snapshot = snapshot_read(token, study_id=study_id)
    if snapshot is None:
        _audit_refused_post(request, study_id, field, "the row snapshot was missing or altered.")
        return refuse(request, STALE_ROW, status=400)
    if request.method == "GET":
        value = snapshot.value(field)
        return _render_control(request, study_id, field, chosen=value, token=token, was=value)
    return _save_field(request, study_id, field, snapshot, token)


def _refuse_edit(request, study_id: str, field: str):
    label = EDIT_FIELDS[field][0].lower()
    message = "Your role may not change this study's " + label + "."
    _audit_refused_post(request, study_id, field, message)
    return refuse(request, message, status=403)


def _audit_refused_post(request, study_id: str, field: str, reason: str) -> None:
    """A save refused before any call to Avara (GETs only open controls: not audited)."""
    if request.method != "POST":
        return
    audit_record(
        actor=request.user,
        action=AuditAction.UPDATE,
        study_id=study_id,
        after={EDIT_FIELDS[field][1]: request.POST.get("value", "")[:40]},
        accepted=False,
        detail=f"Refused by the dashboard: {reason}",
    )


def _wire_value(request, field: str, raw: str):
    """The value to PATCH, or raise ValueError with a message for the user."""
    if field != "assignee":
        return raw
    if raw == "me":
        me = me_of(request.user)
        if not me:
            raise ValueError("Your account is not linked to an Avara user, so it cannot claim.")
        return me
    return raw or None


def _assignment_problem(request, study_id: str, new: str | None) -> str | None:
    """Radiologists may claim an unassigned study or give back their own; nothing else."""
    if request.user.has_perm("studies.assign_any"):
        return None
    me = me_of(request.user)
    if new not in (None, me):
        return "Your role may only claim studies for yourself."
    current = upstream.study_get(study_id=study_id).assigned_to
    current_id = current.user_id if current else None
    if new == me and current_id not in (None, me):
        return f"Already assigned to {current.display_name}; ask a supervisor to reassign it."
    if new is None and current_id != me:
        return "Only a supervisor can unassign a study that is not yours."
    return None


def _status_problem(request, study_id: str) -> str | None:
    """Radiologists change the viewer status of their own studies only (checked upstream)."""
    if request.user.has_perm("studies.assign_any"):
        return None
    me = me_of(request.user)
    current = upstream.study_get(study_id=study_id).assigned_to
    if not me or not current or current.user_id != me:
        owner = current.display_name if current else "nobody"
        return f"This study is assigned to {owner}; only its reader or a supervisor can change it."
    return None


class _Refused(Exception):
    """A save the dashboard or Avara refused: the message for the user and a status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


def _audit_values(field: str, wire_field: str, value, *, name: str | None = None) -> dict:
    values = {wire_field: value or None}
    if field == "assignee" and name is not None:
        values["assigned_to_name"] = name
    return values


def _patch(request, study_id: str, field: str, form: InlineEditForm):
    """Validate, check the role's rules, send the one PATCH; raise _Refused on any refusal."""
    if not form.is_valid():
        raise _Refused(" ".join(form.errors.get("value", ["Invalid value."])), 400)
    try:
        value = _wire_value(request, field, form.cleaned_data["value"])
        if field == "assignee" and (problem := _assignment_problem(request, study_id, value)):
            raise _Refused(problem, 403)
        if field == "status" and (problem := _status_problem(request, study_id)):
            raise _Refused(problem, 403)
        changes = {EDIT_FIELDS[field][1]: value}
        return value, upstream.study_update(study_id=study_id, changes=changes)
    except ValueError as exc:
        raise _Refused(str(exc), 400) from exc
    except upstream.UpstreamError as exc:
        raise _Refused(_edit_error(exc, EDIT_FIELDS[field][1]), upstream_status(exc)) from exc


def _save_field(request, study_id: str, field: str, snapshot: Snapshot, token: str):
    form = InlineEditForm(request.POST, field=field)
    raw = request.POST.get("value", "")[:40]
    was = snapshot.value(field)
    wire_field = EDIT_FIELDS[field][1]
    before = _audit_values(field, wire_field, was)
    try:
        value, study = _patch(request, study_id, field, form)
    except _Refused as refusal:
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE,
            study_id=study_id,
            before=before,
            after={wire_field: raw},
            accepted=False,
            detail=refusal.message,
        )
        if not request.htmx:
            messages.error(request, refusal.message)
        return _render_control(
            request,
            study_id,
            field,
            chosen=raw,
            token=token,
            was=was,
            error=refusal.message,
            status=refusal.status,
        )
    if field == "assignee":
        # Names only once the change is accepted: a refusal must not call Avara.
        before = _audit_values(field, wire_field, was, name=directory.user_label(was))
    after_name = study.assigned_to.display_name if study.assigned_to else "Unassigned"
    audit_record(
        actor=request.user,
        action=AuditAction.UPDATE,
        study_id=study_id,
        before=before,
        after=_audit_values(field, wire_field, value, name=after_name),
        accepted=True,
    )
    message = f"{EDIT_FIELDS[field][0]} saved: {_shown(study, field)}."
    if not request.htmx:
        messages.success(request, message)
        return redirect(safe_next(request, reverse("studies:detail", args=[study_id])))
    return row_or_removal(request, study, message)


def _edit_error(exc: upstream.UpstreamError, wire_field: str) -> str:
    if isinstance(exc, upstream.ValidationFailed) and exc.field_errors:
        return exc.field_errors.get(wire_field) or " ".join(exc.field_errors.values())
    return upstream_message(exc)


def _shown(study, field: str) -> str:
    if field == "severity":
        return "STAT" if study.severity == "stat" else study.severity.capitalize()
    if field == "status":
        return "Complete" if study.study_viewer_status == "complete" else "To read"
    return study.assigned_to.display_name if study.assigned_to else "Unassigned"


@require_GET
def row(request, study_id: str):
    """The row as it is now upstream (used when an inline control is dismissed)."""
    if not request.htmx:
        return redirect("studies:detail", study_id=study_id)
    try:
        study = upstream.study_get(study_id=study_id)
    except upstream.UpstreamError as exc:
        return refuse(request, upstream_message(exc), status=upstream_status(exc))
    if study.is_cancelled and not request.user.has_perm("studies.view_cancelled"):
        removal = retarget(reswap(HttpResponse(""), "delete"), f"#study-{study_id}")
        return toast(removal, "That study has been cancelled; it left this list.", "warning")
    return render_row(request, study)
