"""Showing a write's result: the row redrawn from the study as it now is (or taken out of
a list it left), a control kept open with the user's choice, a toast, or a page."""

from __future__ import annotations

import dataclasses
import hashlib

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import reswap, retarget

from studies import directory, validators
from studies.accounts.capabilities import Capabilities
from studies.queue import in_view
from studies.selectors import study_matches
from studies.services import Outcome, Reason, WriteResult, undo_offer
from studies.views.page_counts import page_of, with_counts
from studies.web.forms import (
    SEVERITY_CHOICES,
    STATUS_CHOICES,
    QueueFilterForm,
    WorklistFilterForm,
    list_filters,
)
from studies.web.http import safe_next, toast
from studies.web.presenters import row_of, zone_name
from studies.web.row_cache import list_clocks, list_digest
from studies.web.seen import seen_token

# url field name -> (label, service field name)
EDIT_FIELDS = {
    "severity": ("Severity", "severity"),
    "status": ("Viewer status", "study_viewer_status"),
    "assignee": ("Assignee", "assigned_to"),
}

_REASON_STATUS = {
    Reason.FORBIDDEN: 403,
    Reason.INVALID: 400,
    Reason.NOT_FOUND: 404,
    Reason.CANCELLED: 409,
    Reason.BUSY: 409,
    Reason.TAKEN: 409,
    Reason.DUPLICATE: 409,
    Reason.UNAVAILABLE: 503,
    Reason.BAD_UPSTREAM: 502,
}
# A control stays open (with the user's choice) after these; others close it.
_RETRYABLE = {Reason.INVALID, Reason.UNAVAILABLE, Reason.BUSY}


def status_of(result: WriteResult) -> int:
    if result.ok:
        return 200
    if result.outcome is Outcome.CONFLICT:
        return 409
    if result.outcome is Outcome.UNKNOWN:
        return 502
    return _REASON_STATUS.get(result.reason, 400)


def level_of(result: WriteResult) -> str:
    if result.outcome is Outcome.APPLIED:
        return "success"
    if result.outcome in (Outcome.UNCHANGED, Outcome.CONFLICT):
        return "warning" if result.outcome is Outcome.CONFLICT else "info"
    return "error"


Choices = list[tuple[str, list[tuple[str, str]]]]


def choices_for(request, field: str, current: str | None) -> Choices:
    """The control's options in groups, (group label or "" for none, [(value, label)]):
    people grouped by clinical role, radiologists first, so that a label is the name
    alone and no option is clipped ("Amelia Chen, MD", under "Radiologist")."""
    if field == "severity":
        return [("", SEVERITY_CHOICES)]
    if field == "status":
        return [("", STATUS_CHOICES)]
    caps = Capabilities.of(request.user)
    first = [("", "Unassigned")] + ([("me", "Me")] if caps.me else [])
    groups: Choices = [("", first)]
    if caps.assign_any:
        users, _ = directory.users_or_empty()
        by_role: dict[str, list[tuple[str, str]]] = {}
        for u in users:  # by name within each role (directory.users_sorted)
            by_role.setdefault(u.clinic_role or "Other", []).append((u.user_id, u.display_name))
        groups += sorted(by_role.items(), key=lambda group: (group[0] != "Radiologist", group[0]))
    # The study's assignee is always a choice, preselected: without it the browser would
    # preselect "Unassigned", and a plain Save would unassign (someone the directory
    # does not list yet, or a directory Avara could not give).
    if current and current != caps.me and current not in _values(groups):
        label = "Current assignee (unchanged)" if caps.assign_any else "Someone else (unchanged)"
        first.append((current, label))
    return groups


def _values(groups: Choices) -> set[str]:
    return {value for _, options in groups for value, _ in options}


