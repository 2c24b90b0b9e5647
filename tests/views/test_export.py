"""CSV exports of a filtered list: read page by page as the file is sent, in people's
words and the user's time zone, with the list's role rules, at most TRIAGE_EXPORT_MAX
studies, formulas made inert, and an audit entry saying who took what."""

import csv
import io

import httpx
import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.utils import timezone
from view_helpers import (
    SMITH,
    STUDIES,
    error_json,
    hx,
    only_audit,
    page_json,
    sent_query,
    study_json,
    text,
)

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditEntry
from studies.views import export

pytestmark = pytest.mark.stores  # audit rows, on PostgreSQL too

HEADINGS = [
    "Severity",
    "Status",
    "Description",
    "Study Instance UID",
    "Study ID",
    "Assignee",
    "Assignee email",
    "Customer",
    "Created (UTC)",
    "Updated (UTC)",
    "Turnaround",
    "Cancelled",
    "Cancelled at (UTC)",
    "Created by",
    "Metadata",
]


def _file(response) -> list[list[str]]:
    """The whole file as a spreadsheet program would read it."""
    assert response.streaming, "an export is streamed, never built whole"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # the byte order mark spreadsheets look for
    return list(csv.reader(io.StringIO(body[1:])))


def _pages(avara, *pages):
    """Avara's list answering these pages one after another (cursors "p2", "p3"...)."""
    answers = []
    for i, studies in enumerate(pages):
        last = i == len(pages) - 1
        cursor = None if last else f"p{i + 2}"
        answers.append(httpx.Response(200, json=page_json(*studies, cursor=cursor, has_more=True)))
    return avara.get(STUDIES).mock(side_effect=answers)


def test_the_file_speaks_as_the_pages_do(login, avara):
    route = _pages(avara, [study_json(1), study_json(2, assignedTo=None, expressCustomer=None)])

    response = login(SUPERVISOR).get("/export?severity=high&status=incomplete")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="avara-worklist-')
    assert response["X-Export-Max"] == "10000"
    rows = _file(response)
    assert rows[0] == HEADINGS
    first = dict(zip(HEADINGS, rows[1], strict=True))
    assert first | {"Turnaround": ""} == {
        "Severity": "High",
        "Status": "Incomplete",
        "Description": "Example study 1",
        "Study Instance UID": "1.2.840.10008.99.1",
        "Study ID": study_json(1)["studyId"],
        "Assignee": SMITH,
        "Assignee email": "dr.smith@radiology.com",
        "Customer": "City Medical Center",
        "Created (UTC)": "2024-03-15 10:30",
        "Updated (UTC)": "2024-03-15 14:20",
        "Turnaround": "",
        "Cancelled": "No",
        "Cancelled at (UTC)": "",
        "Created by": SMITH,
        "Metadata": "department: radiology; priority: urgent",
    }
    assert first["Turnaround"] == "Overdue"  # 2024: long past its 4 h
    second = dict(zip(HEADINGS, rows[2], strict=True))
    assert (second["Assignee"], second["Customer"]) == ("Unassigned", "")
    assert len(rows) == 3
    assert sent_query(route)["severity"] == "high"
    assert sent_query(route)["limit"] == "100"  # Avara's largest page


def test_times_are_in_the_users_time_zone_even_after_the_view_returned(login, avara):
    """The zone (the browser's, by its cookie) is taken when the request is answered: the
    rows are written later, when the middleware has set it back."""
    _pages(avara, [study_json(1)])
    client = login(SUPERVISOR)
    client.cookies["triage_tz"] = "Asia/Tokyo"

    response = client.get("/export")
    assert timezone.get_current_timezone_name() != "Asia/Tokyo"
    rows = _file(response)

    assert rows[0][8] == "Created (Asia/Tokyo)"
    assert rows[1][8] == "2024-03-15 19:30"  # 10:30 UTC


def test_every_page_is_read_one_after_another(login, avara):
    pages = [[study_json(n) for n in range(k * 100 + 1, k * 100 + 101)] for k in range(2)]
    route = _pages(avara, *pages, [study_json(201)])

    rows = _file(login(SUPERVISOR).get("/export"))

    assert len(rows) == 1 + 201
    assert route.call_count == 3
    cursors = [dict(c.request.url.params).get("cursor") for c in route.calls]
    assert cursors == [None, "p2", "p3"]


