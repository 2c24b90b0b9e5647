"""A row that changes brings the page's counts along, out of band, in the same answer: the
pager's text, the STAT banner (whose number the title shows) and, when the last row of
the page left, the empty-table line. Never "Page 1 · 2 studies" over an empty table, and
no old STAT count until the next poll."""

import re

import pytest
from view_helpers import (
    RADIOLOGIST_ID,
    STUDIES,
    called,
    hx,
    page_json,
    person_json,
    row_token,
    study_id,
    study_json,
    text,
)

from studies import upstream
from studies.accounts.roles import RADIOLOGIST, SUPERVISOR
from studies.queue import queue_snapshot

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
ME = person_json(RADIOLOGIST_ID, "First1", "Last1")
UNASSIGNED_LIST = "http://testserver/?assignee=none"
OPEN = {"studyViewerStatus": "incomplete", "isCancelled": "false"}


def picture(avara, stat: list[dict]) -> list:
    """Avara's answers to the reads of the queue's picture (one per severity), whose open
    STAT studies nobody has claimed are "STAT waiting"; the routes."""
    return [
        avara.get(STUDIES, params={"severity": severity, **OPEN}, name=severity).respond(
            json=page_json(*(stat if severity == "stat" else []))
        )
        for severity in ("stat", "high", "normal")
    ]


@pytest.fixture
def claimable(avara):
    """An unassigned STAT study that a claim makes the radiologist's."""
    avara.get(STUDY_PATH).respond(json=study_json(1, severity="stat", assignedTo=None))
    claimed = study_json(1, severity="stat", assignedTo=ME)
    claimed["updatedAt"] = "2099-01-01T00:00:00.000Z"  # Avara's clock moves with the claim
    avara.patch(STUDY_PATH).respond(json=claimed)
    return avara


def claim(client, current_url: str, rows: str | None = None):
    headers = hx(current_url=current_url)
    if rows is not None:
        headers["X-Triage-Rows"] = rows
    return client.post(f"/studies/{SID}/claim", {"t": row_token(SID, assignee="")}, headers=headers)


def oob(response, element_id: str) -> str | None:
    """The out-of-band piece for `element_id` in an answer, or None."""
    pattern = rf'<(?P<tag>[a-z]+) id="{element_id}"[^>]*hx-swap-oob="true"[^>]*>.*?</(?P=tag)>'
    found = re.search(pattern, text(response), re.S)
    return found.group(0) if found else None


def test_a_row_leaving_the_worklist_says_the_rows_left_on_the_page(login, claimable):
    response = claim(login(RADIOLOGIST), UNASSIGNED_LIST, rows="2")

    assert response["HX-Reswap"] == "delete"
    assert oob(response, "pager-count") == (
        '<span id="pager-count" hx-swap-oob="true">Page 1 &middot; 1 study shown</span>'
    )
    # Unassigned of any status reaches beyond the open work: its total waits for a read.
    assert oob(response, "list-total") is None
    assert "nothing-left" not in text(response)
    # Out-of-band pieces travel each in a <template>, which a table row's answer may hold.
    assert re.fullmatch(r"(<template><[a-z]+ id=[^<]*?>.*?</template>)+", text(response), re.S)


def test_the_last_row_leaving_says_the_page_is_empty(login, claimable):
    response = claim(login(RADIOLOGIST), UNASSIGNED_LIST + "&c=abc&p=2", rows="1")

    html = text(response)
    assert "Page 2 &middot; 0 studies" in html
    assert '<template><tbody hx-swap-oob="beforeend:#result-rows"><tr class="nothing-left">' in html
    assert "Nothing left on this page." in html


def test_a_row_that_stays_leaves_the_pager_alone(login, claimable):
    response = claim(login(RADIOLOGIST), "http://testserver/", rows="25")

    assert response["HX-Reswap"] == "outerHTML"
    assert oob(response, "pager-count") is None


@pytest.mark.parametrize(
    "current_url", [f"http://testserver/studies/{SID}", None], ids=["study-page", "unknown"]
)
def test_no_counts_where_the_page_is_no_list(login, claimable, current_url):
    response = claim(login(RADIOLOGIST), current_url, rows="25")

    assert "hx-swap-oob" not in text(response)


def test_a_page_that_does_not_say_its_rows_gets_no_pager(login, claimable):
    response = claim(login(RADIOLOGIST), UNASSIGNED_LIST)

    assert oob(response, "pager-count") is None


def test_the_stat_banner_comes_along_with_the_count_the_title_shows(
    login, claimable, avara_settings
):
    avara_settings.TRIAGE_TITLE_COUNTS = True
    waiting = [study_json(n, severity="stat", assignedTo=None) for n in (5, 6)]
    reads = picture(claimable, waiting)
    client = login(RADIOLOGIST)
    queue_snapshot()  # the picture, as the pages' polls keep it

    with upstream.record_calls() as calls:
        response = claim(client, UNASSIGNED_LIST, rows="2")

    # the claim's read and PATCH; the count from the picture there is, no read of it
    assert [r.call_count for r in reads] == [1, 1, 1] and len(called(calls)) == 2
    banner = oob(response, "stat-banner")
    assert 'data-stat="2"' in banner
    assert "<strong>2 STAT waiting</strong>: STAT studies nobody has claimed yet." in banner


