"""Reads: one study or user, and keyset-paged lists (one query per page)."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from sandbox.cursor import Position
from sandbox.errors import invalid, not_found
from sandbox.models import ApiUser, Study

STUDY_RELATED = ("assigned_to", "created_by_user", "express_customer")
CONTAINS_FILTERS = {"study_description", "first_name", "last_name"}
IEXACT_FILTERS = {"email"}


def study_queryset() -> QuerySet[Study]:
    return Study.objects.select_related(*STUDY_RELATED)


def study_get(*, study_id: str) -> Study:
    study = study_queryset().filter(study_id=study_id).first()
    if study is None:
        raise not_found(f"No study {study_id} exists.", {"studyId": "no such study"})
    return study


def study_get_by_uid(*, study_instance_uid: str) -> Study:
    study = study_queryset().filter(study_instance_uid=study_instance_uid).first()
    if study is None:
        message = f"No study with Study Instance UID {study_instance_uid} exists."
        raise not_found(message, {"studyInstanceUid": "no such study"})
    return study


def study_find(
    *, study_id: str | None = None, study_instance_uid: str | None = None, lock: bool = False
) -> Study:
    """The study named by studyId and/or studyInstanceUid (both must name the same one).
    With lock=True, the row is locked for update (call inside a transaction)."""
    queryset = Study.objects.select_for_update() if lock else study_queryset()
    if study_id is None:
        study = queryset.filter(study_instance_uid=study_instance_uid).first()
        if study is None:
            return study_get_by_uid(study_instance_uid=study_instance_uid or "")
        return study
    study = queryset.filter(study_id=study_id).first()
    if study is None:
        return study_get(study_id=study_id)
    if study_instance_uid is not None and study.study_instance_uid != study_instance_uid:
        message = "studyId and studyInstanceUid name different studies."
        raise invalid(message, {"studyInstanceUid": "names a different study than studyId"})
    return study


def study_list(
    *, filters: Mapping[str, Any], after: Position | None, limit: int
) -> tuple[list[Study], bool]:
    """One page of studies, newest first (studyId breaks ties), and whether more follow."""
    queryset = study_queryset().filter(_filters(filters))
    return _page(queryset, after, limit, time_field="created_at", pk_field="study_id")


def user_get(*, user_id: str) -> ApiUser:
    user = ApiUser.objects.filter(user_id=user_id).first()
    if user is None:
        raise not_found(f"No user {user_id} exists.", {"userId": "no such user"})
    return user


def user_list(
    *, filters: Mapping[str, Any], after: Position | None, limit: int
) -> tuple[list[ApiUser], bool]:
    queryset = ApiUser.objects.filter(_filters(filters))
    return _page(queryset, after, limit, time_field="created_at", pk_field="user_id")


def _filters(filters: Mapping[str, Any]) -> Q:
    condition = Q()
    for attr, value in filters.items():
        if attr in CONTAINS_FILTERS:
            condition &= Q(**{f"{attr}__icontains": value})
        elif attr in IEXACT_FILTERS:
            condition &= Q(**{f"{attr}__iexact": value})
        else:  # exact; None (the `null` literal) becomes IS NULL
            condition &= Q(**{attr: value})
    return condition


def _page(
    queryset: QuerySet, after: Position | None, limit: int, *, time_field: str, pk_field: str
) -> tuple[list, bool]:
    if after is not None:
        # (t, pk) < (after.t, after.pk), written so the first term is an index range:
        # t <= after.t AND (t < after.t OR pk < after.pk).
        queryset = queryset.filter(
            Q(**{f"{time_field}__lte": after.created_at})
            & (Q(**{f"{time_field}__lt": after.created_at}) | Q(**{f"{pk_field}__lt": after.pk}))
        )
    rows = list(queryset.order_by(f"-{time_field}", f"-{pk_field}")[: limit + 1])
    return rows[:limit], len(rows) > limit
