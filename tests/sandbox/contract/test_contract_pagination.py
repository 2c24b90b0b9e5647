"""The official client's auto-pager over the sandbox's cursor pages."""

import math

import pytest

from sandbox.models import ApiUser, ExpressCustomer, Study
from sandbox.seeding import DEMO_EMAILS

PAGE = 7


def walk(avara_client, **filters):
    """Every study the auto-pager yields, and the number of pages it fetched."""
    first = avara_client.viewer.studies.list(limit=PAGE, **filters)
    pages = list(first.iter_pages())
    ids = [s.study_id for s in first]  # iterating the first page auto-pages through all
    assert ids == [s.study_id for page in pages for s in page.studies]
    assert all(len(page.studies) <= PAGE for page in pages)
    return ids, len(pages)


def expected(**lookups) -> list[str]:
    """The same query straight from the sandbox DB, in the API's order (newest first)."""
    return list(
        Study.objects.filter(**lookups)
        .order_by("-created_at", "-study_id")
        .values_list("study_id", flat=True)
    )


def test_every_seeded_study_is_seen_exactly_once_in_order(avara_client, seeded):
    ids = [s.study_id for s in avara_client.viewer.studies.list(limit=100)]
    listed = avara_client.viewer.studies.list(limit=100)

    assert len(ids) == len(set(ids)) == 300
    assert ids == expected()
    assert listed.has_more is True
    assert listed.cursor


@pytest.mark.parametrize(
    ("filters", "lookups"),
    [
        ({"severity": "high"}, {"severity": "high"}),
        ({"severity": "stat"}, {"severity": "stat"}),
        ({"is_cancelled": False}, {"is_cancelled": False}),
        ({"is_cancelled": True}, {"is_cancelled": True}),
        ({"study_viewer_status": "complete"}, {"study_viewer_status": "complete"}),
        (
            {"severity": "normal", "is_cancelled": False, "study_viewer_status": "incomplete"},
            {"severity": "normal", "is_cancelled": False, "study_viewer_status": "incomplete"},
        ),
        ({"study_description": "CT "}, {"study_description__contains": "CT "}),
        ({"study_description": "mri brain"}, {"study_description__icontains": "mri brain"}),
    ],
    ids=[
        "high",
        "stat",
        "active",
        "cancelled",
        "complete",
        "normal-active-incomplete",
        "description-CT",
        "description-case-insensitive",
    ],
)
def test_auto_pager_with_filters(avara_client, seeded, filters, lookups):
    want = expected(**lookups)
    ids, pages = walk(avara_client, **filters)

    assert want, "the seeded data should have studies for this filter"
    assert len(ids) == len(set(ids))
    assert ids == want
    assert pages == max(1, math.ceil(len(want) / PAGE))


def test_auto_pager_by_assignee_and_customer(avara_client, seeded):
    radiologist = ApiUser.objects.get(email=DEMO_EMAILS["radiologist"])
    customer = ExpressCustomer.objects.get(name="Riverside Imaging Associates")

    by_user, _ = walk(avara_client, assigned_to=radiologist.user_id)
    by_customer, _ = walk(avara_client, express_customer_id=customer.customer_id)
    both, _ = walk(avara_client, assigned_to=radiologist.user_id, express_customer_id=customer.pk)

    assert by_user == expected(assigned_to=radiologist)
    assert by_customer == expected(express_customer=customer)
    assert both == expected(assigned_to=radiologist, express_customer=customer)
    assert len(by_user) > PAGE


def test_null_literal_filters_unassigned_and_no_customer(avara_client, seeded):
    """The client drops None from queries, so "null" is sent as a string."""
    unassigned, _ = walk(avara_client, assigned_to="null", severity="stat")
    no_customer, _ = walk(avara_client, express_customer_id="null", is_cancelled=False)

    assert unassigned == expected(assigned_to=None, severity="stat")
    assert no_customer == expected(express_customer=None, is_cancelled=False)


def test_no_match_is_one_empty_page(avara_client, seeded):
    page = avara_client.viewer.studies.list(study_description="no such study", limit=PAGE)

    assert page.studies == []
    assert page.has_more is False
    assert page.cursor is None
    assert list(page) == []


def test_studies_created_while_paging_do_not_shift_pages(avara_client, seeded, new_uid):
    want = expected(severity="high")
    first = avara_client.viewer.studies.list(severity="high", limit=PAGE)
    for n in range(3):
        avara_client.viewer.studies.create(
            severity="high", study_description=f"CT Head {n}", study_instance_uid=new_uid()
        )
    ids = [s.study_id for page in first.iter_pages() for s in page.studies]

    # The new studies are newer than the first page; the walk neither repeats nor skips.
    assert ids == want


def test_users_auto_pager(avara_client, seeded):
    first = avara_client.viewer.users.list(limit=5)
    pages = list(first.iter_pages())
    emails = [u.email for u in first]

    assert len(pages) == 3
    assert len(emails) == len(set(emails)) == 12
    assert emails == list(
        ApiUser.objects.order_by("-created_at", "-user_id").values_list("email", flat=True)
    )