def control_context(request, study_id: str, field: str, *, chosen, was, token, error=""):
    """What the inline control (studies/edit_field.html#edit-cell) needs."""
    me = Capabilities.of(request.user).me
    if field == "assignee" and chosen and chosen == me:
        chosen = "me"
    base = reverse("studies:detail", args=[study_id])
    choices = choices_for(request, field, was)
    if (
        field == "assignee"
        and validators.USER_ID_RE.match(chosen or "")
        and chosen not in _values(choices)
    ):
        # Avara's user list could not be read (so no names): the user's choice stays
        # selected all the same, or Save again would quietly send "Unassigned".
        choices[0][1].append((chosen, "Your choice (names could not be loaded)"))
    return {
        "study_id": study_id,
        "field": field,
        "field_label": EDIT_FIELDS[field][0],
        "action": f"{base}/edit/{field}",
        "row_url": f"{base}/row",
        "choices": choices,
        "chosen": chosen or "",
        "token": token,
        "error": error,
        "next": safe_next(request, ""),
        "inline": bool(request.htmx),
    }


def row_id(request, study) -> str:
    """The id of the row an answer is for: the one in our own URL (its converter checked
    it), never Avara's unchecked, which goes into a header (HX-Retarget) and URLs here: a
    newline in it made the header fail (a 500), markup made a selector htmx cannot use."""
    match = getattr(request, "resolver_match", None)
    from_url = match.kwargs.get("study_id") if match else None
    if from_url:
        return from_url
    return study.study_id if validators.is_study_id(study.study_id) else ""


def row_caps(request) -> Capabilities:
    """What a redrawn row offers: the queue's rows also offer Skip, as the page did."""
    caps = Capabilities.of(request.user)
    if page_of(request)[0] == reverse("studies:queue"):
        caps = dataclasses.replace(caps, skip=True)
    return caps


def render_row(request, study, *, status: int = 200, editing: dict | None = None):
    """The row partial for one study, swapped in place of the row on the page."""
    context = {"row": row_of(study, row_caps(request), timezone.now()), "editing": editing or {}}
    response = render(request, "studies/_table.html#row", context, status=status)
    return reswap(retarget(response, f"#study-{row_id(request, study)}"), "outerHTML")


def left_the_list(request, study) -> bool:
    """Whether the worklist or queue the user is looking at would no longer show it."""
    path, query = page_of(request)
    caps = Capabilities.of(request.user)
    if path == reverse("studies:queue"):
        show = QueueFilterForm(query).value("show", "all")
        return not in_view(study, show, caps.me, timezone.now())
    if path != reverse("studies:worklist"):
        return False
    form = WorklistFilterForm(query)
    filters = list_filters(form, me=caps.me, can_see_cancelled=caps.see_cancelled)
    return not study_matches(study, filters)


def leaves_the_list(request, study) -> bool:
    """Whether the page the user is on would no longer show this study: cancelled for a
    role that cannot see cancelled studies, or out of the list's filter."""
    hidden = study.is_cancelled and not Capabilities.of(request.user).see_cancelled
    return hidden or left_the_list(request, study)


def row_or_removal(
    request,
    study,
    message: str,
    level: str = "success",
    *,
    status: int = 200,
    was_counted: bool = True,
):
    """Redraw the row, or take it out of a list it no longer belongs to; toast either way,
    and the page's counts out of band (studies/views/page_counts.py). `was_counted`: the
    row on the page was a study's (not a cancelled one's notice, which no count holds)."""
    before = 1 if was_counted else 0
    if leaves_the_list(request, study):
        removal = reswap(HttpResponse("", status=status), "delete")
        response = toast(
            retarget(removal, f"#study-{row_id(request, study)}"),
            f"{message} It left this list.",
            level,
        )
        return with_counts(request, response, change=-before)
    response = toast(render_row(request, study, status=status), message, level)
    return with_counts(request, response, change=1 - before, study=study)


def undo_notice(request, result: WriteResult):
    """A cancel that took the row out of the list: in its place, what happened, Undo for
    its author (studies/services/undo.py) and, for a role that may, the study's page."""
    study = result.study
    study_id = row_id(request, study)
    offer = undo_offer(actor=request.user, study_id=study_id, token=result.undo)
    caps = Capabilities.of(request.user)
    row = row_of(study, caps, timezone.now())
    notice = {
        "id": study_id,
        "description": study.study_description,
        "uid_short": row.uid_short,
        "token": result.undo,
        "until": int(offer.until) if offer else 0,
        "seconds": settings.TRIAGE_UNDO_SECONDS,
        "undo_url": reverse("studies:undo_cancel", args=[study_id]),
        "next": safe_next(request, ""),
        "detail_url": reverse("studies:detail", args=[study_id]) if caps.see_cancelled else "",
    }
    response = render(request, "studies/_table.html#notice", {"notice": notice})
    response = reswap(retarget(response, f"#study-{study_id}"), "outerHTML")
    return with_counts(request, response, change=-1)


