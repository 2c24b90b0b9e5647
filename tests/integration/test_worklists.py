"""Issue 23 against the sandbox over HTTP, on its seeded data: every quick filter's total
equals an independent listing of the sandbox (and the "more than" form never
understates it); a part of a UID or id finds exactly the open studies holding it; a
whole UID of a completed study is still found through Avara; a CSV of 5,000 studies
streams in flat memory and opens in Python's csv module, formulas inert."""

import csv
import io
import re
import tracemalloc
from datetime import datetime
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from studies import queue
from studies.models import Account

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = re.compile(r'<tr id="study-(stu_[0-9a-f]{32})"')
TOTAL = re.compile(r'<strong id="list-total" class="total"[^>]*>([^<]+)</strong>')
NEXT = re.compile(r'<a class="button" rel="next" href="([^"]+)"')


def _total(body: str) -> str:
    (found,) = TOTAL.findall(body)
    return found


def _count_said(said: str, shown: int) -> tuple[int, bool]:
    """(the number, exact?) from "25 of 230 studies", "7 studies", "25 of more than 50 studies"."""
    numbers = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+", said)]
    if "more than" in said:
        return numbers[-1], False
    assert numbers[0] == shown
    return numbers[-1], True


def _me(role_user: str) -> str:
    return Account.objects.get(user__username=role_user).avara_user_id


def _open(sandbox, **filters):
    return sandbox.studies(study_viewer_status="incomplete", is_cancelled=False, **filters)


def _overdue(studies) -> list:
    now = timezone.now()
    return [s for s in studies if queue.clock(s, now) == "overdue"]


@pytest.fixture
def busy(dashboard, sandbox):
    """200 seeded studies: more than a page for most quick filters."""
    sandbox.reset(seed=1, studies=200)
    call_command("create_demo_accounts", stdout=StringIO())
    cache.clear()
    return sandbox


QUICK = {
    # name: (who, URL, the independent listing)
    "my queue": (
        "Radiologist",
        "/?assignee=me&status=incomplete",
        lambda sb: _open(sb, assigned_to=_me("radiologist")),
    ),
    "unassigned": (
        "Supervisor",
        "/?assignee=none",
        lambda sb: sb.studies(assigned_to=None, is_cancelled=False),
    ),
    "stat to read": (
        "Supervisor",
        "/?severity=stat&status=incomplete",
        lambda sb: _open(sb, severity="stat"),
    ),
    "overdue": ("Supervisor", "/queue?show=overdue", lambda sb: _overdue(_open(sb))),
    "queue": ("Radiologist", "/queue", lambda sb: _open(sb)),
    "queue unassigned": (
        "Radiologist",
        "/queue?show=unassigned",
        lambda sb: _open(sb, assigned_to=None),
    ),
    "queue mine": (
        "Radiologist",
        "/queue?show=mine",
        lambda sb: _open(sb, assigned_to=_me("radiologist")),
    ),
}


@pytest.mark.parametrize("name", list(QUICK))
def test_every_quick_filter_says_how_many_the_sandbox_holds(as_role, busy, sandbox, name):
    role, url, listing = QUICK[name]
    client = as_role(role)
    client.get("/queue")  # the open work's picture, as the day's first page reads it
    sep = "&" if "?" in url else "?"

    body = client.get(f"{url}{sep}limit=25").content.decode()
    truth = listing(sandbox)

    said, exact = _count_said(_total(body), len(ROWS.findall(body)))
    if exact:
        assert said == len(truth), (name, _total(body))
    else:
        assert said < len(truth), (name, _total(body))  # "more than" never understates
    # Every page says so too, and the last one knows the count.
    seen = set(ROWS.findall(body))
    while match := NEXT.search(body):
        path = url.split("?")[0]
        body = client.get(path + match.group(1).replace("&amp;", "&")).content.decode()
        said, exact = _count_said(_total(body), len(ROWS.findall(body)))
        assert said == len(truth) if exact else said < len(truth)
        seen |= set(ROWS.findall(body))
    assert exact and said == len(truth) == len(seen)