# --- The queue: its counts come from the shared picture, with the claim laid over it -------


def test_a_claim_on_the_queue_counts_from_the_picture(login, claimable):
    """The picture is read once by the page; the claim's answer counts from it (with the
    claim's note over it), at no Avara call beyond the claim's own."""
    open_stat = [study_json(n, severity="stat", assignedTo=None) for n in (1, 2, 3)]
    for severity, studies in (("stat", open_stat), ("high", []), ("normal", [])):
        claimable.get(STUDIES, params={"severity": severity}).respond(json=page_json(*studies))
    client = login(RADIOLOGIST)
    page = client.get("/queue?show=unassigned")
    assert "Page 1 of 1 &middot; <span title=" in text(page) and ">3 studies</span>" in text(page)
    assert 'data-stat="3"' in text(page)

    with upstream.record_calls() as calls:
        response = claim(client, "http://testserver/queue?show=unassigned", rows="3")

    assert len(called(calls)) == 2  # the claim's read and PATCH: the picture is shared
    pager = '<span id="pager-count" hx-swap-oob="true">Page 1 of 1 &middot; <span title="Counted'
    assert pager in text(response) and ">2 studies</span></span>" in text(response)
    total = oob(response, "list-total")  # the total above the rows, the same number
    assert total.startswith('<strong id="list-total" class="total" title="Counted')
    assert total.endswith(">2 studies</strong>")
    assert 'data-stat="2"' in oob(response, "stat-banner")


def test_no_picture_no_counts_and_no_call_for_one(login, claimable):
    with upstream.record_calls() as calls:
        response = claim(login(RADIOLOGIST), "http://testserver/queue", rows="3")

    assert len(called(calls)) == 2
    assert "hx-swap-oob" not in text(response)


# --- /counts for the page's script: the banner itself ---------------------------------------


def test_counts_answers_the_script_with_the_banner(login, avara, avara_settings):
    avara_settings.TRIAGE_TITLE_COUNTS = True
    picture(avara, [study_json(5, severity="stat", assignedTo=None)])

    response = login(RADIOLOGIST).get("/counts", headers=hx())

    html = text(response)
    assert html.startswith('<div id="stat-banner" class="stat-banner" data-counts="/counts"')
    assert 'data-stat="1"' in html and "hx-swap-oob" not in html
    assert "<strong>1 STAT waiting</strong>: a STAT study nobody has claimed yet." in html
    assert 'href="/?severity=stat&amp;status=incomplete&amp;assignee=none">List it</a>' in html


def test_a_claim_on_a_full_queue_page_counts_the_rows_left_on_it(login, claimable):
    """Page 1 of a longer queue showed 50 rows; one left: the page now holds 49 (the next
    study is not pulled in until the page is read again), and says so."""
    open_stat = [study_json(n, severity="stat", assignedTo=None) for n in range(1, 61)]
    for severity, studies in (("stat", open_stat), ("high", []), ("normal", [])):
        claimable.get(STUDIES, params={"severity": severity}).respond(json=page_json(*studies))
    client = login(RADIOLOGIST)
    assert ">50 of 60 studies</span>" in text(client.get("/queue?show=unassigned"))

    response = claim(client, "http://testserver/queue?show=unassigned", rows="50")

    assert "Page 1 of 2 &middot;" in oob(response, "pager-count")
    assert ">49 of 59 studies</span></span>" in text(response)
    assert oob(response, "list-total").endswith(">49 of 59 studies</strong>")


# --- A row redrawn in its place moves a count only when STAT is involved ------------------


def _severity_save(login, avara, *, was: str, now: str):
    avara.get(STUDY_PATH).respond(json=study_json(1, severity=was, assignedTo=None))
    avara.patch(STUDY_PATH).respond(json=study_json(1, severity=now, assignedTo=None))
    reads = picture(avara, [study_json(5, severity="stat", assignedTo=None)])
    client = login(SUPERVISOR)
    queue_snapshot()  # the picture, as the pages' polls keep it: one read per severity
    response = client.post(
        f"/studies/{SID}/edit/severity",
        {"value": now, "t": row_token(SID, severity=was)},
        headers=hx(current_url="http://testserver/"),
    )
    return response, reads


def test_a_save_that_touches_no_stat_sends_no_counts_and_reads_no_picture(
    login, avara, avara_settings
):
    avara_settings.TRIAGE_TITLE_COUNTS = True

    response, reads = _severity_save(login, avara, was="high", now="normal")

    assert response.status_code == 200 and 'id="study-' in text(response)
    assert "hx-swap-oob" not in text(response)
    assert [r.call_count for r in reads] == [1, 1, 1]  # the picture's own, none more


@pytest.mark.parametrize(("was", "now"), [("high", "stat"), ("stat", "high")])
def test_a_save_to_or_from_stat_brings_the_stat_count(login, avara, avara_settings, was, now):
    avara_settings.TRIAGE_TITLE_COUNTS = True

    response, reads = _severity_save(login, avara, was=was, now=now)

    assert response.status_code == 200
    assert oob(response, "stat-banner") is not None
    assert [r.call_count for r in reads] == [1, 1, 1]