def htmx_result(
    request,
    result: WriteResult,
    *,
    field: str | None = None,
    chosen: str = "",
    was_counted: bool = True,
):
    """An HTMX answer to a row's write: the row always comes from the latest read."""
    status, level = status_of(result), level_of(result)
    study = result.study
    if result.ok and study is not None:
        return row_or_removal(
            request, study, result.message, level, status=status, was_counted=was_counted
        )
    keep_open = field is not None and (
        (result.outcome is Outcome.CONFLICT and result.can_override)
        or (result.reason in _RETRYABLE and result.outcome is not Outcome.UNKNOWN)
    )
    if study is None:
        if keep_open:
            return _control_alone(request, result, field, chosen, status)
        return toast(reswap(HttpResponse("", status=status), "none"), result.message, level)
    if keep_open:
        error = result.message
        if result.outcome is Outcome.CONFLICT:
            error += " Save again to apply your choice over it, or Close to keep it."
        editing = control_context(
            request,
            row_id(request, study),
            field,
            chosen=chosen,
            was=current_value(study, field),
            token=seen_token(study),
            error=error,
        )
        response = render_row(request, study, status=status, editing=editing)
        return with_counts(request, response, study=study)
    return row_or_removal(
        request, study, result.message, level, status=status, was_counted=was_counted
    )


def current_value(study, field: str) -> str:
    if field == "assignee":
        return study.assigned_to.user_id if study.assigned_to else ""
    return getattr(study, EDIT_FIELDS[field][1])


def _control_alone(request, result: WriteResult, field: str, chosen: str, status: int):
    """No fresh study to redraw the row from: keep the control, with the reason."""
    study_id = request.resolver_match.kwargs["study_id"]
    context = control_context(
        request,
        study_id,
        field,
        chosen=chosen,
        was=None,
        token=request.POST.get("t", ""),
        error=result.message,
    )
    response = render(request, "studies/edit_field.html#edit-cell", {"c": context}, status=status)
    return reswap(retarget(response, f"#study-{study_id} .cell-{field}"), "outerHTML")


# --- Live refresh: an unchanged list answers 304 and renders nothing ---------------------


def list_state(studies, now, *, digest: str | None = None) -> list:
    """What of a list of rows can change on screen: every value of every study (as Avara
    sent it; `digest` when the caller has it) and each row's turnaround clock (which moves
    with time alone). Stable across processes, so a poll answered by another worker
    still matches."""
    digest = digest or list_digest(studies)
    return [digest, list(list_clocks(studies, now, digest=digest))]


def etag_of(request, parts) -> str:
    """A validator for what this user sees at this URL: the same data, role, identity and
    time zone (the rows print times in it) give the same tag; any change of one gives
    another."""
    caps = Capabilities.of(request.user)
    raw = repr((request.user.pk, caps, zone_name(), request.get_full_path(), parts))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def unchanged_since(request, etag: str) -> bool:
    """Whether the client already shows this; a weak tag counts (gzip weakens ours)."""
    sent = request.headers.get("If-None-Match", "")
    return bool(sent) and etag in {tag.strip().removeprefix("W/") for tag in sent.split(",")}


def not_modified(etag: str) -> HttpResponse:
    response = HttpResponse(status=304)
    response["ETag"] = etag
    return response


# --- Reads batched with the session ------------------------------------------------------


def reads_with_session(keys):
    """Decorate a view whose request will read these store keys (`keys(request)` gives
    them): they are read in the same round trip as the session (studies/accounts/sessions.py),
    and the view's first `shared.read_earlier` of them takes that answer."""

    def decorate(view):
        view.reads_with_session = keys
        return view

    return decorate
