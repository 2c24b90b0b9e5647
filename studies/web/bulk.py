"""Bulk actions as pages answer them: the form a list's action bar posts, the studies it
picked, and the results page, streamed a row at a time as each study is done.

The bar (templates/studies/_bulk.html, `{% bulk_bar %}`) is an ordinary form; each row's
checkbox belongs to it (`form="bulk"`) and sends `<study id>~<the row's token>`: the
token (studies/web/seen.py) says what the row showed, for the services' stale check.
Without JavaScript the same form posts and the same results page comes back.

The results page is one HTML document sent in pieces (StreamingHttpResponse): the page's
head at once, then a row per study the moment the service has its result, then the
summary. A browser shows each row as it arrives; studies/web/middleware.py leaves
streamed answers uncompressed so nothing holds the rows back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import get_template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from studies import directory, services, validators
from studies.accounts.capabilities import Capabilities
from studies.services import BulkAction, BulkJob, Outcome, WriteResult
from studies.services.bulk import VERBS
from studies.services.fields import SEVERITY_LABELS, STATUS_LABELS, assignee_name
from studies.web import links
from studies.web.forms import SEVERITY_CHOICES
from studies.web.nonce import form_nonce, form_nonce_done
from studies.web.seen import seen_read, seen_token

RESULTS = "studies/bulk_results.html"
_ROWS, _SUMMARY = "\x00rows\x00", "\x00summary\x00"

# Outcome -> (label, class); what the user reads first in each result row.
OUTCOMES = {
    Outcome.APPLIED: ("Done", "done"),
    Outcome.UNCHANGED: ("Already so", "unchanged"),
    Outcome.CONFLICT: ("Conflict", "conflict"),
    Outcome.REFUSED: ("Refused", "refused"),
    Outcome.NOT_APPLIED: ("Not applied", "failed"),
    Outcome.UNKNOWN: ("Unknown", "unknown"),
}


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[(a.value, a.value) for a in BulkAction])
    assignee = forms.CharField(required=False, max_length=40)
    severity = forms.ChoiceField(required=False, choices=[("", "—"), *SEVERITY_CHOICES])
    nonce = forms.CharField(max_length=200)
    confirmed = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        assignee = (data.get("assignee") or "").strip()
        if action == BulkAction.ASSIGN and not (
            assignee == "me" or validators.USER_ID_RE.match(assignee)
        ):
            self.add_error("assignee", "Choose whom to assign the selected studies to.")
        if action == BulkAction.SEVERITY and not data.get("severity"):
            self.add_error("severity", "Choose the severity to set.")
        data["assignee"] = assignee
        return data

    def chosen(self) -> tuple[BulkAction, str | None]:
        """The action, and its value (the assignee or the severity) where it takes one."""
        action = BulkAction(self.cleaned_data["action"])
        value = {
            BulkAction.ASSIGN: self.cleaned_data["assignee"],
            BulkAction.SEVERITY: self.cleaned_data["severity"],
        }.get(action)
        return action, value

    def problem(self) -> str:
        return " ".join(" ".join(errors) for errors in self.errors.values())


def bulk_picks(values: Iterable[str]) -> tuple[list[tuple[str, str]], str]:
    """[(study id, token)] from the checkboxes' values, each study once; and a problem
    to tell the user, or ""."""
    picks, seen_ids = [], set()
    for value in values:
        study_id, _, token = str(value).partition("~")
        if not validators.is_study_id(study_id):
            return [], "The selection was damaged; reload the page and select again."
        if study_id not in seen_ids:
            seen_ids.add(study_id)
            picks.append((study_id, token[:300]))
    if not picks:
        return [], "Select at least one study (tick its box), then choose an action."
    if len(picks) > settings.TRIAGE_BULK_MAX:
        return [], (
            f"At most {settings.TRIAGE_BULK_MAX} studies in one action; {len(picks)} were selected."
        )
    return picks, ""


def bulk_jobs(picks, *, action: BulkAction, value: str | None) -> list[BulkJob]:
    return [
        BulkJob(study_id, action, value, seen_read(token, study_id=study_id) if token else None)
        for study_id, token in picks
    ]


def verb_of(
    action: BulkAction, value: str | None, names: dict[str, str], *, assigns_anyone: bool = True
) -> str:
    """What the action does, as the results page's heading says it: in the words of the
    bar's button (a role that assigns nobody else "gives back" what it unassigns)."""
    if action is BulkAction.UNASSIGN and not assigns_anyone:
        return "Give back"
    if action is BulkAction.ASSIGN:
        return "Assign to " + ("me" if value == "me" else names.get(value or "", value or ""))
    if action is BulkAction.SEVERITY:
        return "Set severity to " + SEVERITY_LABELS.get(value or "", value or "")
    return VERBS[action]


# --- The results page ---------------------------------------------------------------------


def result_row(job: BulkJob, result: WriteResult) -> dict:
    """What a result row prints, from the service's answer (the study as it now is)."""
    label, css = OUTCOMES.get(result.outcome, ("Unknown", "unknown"))
    study = result.study
    return {
        "study_id": job.study_id,
        "url": links.study_page(job.study_id),
        "description": study.study_description if study is not None else "",
        "label": label,
        "css": css,
        "message": result.message,
        "now": _now_text(study),
    }


def _now_text(study) -> str:
    if study is None:
        return ""
    state = "Cancelled" if study.is_cancelled else STATUS_LABELS.get(study.study_viewer_status, "")
    severity = SEVERITY_LABELS.get(study.severity, study.severity)
    return f"{severity} · {assignee_name(study)} · {state}"


