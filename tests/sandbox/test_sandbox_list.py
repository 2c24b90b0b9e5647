"""GET /v1/viewer/studies: filters, order, keyset cursor, validation, cost of a page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from sandbox_helpers import STUDIES, USERS, error_of

from sandbox.models import Study, new_id

# `stores`: these also run on PostgreSQL (SANDBOX_DATABASE_URL=postgres://...).
pytestmark = [pytest.mark.django_db, pytest.mark.stores]

T0 = datetime(2025, 1, 1, tzinfo=UTC)
HEX32 = "0123456789abcdef" * 2


def make_studies(count: int, *, start: int = 0, same_time: bool = False, **fields) -> list[Study]:
    """`count` studies, one second apart (or all at T0), in one INSERT."""
    rows = []
    for i in range(start, start + count):
        stamp = T0 if same_time else T0 + timedelta(seconds=i)
        rows.append(
            Study(
                **{
                    "study_id": new_id("stu"),
                    "study_instance_uid": f"1.2.999.{i}",
                    "study_description": f"Study {i}",
                    "severity": "normal",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                | fields
            )
        )
    return Study.objects.bulk_create(rows)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["studyId"] for s in response.json()["studies"]]


def walk(api, params: dict, *, between_pages=None) -> list[str]:
    """Every studyId the client sees paging through with `params` until hasMore is false."""
    seen, cursor = [], None
    while True:
        page = api.get(STUDIES, params | ({"cursor": cursor} if cursor else {})).json()
        seen += [s["studyId"] for s in page["studies"]]
        assert page["hasMore"] is (page["cursor"] is not None)
        if not page["hasMore"]:
            return seen
        cursor = page["cursor"]
        if between_pages:
            between_pages(page)


def test_default_page_is_20_newest_first_with_a_cursor(api):
    studies = make_studies(25)
    page = api.get(STUDIES).json()
    assert set(page) == {"studies", "cursor", "hasMore"}
    assert [s["studyId"] for s in page["studies"]] == [s.study_id for s in studies[::-1][:20]]
    assert page["hasMore"] is True and isinstance(page["cursor"], str)
    last = api.get(STUDIES, {"cursor": page["cursor"]}).json()
    assert [s["studyId"] for s in last["studies"]] == [s.study_id for s in studies[4::-1]]
    assert last == last | {"hasMore": False, "cursor": None}


def test_exactly_a_full_page_has_no_more(api):
    make_studies(5)
    page = api.get(STUDIES, {"limit": 5}).json()
    assert (len(page["studies"]), page["hasMore"], page["cursor"]) == (5, False, None)


def test_empty_list(api):
    assert api.get(STUDIES).json() == {"studies": [], "cursor": None, "hasMore": False}


@pytest.fixture
def catalogue(sandbox_factory):
    """A small catalogue where each filter selects a known subset."""
    ann, bob = sandbox_factory.user(), sandbox_factory.user()
    acme = sandbox_factory.customer()
    f = sandbox_factory.study
    return {
        "ann_stat": f(assigned_to=ann, severity="stat", study_description="CT Head", created_at=T0),
        "ann_cxl": f(
            assigned_to=ann,
            is_cancelled=True,
            cancelled_at=T0,
            express_customer=acme,
            study_description="MRI head",
            created_at=T0 + timedelta(seconds=1),
        ),
        "bob_done": f(
            assigned_to=bob,
            study_viewer_status="complete",
            express_customer=acme,
            study_description="X-ray Chest",
            created_at=T0 + timedelta(seconds=2),
        ),
        "none_high": f(
            severity="high", study_description="HEADACHE CT", created_at=T0 + timedelta(seconds=3)
        ),
        "people": (ann, bob, acme),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda c: {"assignedTo": c["people"][0].user_id}, ["ann_cxl", "ann_stat"]),
        (lambda c: {"assignedTo": "null"}, ["none_high"]),
        (lambda c: {"expressCustomerId": c["people"][2].customer_id}, ["bob_done", "ann_cxl"]),
        (lambda c: {"expressCustomerId": "null"}, ["none_high", "ann_stat"]),
        (lambda c: {"isCancelled": "true"}, ["ann_cxl"]),
        (lambda c: {"isCancelled": "false"}, ["none_high", "bob_done", "ann_stat"]),
        (lambda c: {"severity": "stat"}, ["ann_stat"]),
        (lambda c: {"studyViewerStatus": "complete"}, ["bob_done"]),
        (lambda c: {"studyDescription": "head"}, ["none_high", "ann_cxl", "ann_stat"]),
        (lambda c: {"studyDescription": "CHEST"}, ["bob_done"]),
        (lambda c: {"studyDescription": "null"}, []),
        (lambda c: {"assignedTo": "usr_" + HEX32}, []),
    ],
    ids=[
        "assignee",
        "unassigned",
        "customer",
        "no-customer",
        "cancelled",
        "active",
        "severity",
        "status",
        "contains-ci",
        "contains-upper",
        "contains-literal-null",
        "unknown-user",
    ],
)
def test_each_filter(api, catalogue, params, expected):
    response = api.get(STUDIES, params(catalogue))
    assert ids(response) == [catalogue[name].study_id for name in expected]


def test_filters_combine(api, catalogue):
    ann = catalogue["people"][0]
    params = {"assignedTo": ann.user_id, "isCancelled": "false", "studyDescription": "HEAD"}
    assert ids(api.get(STUDIES, params)) == [catalogue["ann_stat"].study_id]
    params = {"assignedTo": "null", "expressCustomerId": "null", "severity": "high"}
    assert ids(api.get(STUDIES, params)) == [catalogue["none_high"].study_id]
    params = {"assignedTo": ann.user_id, "severity": "high"}
    assert ids(api.get(STUDIES, params)) == []


def test_equal_created_at_is_ordered_by_study_id_descending_across_pages(api):
    studies = make_studies(7, same_time=True)
    expected = sorted((s.study_id for s in studies), reverse=True)
    assert ids(api.get(STUDIES)) == expected
    assert walk(api, {"limit": 2}) == expected


@pytest.mark.parametrize("limit", [100, 7])
def test_paging_through_260_studies_sees_each_exactly_once(api, limit):
    studies = make_studies(260)
    seen = walk(api, {"limit": limit})
    assert seen == [s.study_id for s in reversed(studies)]


def test_paging_with_filters_sees_each_match_once(api):
    make_studies(120, severity="stat")
    make_studies(130, start=120, severity="normal")
    seen = walk(api, {"severity": "stat", "limit": 25})
    assert len(seen) == len(set(seen)) == 120
    assert set(seen) == set(Study.objects.filter(severity="stat").values_list("pk", flat=True))


def test_studies_created_between_pages_cause_no_duplicates_or_skips(api):
    original = make_studies(60)
    created_newest = []

    def create_more(page: dict) -> None:
        # A study created now (newest, so before every page already read)...
        created_newest.append(api.create()["studyId"])
        # ...and one at the very instant of the page's last row: depending on its
        # random id it sorts just before or just after the cursor position.
        last = page["studies"][-1]["createdAt"]
        stamp = datetime.fromisoformat(last.replace("Z", "+00:00"))
        Study.objects.create(
            study_id=new_id("stu"),
            study_instance_uid=f"1.2.888.{len(created_newest)}",
            study_description="same instant",
            severity="normal",
            created_at=stamp,
            updated_at=stamp,
        )

    seen = walk(api, {"limit": 9}, between_pages=create_more)
    assert len(seen) == len(set(seen))
    original_ids = {o.study_id for o in original}
    assert [s for s in seen if s in original_ids] == [s.study_id for s in reversed(original)]
    assert not set(created_newest) & set(seen)


def test_tampered_cursor_is_400(api):
    make_studies(3)
    cursor = api.get(STUDIES, {"limit": 1}).json()["cursor"]
    payload, signature = cursor.rsplit(":", 1)
    forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + ":" + signature
    for bad in (forged, cursor[:-1], cursor + "x"):
        response = api.get(STUDIES, {"limit": 1, "cursor": bad})
        assert response.status_code == 400
        assert error_of(response)["fields"] == {"cursor": "is invalid or has been tampered with"}


@pytest.mark.parametrize("bad", ["abc", "eyJvZmZzZXQiOjIwfQ==", "::", "%%%"])
def test_malformed_cursor_is_400(api, bad):
    response = api.get(STUDIES, {"cursor": bad})
    assert response.status_code == 400
    assert "cursor" in error_of(response)["fields"]


@pytest.mark.parametrize(
    "changed",
    [{"severity": "high"}, {"severity": "stat", "isCancelled": "false"}, {}],
    ids=["other-value", "extra-filter", "dropped-filter"],
)
def test_cursor_replayed_with_different_filters_is_400(api, changed):
    make_studies(5, severity="stat")
    cursor = api.get(STUDIES, {"severity": "stat", "limit": 2}).json()["cursor"]
    response = api.get(STUDIES, changed | {"cursor": cursor, "limit": 2})
    assert response.status_code == 400
    assert "different filters" in error_of(response)["fields"]["cursor"]


def test_limit_may_change_between_pages(api):
    studies = make_studies(6)
    cursor = api.get(STUDIES, {"limit": 2}).json()["cursor"]
    assert ids(api.get(STUDIES, {"limit": 4, "cursor": cursor})) == [
        s.study_id for s in studies[3::-1]
    ]


def test_users_cursor_is_refused_by_studies(api, sandbox_factory):
    for _ in range(3):
        sandbox_factory.user()
    cursor = api.get(USERS, {"limit": 1}).json()["cursor"]
    response = api.get(STUDIES, {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in error_of(response)["fields"]


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"limit": "0"}, "limit", "from 1 to 100"),
        ({"limit": "101"}, "limit", "from 1 to 100"),
        ({"limit": "-1"}, "limit", "from 1 to 100"),
        ({"limit": "2.5"}, "limit", "from 1 to 100"),
        ({"limit": "ten"}, "limit", "from 1 to 100"),
        ({"limit": ""}, "limit", "from 1 to 100"),
        ({"isCancelled": "yes"}, "isCancelled", "true or false"),
        ({"isCancelled": "True"}, "isCancelled", "true or false"),
        ({"isCancelled": "null"}, "isCancelled", "true or false"),
        ({"severity": "urgent"}, "severity", "normal, high, stat"),
        ({"studyViewerStatus": "done"}, "studyViewerStatus", "incomplete, complete"),
        ({"assignedTo": "usr_1"}, "assignedTo", "'usr_' followed by 32"),
        ({"assignedTo": ""}, "assignedTo", "'usr_' followed by 32"),
        ({"expressCustomerId": "cus_X"}, "expressCustomerId", "'cus_' followed by 32"),
        ({"studyDescription": ""}, "studyDescription", "must not be empty"),
        ({"studyDescription": "  "}, "studyDescription", "must not be empty"),
        ({"cursor": ""}, "cursor", "must not be empty"),
        ({"assigned_to": "null"}, "assigned_to", "not a recognised query parameter"),
        ({"severity": ["high", "stat"]}, "severity", "at most once"),
    ],
)
def test_invalid_query_parameter_is_400(api, params, field, fragment):
    response = api.get(STUDIES, params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert fragment in error["fields"][field]


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(api, limit):
    make_studies(101)
    assert len(ids(api.get(STUDIES, {"limit": limit}))) == int(limit)


def test_a_deep_page_is_one_indexed_query_without_offset(api):
    make_studies(600)
    cursor = None
    for _ in range(25):  # walk 500 rows deep
        cursor = api.get(STUDIES, {"limit": 20} | ({"cursor": cursor} if cursor else {})).json()[
            "cursor"
        ]
    connection = connections["default"]
    with CaptureQueriesContext(connection) as queries:
        page = api.get(STUDIES, {"limit": 20, "cursor": cursor})
    assert len(ids(page)) == 20
    # One query reads the studies; the other looks up run-time fault rules (control plane).
    reads = [q["sql"] for q in queries if "sandbox_study" in q["sql"]]
    assert len(reads) == 1
    assert len(queries) == 2
    sql = reads[0]
    assert "OFFSET" not in sql.upper()
    assert "LIMIT 21" in sql
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row[-1]) for row in c.fetchall())
        # SEARCH (an index range starting at the cursor), not SCAN (reading from the top).
        assert "SEARCH sandbox_study USING INDEX sbx_study_order" in plan
        assert "TEMP B-TREE" not in plan
