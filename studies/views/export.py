"""CSV exports of the worklist's and the queue's filtered lists, streamed as they are read."""

import itertools
from contextlib import closing

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from studies import services, validators
from studies.accounts.capabilities import Capabilities
from studies.web.exports import EXPORT_PARAMS, csv_text
from studies.web.forms import QueueFilterForm, WorklistFilterForm, list_filters
from studies.web.http import refuse


@never_cache
@require_GET
def export(request):
    """The worklist's list as these filters give it (every page, not only the one shown)."""
    form = WorklistFilterForm(request.GET)
    caps = Capabilities.of(request.user)
    filters = list_filters(form, me=caps.me, can_see_cancelled=caps.see_cancelled)
    if form.value("assignee") == "me" and not caps.me:
        filters["assigned_to"] = None  # as the list itself shows it
    q = form.value("q")
    # Any id or UID (whole or in part) is looked for among the open work, as the list
    # finds parts of them; a whole one opens its study instead of a list.
    fragment = validators.id_fragment(q) if q else None
    if fragment is None and q and validators.is_study_id(q):
        fragment = validators.IdFragment(text=q, hex=q[4:])
    run = services.study_export(
        actor=request.user,
        source="worklist",
        filters=filters,
        fragment=fragment,
        described=_chosen(request),
    )
    return _streamed(request, run, "worklist")


@never_cache
@require_GET
def queue_export(request):
    """The queue's view (everyone's, unassigned, mine, overdue), in queue order."""
    show = QueueFilterForm(request.GET).value("show", "all")
    run = services.study_export(
        actor=request.user, source="queue", filters={}, show=show, described=_chosen(request)
    )
    return _streamed(request, run, "queue")


def _chosen(request) -> dict:
    """The filters as the user chose them (for the audit trail)."""
    return {k: request.GET[k][:200] for k in EXPORT_PARAMS if request.GET.get(k)}


def _streamed(request, run, name: str):
    """The file, streamed; the first rows are read before answering, so an Avara that
    cannot give any is an error page rather than a broken download."""
    zone = timezone.get_current_timezone()  # the user's, captured: the body is sent later
    chunks = csv_text(run, zone=zone)
    head = [next(chunks)]
    head += itertools.islice(chunks, 1)
    if run.failure and not run.rows:
        chunks.close()
        return refuse(request, f"Nothing was exported: {run.failure}", status=503)
    response = StreamingHttpResponse(_sent(head, chunks), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(timezone.now(), zone).strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="avara-{name}-{stamp}.csv"'
    response["X-Export-Max"] = str(settings.TRIAGE_EXPORT_MAX)
    response["X-Accel-Buffering"] = "no"  # a proxy (nginx) passes it on as it comes
    return response


def _sent(head: list, chunks):
    """The file's pieces; closing the response (the server does, once the client is
    done or gone) closes the export, which then writes its audit entry."""
    with closing(chunks):
        yield from head
        yield from chunks