def test_a_study_pushed_onto_the_next_page_is_written_once(login, avara):
    """New studies arrive at the top of Avara's list between two page reads: the last
    of one page comes again at the top of the next."""
    first = [study_json(n) for n in range(1, 101)]
    _pages(avara, first, [study_json(100), study_json(101)])

    rows = _file(login(SUPERVISOR).get("/export"))

    ids = [row[4] for row in rows[1:]]
    assert len(ids) == len(set(ids)) == 101


@pytest.mark.parametrize("asked", ["", "?cancelled=cancelled", "?cancelled=all"])
def test_a_radiologist_never_exports_a_cancelled_study(login, avara, asked):
    """The role's rule is the export's own, whatever the URL asks, and holds even when
    Avara sends a cancelled study anyway."""
    route = _pages(avara, [study_json(1), study_json(2, isCancelled=True)])

    rows = _file(login(RADIOLOGIST).get(f"/export{asked}"))

    assert sent_query(route)["isCancelled"] == "false"
    assert [row[4] for row in rows[1:]] == [study_json(1)["studyId"]]
    assert only_audit(action="export").after["rows"] == 1


def test_an_admin_exports_cancelled_studies_when_asked(login, avara):
    route = _pages(avara, [study_json(2, isCancelled=True, cancelledAt="2024-03-16T08:00:00Z")])

    rows = _file(login(ADMIN).get("/export?cancelled=cancelled"))

    assert sent_query(route)["isCancelled"] == "true"
    assert (rows[1][11], rows[1][12]) == ("Yes", "2024-03-16 08:00")


def test_at_most_the_limit_and_the_file_says_so(login, avara, settings):
    settings.TRIAGE_EXPORT_MAX = 3
    _pages(avara, [study_json(n) for n in range(1, 6)])

    rows = _file(login(SUPERVISOR).get("/export"))

    assert len(rows) == 1 + 3 + 1
    assert rows[-1] == [
        "Stopped at the export limit of 3 studies: more match these filters. Narrow them "
        "(severity, status, assignee, customer) to export the rest."
    ]
    entry = only_audit(action="export")
    assert (entry.after["rows"], entry.after["capped"]) == (3, True)


def test_exactly_the_limit_is_not_called_short(login, avara, settings):
    settings.TRIAGE_EXPORT_MAX = 2
    _pages(avara, [study_json(1), study_json(2)])

    rows = _file(login(SUPERVISOR).get("/export"))

    assert len(rows) == 3 and rows[-1][0] == "High"
    assert only_audit(action="export").after["capped"] is False


