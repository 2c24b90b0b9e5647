"""A list as a CSV file: human column names and values, written as the studies come.

- Names, not ids (the study's own id and UID excepted: they are what finds it again);
  severity and status as the pages word them; times in the user's time zone, named in
  the column headings.
- One line per study: a line break inside a value becomes a space.
- Formula injection neutralised: a cell starting with = + - @, a tab or a carriage
  return (after any spaces) is written with a leading apostrophe, so a spreadsheet
  shows it as text and never evaluates it (OWASP's advice for CSV injection).
- UTF-8 with a byte order mark, so spreadsheet programs read accents right.
- A last line says when the export stopped short: at TRIAGE_EXPORT_MAX rows, or because
  Avara stopped answering.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, tzinfo
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from studies.queue import clock
from studies.services.fields import SEVERITY_LABELS, STATUS_LABELS

BOM = "\ufeff"
CHUNK = 100  # rows written out at a time
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAKS = str.maketrans({"\r": " ", "\n": " ", "\u2028": " ", "\u2029": " "})
# The filters an export takes from a list's URL (the worklist's form, the queue's view).
EXPORT_PARAMS = ("q", "severity", "status", "assignee", "customer", "cancelled", "show")
TURNAROUND = {"ok": "On time", "soon": "Due soon", "overdue": "Overdue"}


def export_url(query, *, queue: bool = False) -> str:
    """The export of the list at this URL's query: its filters (not its page)."""
    kept = [(k, v) for k in EXPORT_PARAMS for v in query.getlist(k) if v]
    base = reverse("studies:queue_export" if queue else "studies:export")
    return f"{base}?{urlencode(kept)}" if kept else base


def inert(value: str) -> str:
    """A cell's text, one line, never taken for a formula."""
    text = value.translate(_LINE_BREAKS)
    # Leading spaces too: some spreadsheet programs trim them before reading a formula.
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


def headings(zone_name: str) -> list[str]:
    return [
        "Severity",
        "Status",
        "Description",
        "Study Instance UID",
        "Study ID",
        "Assignee",
        "Assignee email",
        "Customer",
        f"Created ({zone_name})",
        f"Updated ({zone_name})",
        "Turnaround",
        "Cancelled",
        f"Cancelled at ({zone_name})",
        "Created by",
        "Metadata",
    ]


def _time(value: datetime | None, zone: tzinfo) -> str:
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""


def _person(ref) -> str:
    return ref.display_name if ref else ""


def cells(study, *, zone: tzinfo, now: datetime) -> list[str]:
    """One study as the file's row, every cell inert."""
    customer = study.express_customer
    open_ = study.study_viewer_status == "incomplete" and not study.is_cancelled
    key = study.created_by_api_key
    made_by = _person(study.created_by_user) or (key.description if key else "")
    values = [
        SEVERITY_LABELS.get(study.severity, study.severity),
        STATUS_LABELS.get(study.study_viewer_status, study.study_viewer_status),
        study.study_description,
        study.study_instance_uid,
        study.study_id,
        _person(study.assigned_to) or "Unassigned",
        study.assigned_to.email if study.assigned_to else "",
        customer.express_customer_name if customer else "",
        _time(study.created_at, zone),
        _time(study.updated_at, zone),
        TURNAROUND[clock(study, now)] if open_ else "",
        "Yes" if study.is_cancelled else "No",
        _time(study.cancelled_at, zone),
        made_by,
        "; ".join(f"{k}: {v}" for k, v in (study.metadata or {}).items()),
    ]
    return [inert(v or "") for v in values]


def csv_text(export, *, zone: tzinfo) -> Iterator[str]:
    """The file, piece by piece: the headings, then CHUNK rows at a time as the export's
    studies come, then (when it stopped short) a line saying why."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headings(str(zone)))
    yield BOM + _taken(buffer)
    now = timezone.now()
    # Closed with the file: a download abandoned midway ends the export (and its audit
    # entry says so) at once, not whenever the garbage collector gets to it.
    with closing(export.studies()) as studies:
        for written, study in enumerate(studies, start=1):
            writer.writerow(cells(study, zone=zone, now=now))
            if written % CHUNK == 0:
                yield _taken(buffer)
    if export.capped:
        writer.writerow(
            [
                f"Stopped at the export limit of {export.limit:,} studies: more match these "
                "filters. Narrow them (severity, status, assignee, customer) to export the rest."
            ]
        )
    elif export.failure:
        writer.writerow(
            [inert(f"Incomplete: stopped after {export.rows:,} studies. {export.failure}")]
        )
    yield _taken(buffer)


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
