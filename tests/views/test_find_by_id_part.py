"""The search box finds a study by any part of its UID or id among the open work (the
queue's picture: Avara looks up whole UIDs and ids only), with the other filters and
its own pages; and every list says how many studies its filters match."""

import httpx
import pytest
from view_helpers import STUDIES, hx, link_query, page_json, study_json, text

from studies.accounts.roles import RADIOLOGIST, SUPERVISOR

pytestmark = pytest.mark.stores  # the queue's picture in the shared store (Redis too)


def _open_work(avara, studies):
    """Avara's list by severity, as the queue's picture reads it (one call each)."""
    by_severity = {"stat": [], "high": [], "normal": []}
    for study in studies:
        by_severity[study["severity"]].append(study)

    def answer(request):
        params = request.url.params
        assert "studyDescription" not in params  # never a description search
        assert (params["studyViewerStatus"], params["isCancelled"]) == ("incomplete", "false")
        return httpx.Response(200, json=page_json(*by_severity[params["severity"]]))

    return avara.get(STUDIES).mock(side_effect=answer)


def _study(n: int, uid: str, severity: str = "high", **more) -> dict:
    return study_json(n, studyInstanceUid=uid, severity=severity, **more)


WORK = [
    _study(1, "1.2.826.0.1.3680043.10.543.1.15.43576764", "stat"),
    _study(2, "1.2.826.0.1.3680043.10.543.1.16.11111111"),
    _study(3, "1.2.840.113619.2.55.43576764", "normal"),
]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("1.2.826.\u202643576764", [1]),  # the row's short form
        ("1.2.826....43576764", [1]),
        ("1.2.826.43576764", [1]),  # without the ellipsis: not a UID Avara knows
        ("43576764", [1, 3]),  # the digits a row shows
        ("1.2.826.0.1.3680043", [1, 2]),  # a start: Avara has no such UID, parts found
        ("stu_" + "0" * 31, [1, 2, 3]),  # part of an id
    ],
)
def test_a_part_finds_exactly_the_open_studies_holding_it(login, avara, typed, found):
    route = _open_work(avara, WORK)
    avara.get(url__regex=r"/v1/viewer/studies/by-uid/.*").respond(
        404, json={"error": {"type": "not_found_error", "message": "No."}}
    )

    response = login(RADIOLOGIST).get("/", {"q": typed})

    page = text(response)
    assert response.status_code == 200
    shown = [n for n in (1, 2, 3) if f'id="study-{study_json(n)["studyId"]}"' in page]
    assert shown == found
    assert "Searched the open work (to read, not cancelled) for a UID or id containing" in page
    assert "paste the whole Study Instance UID or stu_ id" in page
    count = len(found)
    assert '<strong id="list-total" class="total" title="Counted from the open work as of' in page
    assert f">{count} {'study' if count == 1 else 'studies'}</strong>" in page
    assert route.call_count == 3  # the picture, whatever the search


def test_the_other_filters_narrow_it(login, avara):
    _open_work(avara, WORK)

    page = text(login(SUPERVISOR).get("/", {"q": "43576764", "severity": "normal"}))

    assert f'id="study-{study_json(3)["studyId"]}"' in page
    assert f'id="study-{study_json(1)["studyId"]}"' not in page


def test_nothing_found_says_what_was_searched_and_how_to_search_everything(login, avara):
    _open_work(avara, WORK)

    page = text(login(SUPERVISOR).get("/", {"q": "99999", "status": "complete"}))

    assert (
        "No open study&#x27;s UID or id contains \u201c99999\u201d (your filters leave out "
        "the open work: Status Complete). To search everything, completed and cancelled "
        "studies included, paste the whole Study Instance UID or stu_ id"
    ) in page


def test_many_found_are_paged_here(login, avara):
    many = [_study(n, f"1.2.3.77.{n}") for n in range(1, 31)]
    _open_work(avara, many)
    avara.get(f"{STUDIES}/by-uid/3.77").respond(404, json={"error": {"message": "No."}})
    client = login(SUPERVISOR)

    first = client.get("/", {"q": "3.77"})
    second = client.get("/", {"q": "3.77", "p": "2"}, headers=hx(target="results"))

    assert text(first).count('<tr id="study-') == 25
    assert "25 of 30 studies" in text(first)
    assert link_query(first, "next") == {"q": ["3.77"], "p": ["2"]}
    assert text(second).count('<tr id="study-') == 5
    assert "5 of 30 studies" in text(second)
    assert link_query(second, "prev") == {"q": ["3.77"], "p": ["1"]}


def test_a_whole_id_still_opens_its_study_without_a_search(login, avara):
    sid = study_json(9)["studyId"]

    response = login(RADIOLOGIST).get("/", {"q": sid})

    assert response["Location"] == f"/studies/{sid}"
    assert avara.calls.call_count == 0


def test_a_whole_uid_avara_knows_opens_its_study_completed_or_not(login, avara):
    uid = "1.2.826.0.1.3680043.10.543.1.15.43576764"
    done = study_json(4, studyInstanceUid=uid, studyViewerStatus="complete")
    avara.get(f"{STUDIES}/by-uid/{uid}").respond(json=done)

    response = login(RADIOLOGIST).get("/", {"q": uid})

    assert response["Location"] == f"/studies/{done['studyId']}"
    assert avara.calls.call_count == 1


# --- Totals on the worklist ------------------------------------------------------------


def test_a_list_within_the_open_work_is_counted_from_the_picture(login, avara):
    work = [_study(n, f"1.2.3.{n}") for n in range(1, 41)]
    picture = _open_work(avara, work)
    client = login(SUPERVISOR)
    client.get("/queue")  # the picture exists
    picture.side_effect = lambda request: httpx.Response(
        200, json=page_json(*work[:25], cursor="NEXT", has_more=True)
    )
    picture.reset()

    page = text(client.get("/", {"severity": "high", "status": "incomplete"}))

    assert '<strong id="list-total" class="total"' in page and ">25 of 40 studies</strong>" in page
    assert "Page 1 &middot; 25 studies shown" in page  # the total stands above
    assert picture.call_count == 1  # the page alone: no Avara call to count
    assert picture.calls.last.request.url.params["limit"] == "25"


def test_a_list_beyond_the_open_work_says_what_paging_has_seen(login, avara):
    route = avara.get(STUDIES).respond(
        json=page_json(*[study_json(n) for n in range(1, 26)], cursor="NEXT", has_more=True)
    )

    page = text(login(SUPERVISOR).get("/", {"c": ["A", "B"], "p": "3"}))

    assert ">25 of more than 75 studies</strong>" in page
    assert route.call_count == 1  # no picture read for a list it cannot count
