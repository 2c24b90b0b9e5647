"""The supervisor's board: who has what, a line's studies, turnaround; and Balance.

Everything on the board comes from the shared queue snapshot and the users directory
(studies/board/): a page view costs Avara nothing while they are fresh. It refreshes
itself like the queue (ETag; 304 when nothing it shows changed).
"""

from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from studies import upstream
from studies.accounts.capabilities import Capabilities
from studies.board.balance import balance_plan
from studies.board.turnaround import turnaround_report
from studies.board.workload import line_studies, workload_now
from studies.messages import upstream_message
from studies.models import AuditAction
from studies.services import BulkAction, BulkJob
from studies.validators import small_number
from studies.views.bulk import BAD_NONCE, sent_already, stopped
from studies.views.respond import etag_of, list_state, not_modified, unchanged_since
from studies.web.board import (
    BoardFilterForm,
    board_link,
    board_rows,
    board_state,
    line_heading,
    plan_rows,
    worklist_link,
)
from studies.web.bulk import BulkRequest, results_response
from studies.web.fragments import fragment
from studies.web.http import permission_required
from studies.web.nonce import BAD, FRESH, form_nonce, form_nonce_state, form_nonce_use
from studies.web.presenters import zone_name
from studies.web.row_cache import list_digest, rendered_rows
from studies.web.turnaround import turnaround_view

PAGE_SIZE = 50
PLAN_SALT = "triage.balance.plan"
PLAN_SECONDS = 24 * 3600


@never_cache
@require_GET
@permission_required("view_workload")
def workload(request):
    form = BoardFilterForm(request.GET)
    sort, key = form.value("sort", "load"), form.value("line")
    severity, clock_state = form.value("severity"), form.value("clock")
    now = timezone.now()
    context = {"form": form, "sort": sort, "loaded_at": now, "rule": RULE}
    try:
        board, snapshot = workload_now(now=now)
    except upstream.UpstreamError as exc:
        context["problem"] = upstream_message(exc)
        return _render(request, context, status=503)
    rows = board_rows(board, sort=sort, base=request.path, now=now)
    context["lines_html"] = _lines_html(rows, open_key=key)
    report = turnaround_report()
    context.update(
        board=board,
        snapshot=snapshot,
        rows=rows,
        chart=turnaround_view(report),
        sort_links={s: _sorted_link(request, s) for s in ("load", "name")},
    )
    parts = [sort, key, severity, clock_state, board_state(rows), snapshot.truncated]
    parts += [board.directory_problem, report.built_at if report else None]
    line = board.line(key) if key else None
    if line is not None:
        context["drill"], state = _line_studies(request, board, snapshot, form, now)
        parts += state
        context["loads"] = {
            r.key: f"{r.total} open, cap {r.cap}" for r in rows if r.kind == "reader"
        }
    context["etag"] = etag = etag_of(request, parts)
    if unchanged_since(request, etag):
        return not_modified(etag)
    response = _render(request, context)
    response["ETag"] = etag
    return response


def _line_studies(request, board, snapshot, form, now) -> tuple[dict, list]:
    """A line's studies under the board (a page of them, in queue order, rows with their
    checkboxes), and what of them the ETag must cover."""
    key, sort = form.value("line"), form.value("sort", "load")
    severity, clock_state = form.value("severity"), form.value("clock")
    studies = line_studies(
        board, snapshot.studies, key=key, severity=severity, clock_state=clock_state, now=now
    )
    page = Paginator(studies, PAGE_SIZE).get_page(form.value("page", 1))
    digest = list_digest(page.object_list)
    caps = Capabilities.of(request.user)
    line = board.line(key)
    drill = {
        "line": line,
        "heading": line_heading(line, severity=severity, clock_state=clock_state),
        "page": page,
        "total": len(studies),
        "rows_html": rendered_rows(
            page.object_list, request.user, caps=caps, digest=digest, now=now
        ),
        "worklist": worklist_link(reverse("studies:worklist"), key=key, severity=severity),
        "all": board_link(request.path, sort=sort, line=key),
        "narrowed": bool(severity or clock_state),
    }
    return drill, [page.number, len(studies), list_state(page.object_list, now, digest=digest)]


def _lines_html(rows, *, open_key: str) -> str:
    """The board's lines, rendered once and kept under everything they print (every
    field of every line, its bar included, the open line, the time zone their times are
    named in): fifty supervisors watching one picture draw its forty bars once."""
    key = (repr(rows), open_key, zone_name())

    def context() -> dict:
        return {"rows": rows, "open_key": open_key}

    return fragment("studies/workload.html#board-lines", key, context)


RULE = (
    "Radiologists are the Avara users whose clinic role is Radiologist. Open: still to be "
    "read and not cancelled. Overdue and due soon as on the queue."
)