def _again(job: BulkJob, result: WriteResult) -> tuple[str, str] | None:
    """A study worth trying again (a conflict the role may override, or a write whose
    outcome was not applied / unknown), with a token of how it is now."""
    study = result.study
    if study is None or study.is_cancelled or not validators.is_study_id(job.study_id):
        return None
    retry = (result.outcome is Outcome.CONFLICT and result.can_override) or result.outcome in (
        Outcome.NOT_APPLIED,
        Outcome.UNKNOWN,
    )
    return (job.study_id, seen_token(study)) if retry else None


def _said(outcome: Outcome, n: int) -> str:
    label = OUTCOMES[outcome][0].lower()
    return f"{label}s" if outcome is Outcome.CONFLICT and n != 1 else label


def summary_of(counts: Counter, total: int) -> dict:
    done = counts[Outcome.APPLIED] + counts[Outcome.UNCHANGED]
    parts = [
        (counts[outcome], _said(outcome, counts[outcome]), OUTCOMES[outcome][1])
        for outcome in OUTCOMES
        if counts[outcome]
    ]
    return {"total": total, "done": done, "parts": parts}


@dataclass
class BulkRequest:
    """What a results page is about: who asked, what, for which studies, where back to."""

    request: object
    heading: str
    jobs: list[BulkJob]
    back: str
    nonce: str
    action: BulkAction
    value: str | None

    @property
    def retryable(self) -> bool:
        """Trying the failed ones again posts the same action to the bar's view; a
        balance's moves each have their own target: they are planned again instead."""
        return not (self.action is BulkAction.ASSIGN and not self.value)


def results_response(asked: BulkRequest, *, results=None, status: int = 200):
    """The results page. With `results` (all known already: refused at the door) it is
    rendered at once; else each job goes through the services and its row is streamed
    as it finishes."""
    if results is not None:
        return HttpResponse("".join(_pieces(asked, results)), status=status)
    answers = services.study_bulk(actor=asked.request.user, jobs=asked.jobs)
    response = StreamingHttpResponse(
        _pieces(asked, answers), status=status, content_type="text/html; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # a proxy (nginx) passes each row on at once
    return response


def _pieces(asked: BulkRequest, answers) -> Iterator[str]:
    """The page's head, a row per answer as it comes, the summary, the page's end."""
    request, total = asked.request, len(asked.jobs)
    context = {
        "heading": asked.heading,
        "total": total,
        "back": asked.back,
        "action": asked.action.value,
        "value": asked.value or "",
        "rows_marker": mark_safe(_ROWS),  # noqa: S308 - our own marker
        "summary_marker": mark_safe(_SUMMARY),  # noqa: S308
    }
    head, rest = get_template(RESULTS).render(context, request).split(_ROWS, 1)
    middle, tail = rest.split(_SUMMARY, 1)
    row = get_template(f"{RESULTS}#result-row")
    yield head
    counts, again = Counter(), []
    for job, result in answers:
        counts[result.outcome] += 1
        if asked.retryable and (retry := _again(job, result)) is not None:
            again.append(f"{retry[0]}~{retry[1]}")
        yield row.render({"r": result_row(job, result)})
    yield middle
    done = summary_of(counts, total)
    form_nonce_done(asked.nonce, request.user, done)
    again_nonce = form_nonce(request.user) if again else ""
    summary = {**context, "summary": done, "again": again, "again_nonce": again_nonce}
    yield get_template(f"{RESULTS}#summary").render(summary, request)
    yield tail


# --- The action bar ---------------------------------------------------------------------------


def assignee_options(users, *, me: str | None, loads: dict[str, str] | None = None) -> str:
    """The bar's "Assign to" choices: me first, then radiologists, then everyone else
    (the directory's order), each with their load on the board ("12 open, cap 20")."""
    loads = loads or {}
    choices = [("", "Choose a person…")]
    if me:
        choices.append(("me", "Me"))
    for user in users:
        said = loads.get(user.user_id) or user.clinic_role or ""
        choices.append(
            (user.user_id, f"{user.display_name} — {said}" if said else user.display_name)
        )
    return format_html_join("", '<option value="{}">{}</option>', choices)


def _back_to(request) -> str:
    """Where the results page leads back: this list with its filters, on its first page
    (a worklist's cursors are not kept: after the changes they may point elsewhere)."""
    query = request.GET.copy()
    for name in ("c", "p"):
        query.pop(name, None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def bulk_bar_context(request, *, loads: dict[str, str] | None = None, users=None) -> dict:
    """What the action bar under a list offers this user (studies/_bulk.html). `users`:
    (users, problem) as `directory.users_or_empty` answers, when the page read them."""
    caps = Capabilities.of(request.user)
    shown = request.GET.get("cancelled") if caps.see_cancelled else None
    showing_cancelled = shown in ("cancelled", "all")
    edits = shown != "cancelled"  # a list of cancelled studies only: restoring is all there is
    if not caps.assign_any:
        users = ([], None)
    elif users is None:
        users = directory.users_or_empty()
    users, problem = users
    return {
        "nonce": form_nonce(request.user),
        "next": _back_to(request),
        "assign": edits and caps.assign_any,
        "assignees": assignee_options(users, me=caps.me, loads=loads) if caps.assign_any else "",
        "users_problem": problem,
        "claim": edits and caps.assign_self and bool(caps.me) and not caps.assign_any,
        "unassign": edits and (caps.assign_any or (caps.assign_self and bool(caps.me))),
        "severity": edits and caps.severity,
        "severities": SEVERITY_CHOICES,
        "complete": edits and caps.status,
        "cancel": edits and caps.cancel,
        "restore": caps.restore and showing_cancelled,
        "max": settings.TRIAGE_BULK_MAX,
    }