def test_the_quick_filters_are_worth_testing(as_role, busy, sandbox):
    """The seed gives each quick filter something to count, and more than a page where
    the "more than" form is what the page can say."""
    sizes = {name: len(listing(sandbox)) for name, (_, _, listing) in QUICK.items()}

    assert all(size > 0 for size in sizes.values()), sizes
    assert sizes["unassigned"] > 25


def test_a_part_of_a_uid_or_id_finds_exactly_the_open_studies_holding_it(
    as_role, dashboard, sandbox
):
    client = as_role("Radiologist")
    work = _open(sandbox)
    first = work[0]
    uid, sid = first.study_instance_uid, first.study_id
    parts = {
        "short form": (
            f"{uid[:8]}\u2026{uid[-8:]}",
            lambda s: (
                s.study_instance_uid.startswith(uid[:8]) and s.study_instance_uid.endswith(uid[-8:])
            ),
        ),
        "its digits": (
            uid[-5:],
            lambda s: uid[-5:] in s.study_instance_uid or uid[-5:] in s.study_id,
        ),
        "a start": (uid[:12], lambda s: uid[:12] in s.study_instance_uid),
        "part of the id": (sid[:10], lambda s: sid[4:10] in s.study_id[4:]),
    }
    for name, (typed, holds) in parts.items():
        body = client.get("/", {"q": typed, "limit": 100}).content.decode()
        shown = set(ROWS.findall(body))
        assert shown == {s.study_id for s in work if holds(s)}, name
        assert sid in shown, name
        assert "Searched the open work" in body


def test_a_whole_uid_of_a_completed_study_is_found_through_avara(as_role, dashboard, sandbox):
    done = sandbox.studies(study_viewer_status="complete", is_cancelled=False)[0]
    client = as_role("Radiologist")
    sandbox.clear_requests()

    response = client.get("/", {"q": done.study_instance_uid})

    assert response.status_code == 302
    assert response["Location"] == f"/studies/{done.study_id}"
    asked = sandbox.requests(method="GET")
    assert [r["path"] for r in asked] == [f"/v1/viewer/studies/by-uid/{done.study_instance_uid}"]


def _streamed(response, path) -> tuple[int, int, int]:
    """(bytes written, chunks, peak bytes traced) while the file is written to `path`."""
    tracemalloc.start()
    try:
        written, chunks = 0, 0
        with path.open("wb") as out:
            for chunk in response.streaming_content:
                out.write(chunk)
                written += len(chunk)
                chunks += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return written, chunks, peak


def test_a_csv_of_5000_studies_streams_in_flat_memory(as_role, dashboard, sandbox, tmp_path):
    sandbox.reset(seed=2, studies=5000)
    formula = sandbox.study(study_description='=HYPERLINK("http://evil.test","Open")')
    cache.clear()
    client = as_role("Admin")  # cancelled studies too: every study the sandbox holds
    b"".join(client.get("/export?severity=stat").streaming_content)  # one-time costs first
    few = tmp_path / "few.csv"
    path = tmp_path / "export.csv"

    small, _, small_peak = _streamed(client.get("/export?severity=stat&cancelled=all"), few)
    written, chunks, peak = _streamed(client.get("/export?cancelled=all"), path)

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["Severity", "Status", "Description", "Study Instance UID"]
    assert rows[0][8].startswith("Created (") and len(rows[0]) == 15
    assert len(rows) == 1 + 5001
    assert len({row[4] for row in rows[1:]}) == 5001
    (inert,) = [row for row in rows if row[4] == formula.study_id]
    assert inert[2] == '\'=HYPERLINK("http://evil.test","Open")'
    assert datetime.strptime(rows[1][8], "%Y-%m-%d %H:%M")
    assert chunks > 50  # sent a hundred rows at a time
    # Flat: several times the rows, about the same memory (a page of Avara's answer and
    # a hundred rows of the file at a time), and well under what it wrote.
    print(f"export: {small} bytes, peak {small_peak}; {written} bytes, peak {peak}")
    assert written > 4 * small
    assert peak < 1.5 * small_peak + 100_000, (small_peak, peak)
    assert peak < written / 2
