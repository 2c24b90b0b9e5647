"""The description filter (`studyDescription`, case-insensitive contains) and the index
behind it (sandbox/search.py): the same answers as a plain scan, on SQLite and on
PostgreSQL, kept in step with every write, and an index that a rare term actually uses."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from sandbox_helpers import STUDIES

from sandbox.models import Study, new_id

pytestmark = [pytest.mark.django_db, pytest.mark.stores]

T0 = datetime(2025, 1, 1, tzinfo=UTC)
# A radiology mix (like the seed's) plus descriptions with LIKE's and FTS5's special
# characters, so escaping is exercised on both paths.
DESCRIPTIONS = [
    "XR Chest PA and Lateral",
    "CT Chest/Abdomen/Pelvis with Contrast",
    "MRI Brain without Contrast",
    "US Abdomen Complete",
    'NM "Myocardial" Perfusion SPECT',
    "CT 100% dose_check \\ raw",
    "Mammo Screening Bilateral",
]
TERMS = [
    "chest",  # common
    "CHEST",  # case
    "myocardial",  # rare
    '"myocardial"',  # FTS5 phrase quotes, as data
    "100%",  # LIKE wildcard, as data
    "dose_check",  # LIKE single-character wildcard, as data
    "\\ raw",  # LIKE escape character, as data
    "ct",  # two characters: no trigram, plain scan
    "zzz",  # no match
    "st ",  # trailing space
]


def _studies(count: int) -> list[Study]:
    cycle = itertools.cycle(DESCRIPTIONS)
    rows = [
        Study(
            study_id=new_id("stu"),
            study_instance_uid=f"1.2.777.{i}",
            study_description=next(cycle),
            severity="normal",
            created_at=T0 + timedelta(seconds=i),
            updated_at=T0 + timedelta(seconds=i),
        )
        for i in range(count)
    ]
    return Study.objects.bulk_create(rows)


def _all_pages(api, term: str) -> list[str]:
    found, cursor = [], None
    while True:
        params = {"studyDescription": term, "limit": 100} | ({"cursor": cursor} if cursor else {})
        body = api.get(STUDIES, params).json()
        found += [s["studyId"] for s in body["studies"]]
        if not body["hasMore"]:
            return found
        cursor = body["cursor"]


def _expected(term: str) -> list[str]:
    rows = Study.objects.order_by("-created_at", "-study_id")
    return [s.study_id for s in rows if term.lower() in s.study_description.lower()]


@pytest.mark.parametrize("term", TERMS)
def test_every_page_matches_a_plain_case_insensitive_contains(api, term):
    _studies(350)
    assert _all_pages(api, term) == _expected(term)


def test_the_filter_follows_creates_updates_and_removals(api, control):
    _studies(50)
    created = api.create(studyDescription="Zygomatic Arch Series")
    assert _all_pages(api, "zygomatic") == [created["studyId"]]

    api.patch(f"{STUDIES}/{created['studyId']}", {"studyDescription": "Orbits CT"})
    assert _all_pages(api, "zygomatic") == []
    assert _all_pages(api, "orbits") == [created["studyId"]]

    assert control.post("/_sandbox/reset", {"studies": 0}).status_code == 200
    assert _all_pages(api, "orbits") == []
    again = api.create(studyDescription="Orbits CT again")
    assert _all_pages(api, "orbits") == [again["studyId"]]


def test_a_rare_term_is_served_by_the_index(api, sandbox_factory):
    _studies(3000)
    rare = [sandbox_factory.study(study_description=f"Zygomatic Arch {n}") for n in range(3)]
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sandbox_study")
    with CaptureQueriesContext(connection) as queries:
        found = api.get(STUDIES, {"studyDescription": "zygomatic"}).json()["studies"]
    assert sorted(s["studyId"] for s in found) == sorted(s.study_id for s in rare)
    listing = [q["sql"] for q in queries if 'FROM "sandbox_study"' in q["sql"]]
    assert len(listing) == 1, [q["sql"] for q in queries]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert any("sbx_study_search MATCH" in q["sql"] for q in queries)
            cursor.execute(f"EXPLAIN QUERY PLAN {listing[0]}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            # The three candidates are read by primary key, not by scanning the table.
            assert "SCAN sandbox_study" not in plan
            assert "SEARCH sandbox_study USING INDEX" in plan
        else:
            cursor.execute(f"EXPLAIN {listing[0]}")
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "sbx_study_description_trgm" in plan


def test_a_term_matching_nothing_reads_no_study_on_sqlite(api):
    _studies(500)
    connection = connections["default"]
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's path: the trigram table answers before any study is read")
    with CaptureQueriesContext(connection) as queries:
        assert api.get(STUDIES, {"studyDescription": "zygomatic"}).json()["studies"] == []
    assert not [q["sql"] for q in queries if 'FROM "sandbox_study"' in q["sql"]]
