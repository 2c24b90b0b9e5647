"""Reads: one study or user, and keyset-paged lists (one query per page)."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from sandbox import search
from sandbox.cursor import Position
from sandbox.errors import ApiError, invalid, not_found
from sandbox.models import ApiUser, Study

STUDY_RELATED = ("assigned_to", "created_by_user", "express_customer")
CONTAINS_FILTERS = {"first_name", "last_name"}
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
    """The study named by studyId and/or studyInstanceUid (at least one given).

    An identifier that names no study is a 404 naming that field (both, if neither
    does); two identifiers that each name a study, but not the same one, are a 400.
    With lock=True, the rows are locked for update (call inside a transaction)."""
    queryset = Study.objects.select_for_update() if lock else study_queryset()
    wanted = {"study_id": study_id, "study_instance_uid": study_instance_uid}
    wanted = {attr: value for attr, value in wanted.items() if value is not None}
    condition = Q()
    for attr, value in wanted.items():
        condition |= Q(**{attr: value})
    rows = list(queryset.filter(condition)[:2])
    found = {attr: _row_with(rows, attr, value) for attr, value in wanted.items()}
    missing = {attr: wanted[attr] for attr, study in found.items() if study is None}
    if missing:
        raise _lookup_not_found(missing)
    by_id, by_uid = found.get("study_id"), found.get("study_instance_uid")
    if by_id is not None and by_uid is not None and by_id.pk != by_uid.pk:
        message = "studyId and studyInstanceUid name different studies."
        raise invalid(message, {"studyInstanceUid": "names a different study than studyId"})
    return by_id or by_uid


def _row_with(rows: list[Study], attr: str, value: str) -> Study | None:
    return next((row for row in rows if getattr(row, attr) == value), None)


def _lookup_not_found(missing: Mapping[str, str]) -> ApiError:
    study_id, uid = missing.get("study_id"), missing.get("study_instance_uid")
    if uid is None:
        return not_found(f"No study {study_id} exists.", {"studyId": "no such study"})
    message = f"No study with Study Instance UID {uid} exists."
    if study_id is None:
        return not_found(message, {"studyInstanceUid": "no such study"})
    message = f"No study {study_id} exists, nor one with Study Instance UID {uid}."
    return not_found(message, {"studyId": "no such study", "studyInstanceUid": "no such study"})


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
        if attr == "study_description":
            condition &= search.description_contains(value)
        elif attr in CONTAINS_FILTERS:
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