@pytest.mark.parametrize(
    ("description", "written"),
    [
        ('=HYPERLINK("http://evil.test","x")', '\'=HYPERLINK("http://evil.test","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "' =1"),  # a line break becomes a space: one line per study
        ("CT =1", "CT =1"),
        ("MR\nLumbar", "MR Lumbar"),
    ],
)
def test_a_cell_is_never_a_formula(login, avara, description, written):
    _pages(avara, [study_json(1, studyDescription=description, metadata={"=k": "-v"})])

    rows = _file(login(SUPERVISOR).get("/export"))

    assert rows[1][2] == written
    assert rows[1][14] == "'=k: -v"
    assert len(rows) == 2


def test_who_took_what_is_audited(login, avara):
    _pages(avara, [study_json(1), study_json(2)])
    client = login(SUPERVISOR)

    _file(client.get("/export?severity=high&q=chest&page=7"))

    entry = only_audit()
    assert (entry.action, entry.outcome, entry.actor) == ("export", "applied", client.user)
    assert entry.after == {
        "list": "worklist",
        "severity": "high",
        "q": "chest",
        "rows": 2,
        "capped": False,
    }
    assert entry.detail == "Exported 2 studies."


def test_avara_down_at_the_start_is_a_page_not_a_broken_file(login, avara):
    avara.get(STUDIES).respond(503, json=error_json("Down.", kind="api_error"))

    response = login(SUPERVISOR).get("/export")

    assert response.status_code == 503
    assert not response.streaming
    assert "Nothing was exported: Avara is not answering" in text(response)
    entry = only_audit()
    assert (entry.outcome, entry.after["rows"]) == ("not_applied", 0)


def test_avara_failing_midway_ends_the_file_with_why(login, avara):
    avara.get(STUDIES).mock(
        side_effect=[
            httpx.Response(
                200,
                json=page_json(*[study_json(n) for n in range(1, 101)], cursor="p2", has_more=True),
            ),
            httpx.Response(503, json=error_json("Down.", kind="api_error")),
        ]
    )

    rows = _file(login(SUPERVISOR).get("/export"))

    assert len(rows) == 1 + 100 + 1
    assert rows[-1][0].startswith("Incomplete: stopped after 100 studies. Avara is not answering")
    entry = only_audit()
    assert (entry.outcome, entry.after["rows"]) == ("not_applied", 100)


def test_a_download_closed_early_is_audited_as_such(login, avara, rf):
    """The server closes the response of a client that went away mid-file (the view
    called directly, so that this test's database connection outlives the close, as
    Django's test client keeps it around a request)."""
    _pages(avara, [study_json(n) for n in range(1, 101)], [study_json(n) for n in range(101, 201)])
    request = rf.get("/export")
    request.user = login(SUPERVISOR).user

    response = export.export(request)
    next(iter(response.streaming_content))
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    entry = only_audit()
    assert (entry.outcome, entry.actor) == ("not_applied", request.user)
    assert entry.detail == "The download was closed after 100 studies."


def test_the_queue_exports_its_view_in_queue_order(login, avara):
    """The queue's picture (one list read per severity), its "Mine" view, its order."""
    me = login(RADIOLOGIST)
    reader = {"userId": me.user.account.avara_user_id, "email": "me@clinic.test", "firstName": "Me"}
    stat = study_json(1, severity="stat", assignedTo=reader)
    high = study_json(2, severity="high", assignedTo=reader)
    theirs = study_json(3, severity="stat")
    by_severity = {"stat": [stat, theirs], "high": [high], "normal": []}
    avara.get(STUDIES).mock(
        side_effect=lambda request: httpx.Response(
            200, json=page_json(*by_severity[request.url.params["severity"]])
        )
    )

    response = me.get("/queue/export?show=mine")

    assert response["Content-Disposition"].startswith('attachment; filename="avara-queue-')
    rows = _file(response)
    assert [row[4] for row in rows[1:]] == [stat["studyId"], high["studyId"]]
    assert only_audit().after == {"list": "queue", "show": "mine", "rows": 2, "capped": False}


def test_a_search_by_part_of_a_uid_exports_what_it_finds(login, avara):
    by_severity = {
        "stat": [study_json(1, severity="stat", studyInstanceUid="1.2.3.4567")],
        "high": [study_json(2, severity="high", studyInstanceUid="1.2.3.8888")],
        "normal": [],
    }
    avara.get(STUDIES).mock(
        side_effect=lambda request: httpx.Response(
            200, json=page_json(*by_severity[request.url.params["severity"]])
        )
    )

    rows = _file(login(SUPERVISOR).get("/export?q=4567"))

    assert [row[3] for row in rows[1:]] == ["1.2.3.4567"]


def test_the_page_offers_the_export_of_its_filters_and_says_the_limit(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1), cursor="p2", has_more=True))

    page = text(login(SUPERVISOR).get("/?severity=stat&c=p1&p=2"))
    results = text(login(SUPERVISOR).get("/?severity=stat", headers=hx(target="results")))

    assert '<a href="/export?severity=stat" data-export download>Export CSV</a>' in page
    assert "(up to 10,000)" in page
    assert 'href="/export?severity=stat"' in results


def test_compression_leaves_the_stream_alone(login, avara):
    """The pages' compression takes HTML only: a CSV goes out as it is written, chunk by
    chunk, never gathered first to be compressed whole."""
    _pages(avara, [study_json(n) for n in range(1, 101)], [study_json(n) for n in range(101, 151)])

    response = login(SUPERVISOR).get("/export", headers={"Accept-Encoding": "zstd, gzip"})

    assert response.streaming and "Content-Encoding" not in response
    assert "Content-Length" not in response
    chunks = list(response.streaming_content)
    assert len(chunks) >= 3  # the headings, then a hundred rows at a time
    assert not AuditEntry.objects.exclude(action="export").exists()
