"""Writes: create, update, cancel, uncancel.

Each runs in one transaction on the sandbox database, with the study's row locked
(SELECT ... FOR UPDATE on PostgreSQL; SQLite's transactions are IMMEDIATE, so writers
take turns), and answers what *that* write left: the study is read back inside the
same transaction, so a concurrent writer's later change never shows in this answer.
`updatedAt` moves whenever a stored value changes, strictly forward at millisecond
precision, so concurrent writers always answer distinct, increasing stamps.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from sandbox import clock, selectors
from sandbox.auth import ApiKey
from sandbox.errors import conflict, invalid_fields
from sandbox.models import ApiUser, ExpressCustomer, Study, new_id

# Model attribute -> (model it references, wire field name, what to call it in a message).
REFERENCES = {
    "assigned_to_id": (ApiUser, "assignedTo", "user"),
    "express_customer_id": (ExpressCustomer, "expressCustomerId", "Express customer"),
}
ONE_MS = timedelta(milliseconds=1)


def _later(previous: datetime | None) -> datetime:
    """A stamp strictly later than `previous` as the wire shows it (ms precision)."""
    stamp = clock.now()
    if previous is not None and stamp <= previous:
        stamp = previous.replace(microsecond=previous.microsecond // 1000 * 1000) + ONE_MS
    return stamp


def check_references(data: dict[str, Any], references=REFERENCES) -> None:
    """An assignedTo / expressCustomerId (or another of `references`) that names nothing
    is a 400 naming the field. Call inside the write's transaction: the rows named are
    locked until it ends, so the control plane cannot remove them in between."""
    errors = {}
    for attr, (model, wire_name, noun) in references.items():
        value = data.get(attr)
        if value is not None and not model.objects.select_for_update().filter(pk=value).exists():
            errors[wire_name] = f"no {noun} {value} exists"
    if errors:
        raise invalid_fields(errors)


def duplicate_uid(uid: str):
    message = f"A study with Study Instance UID {uid} already exists."
    return conflict(message, {"studyInstanceUid": "already exists"})


def study_create(*, data: dict[str, Any], api_key: ApiKey) -> Study:
    uid = data["study_instance_uid"]
    try:
        with transaction.atomic():
            check_references(data)
            if Study.objects.filter(study_instance_uid=uid).exists():
                raise duplicate_uid(uid)
            stamp = clock.now()
            study = Study(
                study_id=new_id("stu"),
                created_at=stamp,
                updated_at=stamp,
                created_by_api_key_id=api_key.id,
                created_by_api_key_description=api_key.description,
                **{**data, "metadata": data.get("metadata") or {}},
            )
            study.save(force_insert=True)
            return selectors.study_get(study_id=study.study_id)
    except IntegrityError:  # a concurrent create with the same UID committed first
        if Study.objects.filter(study_instance_uid=uid).exists():
            raise duplicate_uid(uid) from None
        raise


def study_update(*, study_id: str, changes: dict[str, Any]) -> Study:
    """Apply only the given fields; `assigned_to_id=None` unassigns, `metadata=None`
    clears. A cancelled study cannot be updated (409). No actual change, no new
    updatedAt."""
    with transaction.atomic():
        study = selectors.study_find(study_id=study_id, lock=True)
        check_references(changes)
        if study.is_cancelled:
            message = "The study is cancelled; uncancel it first."
            raise conflict(message, {"studyId": "study is cancelled"})
        changed = _apply(study, changes)
        if changed:
            study.updated_at = _later(study.updated_at)
            study.save(update_fields=[*changed, "updated_at"])
        return selectors.study_get(study_id=study_id)


def _apply(study: Study, changes: dict[str, Any]) -> list[str]:
    changed = []
    for attr, value in changes.items():
        if attr == "metadata":
            value = value or {}
        if getattr(study, attr) != value:
            setattr(study, attr, value)
            changed.append(attr)
    return changed


def study_cancel(*, lookup: dict[str, str]) -> tuple[bool, str]:
    with transaction.atomic():
        study = selectors.study_find(**lookup, lock=True)
        if study.is_cancelled:
            return False, f"Study {study.study_id} is already cancelled."
        stamp = _later(study.updated_at)
        study.is_cancelled, study.cancelled_at, study.updated_at = True, stamp, stamp
        study.save(update_fields=["is_cancelled", "cancelled_at", "updated_at"])
        return True, f"Study {study.study_id} was cancelled."


def study_uncancel(*, lookup: dict[str, str]) -> tuple[bool, str]:
    with transaction.atomic():
        study = selectors.study_find(**lookup, lock=True)
        if not study.is_cancelled:
            return False, f"Study {study.study_id} is not cancelled."
        study.is_cancelled, study.cancelled_at = False, None
        study.updated_at = _later(study.updated_at)
        study.save(update_fields=["is_cancelled", "cancelled_at", "updated_at"])
        return True, f"Study {study.study_id} was restored."
