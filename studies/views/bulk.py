"""Bulk actions: the action bar's POST, answered by the results page (studies/web/bulk.py).

The view parses the form, uses up its single-use nonce and hands the jobs to the bulk
service, which runs each study through the same service as a single edit; the page
streams each study's result as it comes.
"""

from datetime import UTC, datetime

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from studies import directory, services, upstream
from studies.accounts.capabilities import Capabilities
from studies.queue import queue_snapshot
from studies.services import BulkAction
from studies.web.bulk import (
    BulkForm,
    BulkRequest,
    bulk_jobs,
    bulk_picks,
    results_response,
    verb_of,
)
from studies.web.http import safe_next
from studies.web.nonce import BAD, FRESH, form_nonce_record, form_nonce_state, form_nonce_use

AGAIN = (
    "This bulk action was sent already (a second click, a reload or Back); nothing was sent again."
)
BAD_NONCE = (
    "This form is too old or was altered; nothing was changed. Reload the page and try again."
)


@never_cache
@require_POST
def bulk(request):
    back = safe_next(request, reverse("studies:worklist"))
    form = BulkForm(request.POST)
    picks, problem = bulk_picks(request.POST.getlist("pick"))
    if not form.is_valid() or problem:
        return stopped(request, problem or form.problem(), back=back, status=400)
    nonce = form.cleaned_data["nonce"]
    action, value = form.chosen()
    state = form_nonce_state(nonce, request.user)
    if state == BAD:  # forged, altered or expired: refused, and recorded as such
        jobs = bulk_jobs(picks, action=action, value=value)
        services.study_bulk_refused(
            actor=request.user, jobs=jobs, message=BAD_NONCE, reason=services.Reason.INVALID
        )
        return stopped(request, BAD_NONCE, back=back, status=400)
    if state != FRESH:
        return sent_already(request, nonce, back=back)
    if action is BulkAction.CANCEL and not form.cleaned_data["confirmed"]:
        return _confirm_cancel(request, picks, nonce=nonce, back=back)
    if form_nonce_use(nonce, request.user) != FRESH:
        return sent_already(request, nonce, back=back)
    names = {u.user_id: u.display_name for u in directory.users_or_empty()[0]}
    verb = verb_of(action, value, names, assigns_anyone=Capabilities.of(request.user).assign_any)
    heading = f"{verb}: {len(picks)} {_studies(len(picks))}"
    jobs = bulk_jobs(picks, action=action, value=value)
    asked = BulkRequest(request, heading, jobs, back, nonce, action, value)
    refusal = services.bulk_refusal(actor=request.user, action=action, value=value)
    if refusal:
        refused = services.study_bulk_refused(actor=request.user, jobs=jobs, message=refusal)
        return results_response(asked, results=refused, status=403)
    return results_response(asked)


def _studies(n: int) -> str:
    return "study" if n == 1 else "studies"


def stopped(request, message: str, *, back: str, status: int):
    """Nothing was sent: say why, and lead back to the list (the selection is still
    there with Back)."""
    context = {"message": message, "back": back, "title": "Nothing was changed"}
    return render(request, "studies/bulk_stopped.html", context, status=status)


def sent_already(request, nonce: str, *, back: str):
    """The same form came twice: what the first did, when it is known."""
    record = form_nonce_record(nonce, request.user) or {}
    context = {
        "message": AGAIN,
        "back": back,
        "title": "Already sent",
        "summary": record.get("summary"),
        "sent_at": datetime.fromtimestamp(record["at"], tz=UTC) if record.get("at") else None,
    }
    return render(request, "studies/bulk_stopped.html", context, status=409)


def _confirm_cancel(request, picks, *, nonce: str, back: str):
    """Cancelling asks first, as a row's Cancel does: which studies, and that an admin can
    restore them. Their descriptions come from the queue's picture when it has them (no
    Avara call); the confirmation carries the same selection and nonce."""
    try:
        snapshot = queue_snapshot(wait=False)
    except upstream.UpstreamError:
        snapshot = None
    known = {s.study_id: s for s in snapshot.studies} if snapshot else {}
    context = {
        "picks": [f"{study_id}~{token}" for study_id, token in picks],
        "studies": [(study_id, known.get(study_id)) for study_id, _ in picks],
        "count": len(picks),
        "nonce": nonce,
        "back": back,
    }
    return render(request, "studies/bulk_confirm.html", context)
