"""Control-plane writes: users, Express customers, studies in any state and their times,
reset, faults.

Each runs in one transaction on the sandbox database and answers the row as it left
it. Removing a user or customer that a study still refers to is a 409 (reassign or
remove those studies first), as Avara would not leave a study pointing at nobody.
"""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sandbox import clock, selectors, services
from sandbox.errors import conflict, invalid, not_found
from sandbox.models import (
    ApiUser,
    ExpressCustomer,
    FaultRule,
    RequestRecord,
    Study,
    new_id,
)
from sandbox.seeding import SeedResult, seed_sandbox


def _user(user_id: str, *, lock: bool = False) -> ApiUser:
    rows = ApiUser.objects.select_for_update() if lock else ApiUser.objects
    user = rows.filter(pk=user_id).first()
    if user is None:
        raise not_found(f"No user {user_id} exists.", {"userId": "no such user"})
    return user


def _email_taken(email: str):
    return conflict(f"A user with email {email} already exists.", {"email": "already exists"})


def user_create(*, data: dict[str, Any]) -> ApiUser:
    fields = {"user_id": new_id("usr"), "created_at": clock.now(), **data}
    try:
        with transaction.atomic():
            if ApiUser.objects.filter(pk=fields["user_id"]).exists():
                message = f"A user {fields['user_id']} already exists."
                raise conflict(message, {"userId": "already exists"})
            if ApiUser.objects.filter(email=fields["email"]).exists():
                raise _email_taken(fields["email"])
            user = ApiUser(**fields)
            user.save(force_insert=True)
            return user
    except IntegrityError:  # a concurrent create took the id or the email
        raise conflict("That user already exists.", {"email": "already exists"}) from None


def user_update(*, user_id: str, changes: dict[str, Any]) -> ApiUser:
    try:
        with transaction.atomic():
            user = _user(user_id, lock=True)
            email = changes.get("email")
            if email and ApiUser.objects.filter(email=email).exclude(pk=user_id).exists():
                raise _email_taken(email)
            for attr, value in changes.items():
                setattr(user, attr, value)
            if changes:
                user.save(update_fields=list(changes))
            return user
    except IntegrityError:
        raise _email_taken(changes.get("email", "")) from None


def user_delete(*, user_id: str) -> None:
    with transaction.atomic():
        user = _user(user_id, lock=True)
        referring = Study.objects.filter(Q(assigned_to=user) | Q(created_by_user=user)).count()
        if referring:
            message = (
                f"{referring} stud{'y refers' if referring == 1 else 'ies refer'} to user "
                f"{user_id}; reassign or reset first."
            )
            raise conflict(message, {"userId": "still referred to by studies"})
        user.delete()


def _customer(customer_id: str, *, lock: bool = False) -> ExpressCustomer:
    rows = ExpressCustomer.objects.select_for_update() if lock else ExpressCustomer.objects
    customer = rows.filter(pk=customer_id).first()
    if customer is None:
        message = f"No Express customer {customer_id} exists."
        raise not_found(message, {"expressCustomerId": "no such Express customer"})
    return customer


def customer_create(*, data: dict[str, Any]) -> ExpressCustomer:
    fields = {"customer_id": new_id("cus"), **data}
    message = f"An Express customer {fields['customer_id']} already exists."
    taken = conflict(message, {"expressCustomerId": "already exists"})
    try:
        with transaction.atomic():
            if ExpressCustomer.objects.filter(pk=fields["customer_id"]).exists():
                raise taken
            customer = ExpressCustomer(**fields)
            customer.save(force_insert=True)
            return customer
    except IntegrityError:  # a concurrent create took the id
        raise taken from None


def customer_update(*, customer_id: str, changes: dict[str, Any]) -> ExpressCustomer:
    with transaction.atomic():
        customer = _customer(customer_id, lock=True)
        for attr, value in changes.items():
            setattr(customer, attr, value)
        if changes:
            customer.save(update_fields=list(changes))
        return customer


def customer_delete(*, customer_id: str) -> None:
    with transaction.atomic():
        customer = _customer(customer_id, lock=True)
        referring = Study.objects.filter(express_customer=customer).count()
        if referring:
            message = f"{referring} studies refer to Express customer {customer_id}."
            raise conflict(message, {"expressCustomerId": "still referred to by studies"})
        customer.delete()


def _times_problems(times: dict[str, datetime], created: datetime, updated: datetime) -> dict:
    """What is wrong with a study's times (those given in `times`): none after the
    sandbox's now, createdAt not after updatedAt."""
    now = clock.now()
    errors = {
        wire: "must not be in the future (the sandbox's clock)"
        for wire, attr in (("createdAt", "created_at"), ("updatedAt", "updated_at"))
        if attr in times and times[attr] > now
    }
    if not errors and created > updated:
        wire = "createdAt" if "created_at" in times else "updatedAt"
        errors[wire] = "createdAt must not be after updatedAt"
    return errors