def _render(request, context, *, status: int = 200):
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target == "results":
        return render(request, "studies/workload.html#results", context, status=status)
    return render(request, "studies/workload.html", context, status=status)


def _sorted_link(request, sort: str) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    if sort == "load":
        query.pop("sort", None)
    else:
        query["sort"] = sort
    return f"{request.path}?{query.urlencode()}" if query else request.path


# --- Balance ----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("view_workload", audit_action=AuditAction.UPDATE)
def balance(request):
    """GET: the plan (nothing moves). POST: apply the moves still ticked, unless the open
    work changed since the plan was made: then the new plan is shown instead."""
    if request.method == "POST":
        return _apply(request)
    leave_out = request.GET.getlist("leave_out")
    hand_out = request.GET.getlist("hand_out")
    return _plan_page(request, leave_out=leave_out, hand_out=hand_out)


def _plan_page(request, *, leave_out, hand_out, changed: bool = False, status: int = 200):
    now = timezone.now()
    context = {"changed": changed, "loaded_at": now}
    try:
        board, snapshot = workload_now(now=now)
    except upstream.UpstreamError as exc:
        context["problem"] = upstream_message(exc)
        return render(request, "studies/balance.html", context, status=503)
    context.update(board=board, snapshot=snapshot)
    if board.directory_problem:
        context["problem"] = (
            "Balance needs Avara's user list to know who the radiologists are, and it could "
            f"not be read: {board.directory_problem}"
        )
        return render(request, "studies/balance.html", context, status=503)
    plan = balance_plan(board, snapshot.studies, now=now, leave_out=leave_out, hand_out=hand_out)
    blob = {
        "d": plan.digest,
        "m": [[m.study_id, m.source, m.target] for m in plan.moves],
        "l": sorted(plan.leave_out),
        "h": sorted(plan.hand_out),
    }
    context.update(
        plan=plan,
        rows=plan_rows(board, plan),
        signed=signing.dumps(blob, salt=PLAN_SALT, compress=True),
        nonce=form_nonce(request.user),
        over_cap=[line for line in board.readers if line.over_cap],
    )
    return render(request, "studies/balance.html", context, status=status)


def _apply(request):
    back = reverse("studies:workload")
    try:
        blob = signing.loads(request.POST.get("plan", ""), salt=PLAN_SALT, max_age=PLAN_SECONDS)
    except signing.BadSignature:
        message = "This plan is too old or was altered; nothing was moved. Make a new plan."
        return stopped(request, message, back=reverse("studies:balance"), status=400)
    nonce = request.POST.get("nonce", "")
    state = form_nonce_state(nonce, request.user)
    if state == BAD:
        return stopped(request, BAD_NONCE, back=reverse("studies:balance"), status=400)
    if state != FRESH:
        return sent_already(request, nonce, back=back)
    now = timezone.now()
    try:
        # The plan is checked against the work as it is now, outside changes included:
        # a picture up to TRIAGE_QUEUE_SECONDS old could miss a study someone gave a
        # reader meanwhile, and the moves would then take them over their cap.
        board, snapshot = workload_now(now=now, max_age=settings.TRIAGE_BALANCE_FRESH_SECONDS)
    except upstream.UpstreamError as exc:
        return stopped(request, upstream_message(exc), back=back, status=503)
    if snapshot.late:
        message = (
            "The plan could not be checked against the open work as it is now, so nothing "
            f"was moved. {snapshot.late}"
        )
        return stopped(request, message, back=reverse("studies:balance"), status=503)
    plan = balance_plan(board, snapshot.studies, now=now, leave_out=blob["l"], hand_out=blob["h"])
    if plan.digest != blob["d"]:
        # The open work, the readers or their caps changed: this plan may no longer fit.
        return _plan_page(
            request, leave_out=blob["l"], hand_out=blob["h"], changed=True, status=409
        )
    jobs = _moves_ticked(blob["m"], request.POST.getlist("move"))
    if not jobs:
        return stopped(request, "No move was ticked; nothing was moved.", back=back, status=400)
    if form_nonce_use(nonce, request.user) != FRESH:
        return sent_already(request, nonce, back=back)
    heading = f"Balance: {len(jobs)} {'move' if len(jobs) == 1 else 'moves'}"
    return results_response(
        BulkRequest(request, heading, jobs, back, nonce, BulkAction.ASSIGN, None)
    )


def _moves_ticked(moves: list, ticked: list[str]) -> list[BulkJob]:
    """The plan's moves still ticked, as bulk reassign jobs checked against the assignee
    the plan saw (the plan is signed: only its own moves can be ticked)."""
    numbers = (small_number(n, digits=6) for n in ticked)
    chosen = sorted({n for n in numbers if n is not None and n < len(moves)})
    return [
        BulkJob(moves[n][0], BulkAction.ASSIGN, moves[n][2], seen={"assigned_to": moves[n][1]})
        for n in chosen
    ]