def study_times_set(*, study_id: str, times: dict[str, datetime]) -> Study:
    """Move a study's createdAt and/or updatedAt (time travel, not an API write: nothing
    else changes, and updatedAt stays as given). Both must be at or before the sandbox's
    now, and createdAt at or before updatedAt."""
    with transaction.atomic():
        study = selectors.study_find(study_id=study_id, lock=True)
        created = times.get("created_at", study.created_at)
        updated = times.get("updated_at", study.updated_at)
        errors = _times_problems(times, created, updated)
        if errors:
            raise invalid("The study's times cannot be set so.", errors)
        study.created_at, study.updated_at = created, updated
        study.save(update_fields=["created_at", "updated_at"])
        return selectors.study_get(study_id=study_id)


# The API's references, and the user a study says created it.
STUDY_REFERENCES = services.REFERENCES | {"created_by_user_id": (ApiUser, "createdByUser", "user")}


def _study_state(data: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of a planted study: times defaulted (createdAt: updatedAt or
    now; updatedAt: createdAt), a cancelled study's cancelledAt (default: updatedAt)."""
    created = data.get("created_at") or data.get("updated_at") or clock.now()
    updated = data.get("updated_at") or created
    errors = _times_problems(data, created, updated)
    cancelled_at = data.get("cancelled_at")
    if not data.get("is_cancelled"):
        if cancelled_at is not None:
            errors["cancelledAt"] = "only a cancelled study (isCancelled true) has one"
    elif cancelled_at is None:
        cancelled_at = updated
    elif not created <= cancelled_at <= updated:
        errors["cancelledAt"] = "must be from createdAt to updatedAt"
    if errors:
        raise invalid("The study cannot be made so.", errors)
    state = data | {"created_at": created, "updated_at": updated, "cancelled_at": cancelled_at}
    return state | {"metadata": data.get("metadata") or {}}


def study_plant(*, data: dict[str, Any]) -> Study:
    """A study in any state, in one write: the fields given, as given (an API create
    would start it incomplete, now, and record the calling key; this records no key)."""
    fields = {"study_id": new_id("stu"), **_study_state(data)}
    taken = conflict(f"A study {fields['study_id']} already exists.", {"studyId": "already exists"})
    uid = fields["study_instance_uid"]
    try:
        with transaction.atomic():
            services.check_references(fields, STUDY_REFERENCES)
            if Study.objects.filter(pk=fields["study_id"]).exists():
                raise taken
            if Study.objects.filter(study_instance_uid=uid).exists():
                raise services.duplicate_uid(uid)
            Study(**fields).save(force_insert=True)
            return selectors.study_get(study_id=fields["study_id"])
    except IntegrityError:  # a concurrent write took the id or the UID
        raise conflict("That study already exists.", {"studyId": "already exists"}) from None


def study_delete(*, study_id: str) -> None:
    """Remove a study, as if it were deleted at Avara: the API then answers 404 for it."""
    deleted, _ = Study.objects.filter(pk=study_id).delete()
    if not deleted:
        raise not_found(f"No study {study_id} exists.", {"studyId": "no such study"})


EMPTY = SeedResult(
    studies=0,
    users=0,
    customers=0,
    new_studies=0,
    new_users=0,
    new_customers=0,
    skipped_studies=0,
)


def sandbox_reset(*, seed: int, studies: int, now: datetime | None, empty: bool) -> SeedResult:
    """Everything back to a seed (or, `empty`, to nothing at all: no study, user or
    customer): studies, users and customers replaced by the seeded ones; the test clock
    back to real time; faults removed; the request log cleared."""
    with transaction.atomic():
        Study.objects.all().delete()
        ApiUser.objects.all().delete()
        ExpressCustomer.objects.all().delete()
        FaultRule.objects.all().delete()
        RequestRecord.objects.all().delete()
        clock.clock_reset()
        if empty:
            return EMPTY
        return seed_sandbox(studies=studies, seed=seed, now=now)


def fault_create(*, data: dict[str, Any]) -> FaultRule:
    rule = FaultRule(
        fault_id=new_id("flt"),
        method=data.get("method", "*"),
        path=data["path"],
        status=data.get("status"),
        rate=data.get("rate", 1.0),
        latency_ms=data.get("latency_ms", 0),
        remaining=data.get("remaining"),
        created_at=timezone.now(),
    )
    if rule.status is None and not rule.latency_ms:
        message = "A fault needs a status, a latency, or both."
        raise invalid(message, {"status": "give a status or latencyMs"})
    rule.save(force_insert=True)
    return rule


def fault_delete(*, fault_id: str) -> None:
    deleted, _ = FaultRule.objects.filter(pk=fault_id).delete()
    if not deleted:
        raise not_found(f"No fault {fault_id} exists.", {"faultId": "no such fault"})
