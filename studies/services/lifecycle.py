"""A study's life: create, cancel, restore (or undo one's own cancel), and the tokenized
viewer link."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.response import MAX_URL_REDIRECT_LENGTH

from studies import upstream
from studies.infra.locks import study_lock
from studies.messages import upstream_message
from studies.models import AuditAction
from studies.services import rules, undo
from studies.services.outcomes import (
    BUSY,
    audit,
    bounded,
    failed_read,
    reason_for,
    refused,
    settle,
    when,
    written,
)
from studies.services.results import Outcome, Reason, WriteResult


@dataclass(frozen=True, slots=True)
class _Flip:
    """One way of cancelling or restoring: what is audited, who may, what is said."""

    cancel: bool  # True: cancel; False: restore
    action: AuditAction
    permission: str  # "" when the caller checked who may (an Undo: its token)
    done: str  # what to say when done


_CANCEL = _Flip(True, AuditAction.CANCEL, "cancel_study", "Study cancelled.")
_RESTORE = _Flip(False, AuditAction.UNCANCEL, "uncancel_study", "Study restored.")
_UNDO = _Flip(False, AuditAction.UNDO_CANCEL, "", "Cancel undone: the study is active again.")
UNDO_EXPIRED = (
    "Undo is no longer available: it lasts {seconds} seconds after the cancel. "
    "An admin can restore the study."
)
UNDO_DETAIL = "Undone by the person who cancelled it, within the undo window."


def study_cancel(*, actor, study_id: str) -> WriteResult:
    """Cancel a study (supervisors, admins). Already cancelled: nothing to do, said so.
    A cancel that applied carries an Undo token for its author (studies/services/undo.py)."""
    result = _flip(actor, study_id, _CANCEL)
    if result.outcome is not Outcome.APPLIED:
        return result
    token = undo.undo_token(actor=actor, study_id=study_id, study=result.study)
    return dataclasses.replace(result, undo=token)


def study_restore(*, actor, study_id: str) -> WriteResult:
    """Restore a cancelled study (admins)."""
    return _flip(actor, study_id, _RESTORE)


def study_undo_cancel(*, actor, study_id: str, token: str) -> WriteResult:
    """Take back one's own cancel within the undo window: the admins' restore, allowed by
    the cancel's token instead of the role (the rule: studies/services/undo.py)."""
    action = AuditAction.UNDO_CANCEL
    offer = undo.undo_offer(actor=actor, study_id=study_id, token=token)
    if offer is None:
        message = "This Undo is not yours, or it is damaged: nothing was changed."
        return refused(actor, action, study_id, message, Reason.FORBIDDEN)
    if not (rules.may(actor, "cancel_study") or rules.may(actor, "uncancel_study")):
        message = rules.role_refusal(actor, "cancel_study")
        return refused(actor, action, study_id, message, Reason.FORBIDDEN)
    if not offer.open:
        message = UNDO_EXPIRED.format(seconds=settings.TRIAGE_UNDO_SECONDS)
        return refused(actor, action, study_id, message, Reason.FORBIDDEN)
    handle = undo.undo_take(offer)
    if handle is None:
        message = "This cancel was already undone with this Undo; nothing more was changed."
        return refused(actor, action, study_id, message, Reason.DUPLICATE)
    result = _flip(actor, study_id, _UNDO, guard=lambda study: _undo_guard(offer, study))
    if result.outcome in (Outcome.REFUSED, Outcome.NOT_APPLIED) and result.reason in (
        Reason.UNAVAILABLE,
        Reason.BUSY,
    ):
        undo.undo_give_back(offer, handle)  # nothing changed: the user may try again
    return result


def _undo_guard(offer, study) -> str | None:
    """Refuse an Undo whose cancel is no longer the study's (restored and cancelled again
    since): that later cancel is someone else's decision."""
    if study.is_cancelled and not undo.same_cancel(offer, study):
        return "The study was restored and cancelled again since; ask an admin to restore it."
    return None


@bounded
def _flip(actor, study_id: str, flip: _Flip, *, guard=None) -> WriteResult:
    action = flip.action
    if flip.permission and not rules.may(actor, flip.permission):
        message = rules.role_refusal(actor, flip.permission)
        return refused(actor, action, study_id, message, Reason.FORBIDDEN)
    with study_lock(study_id=study_id) as held:
        if not held:
            return refused(actor, action, study_id, BUSY, Reason.BUSY)
        try:
            study = upstream.study_get(study_id=study_id)
        except upstream.UpstreamError as exc:
            return failed_read(actor, action, study_id, exc)
        refusal = guard(study) if guard else None
        if refusal:
            return refused(actor, action, study_id, refusal, Reason.FORBIDDEN, study=study)
        if study.is_cancelled == flip.cancel:
            stamp = when(study.cancelled_at if flip.cancel else study.updated_at)
            if flip.cancel:
                message = "Already cancelled" + (f" (since {stamp})." if stamp else ".")
            else:
                message = "Already restored: someone restored it" + (
                    f" at {stamp}." if stamp else "."
                )
            audit(actor, action, study_id, Outcome.UNCHANGED, message)
            return WriteResult(Outcome.UNCHANGED, message, study=study)
        return _flip_locked(actor, study_id, flip)


def _flip_locked(actor, study_id: str, flip: _Flip) -> WriteResult:
    action, cancel = flip.action, flip.cancel
    before, after = {"is_cancelled": not cancel}, {"is_cancelled": cancel}
    detail = UNDO_DETAIL if action is AuditAction.UNDO_CANCEL else ""
    try:
        answer = (upstream.study_cancel if cancel else upstream.study_uncancel)(study_id=study_id)
    except upstream.UpstreamError as exc:
        if not exc.maybe_applied:
            reason = reason_for(exc)
            outcome = Outcome.NOT_APPLIED if reason is Reason.UNAVAILABLE else Outcome.REFUSED
            message = "Nothing changed: " + upstream_message(exc)
            return refused(actor, action, study_id, message, reason, outcome=outcome)
        return settle(
            actor,
            action,
            study_id,
            landed=lambda s: s.is_cancelled == cancel,
            untouched=lambda s: s.is_cancelled != cancel,
            before=before,
            after=after,
            pending=exc.may_still_land,
        )
    if not answer.success:
        message = answer.message or "Avara did not make the change."
        return refused(actor, action, study_id, message, Reason.CANCELLED, study=_reread(study_id))
    audit(
        actor,
        action,
        study_id,
        Outcome.APPLIED,
        answer.message or detail,
        before=before,
        after=after,
    )
    study = _reread(study_id)
    written(study)
    return WriteResult(Outcome.APPLIED, flip.done, study=study)


def _reread(study_id: str):
    """The study after an action that answers no study (cancel, uncancel), or None."""
    try:
        return upstream.study_get(study_id=study_id)
    except upstream.UpstreamError:
        return None


def viewer_url_allowed(url: str) -> bool:
    """Only http(s) URLs to a configured viewer host, without credentials in them."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    schemes = {"https"} if settings.PRODUCTION else {"https", "http"}
    if parts.scheme not in schemes or not host or parts.username or parts.password:
        return False
    if len(url) > MAX_URL_REDIRECT_LENGTH:  # Django would refuse to redirect there
        return False
    for allowed in settings.AVARA_VIEWER_HOSTS:
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return True
    return False


def _host_or_unknown(url: str) -> str:
    try:
        return urlsplit(url).hostname or "an unknown host"
    except ValueError:
        return "an unparseable address"


@bounded
def study_viewer_link(*, actor, study_id: str) -> WriteResult:
    """A fresh tokenized viewer URL, only to an allowed viewer host. The URL itself is
    never stored: the audit keeps its host."""
    action = AuditAction.OPEN_VIEWER
    if not rules.may(actor, "open_viewer"):
        message = rules.role_refusal(actor, "open_viewer")
        return refused(actor, action, study_id, message, Reason.FORBIDDEN)
    try:
        url = upstream.study_reroute_url(study_id=study_id)
    except upstream.UpstreamError as exc:
        return refused(actor, action, study_id, upstream_message(exc), reason_for(exc))
    if not viewer_url_allowed(url):
        message = (
            f"Avara returned a viewer link to {_host_or_unknown(url)}, which is not an allowed "
            "viewer host. Nothing was opened; an administrator can allow it in AVARA_VIEWER_HOSTS."
        )
        return refused(actor, action, study_id, message, Reason.BAD_UPSTREAM)
    audit(actor, action, study_id, Outcome.APPLIED, after={"viewer_host": urlsplit(url).hostname})
    return WriteResult(Outcome.APPLIED, "Opening the viewer.", url=url)


@bounded
def study_create(*, actor, values: Mapping[str, Any]) -> WriteResult:
    """Create a study. `values`: severity, study_description, study_instance_uid and
    optionally assigned_to, express_customer_id, metadata (snake_case)."""
    action = AuditAction.CREATE
    after = dict(values)
    if not rules.may(actor, "create_study"):
        message = rules.role_refusal(actor, "create_study")
        return refused(actor, action, "", message, Reason.FORBIDDEN, after=after)
    try:
        study = upstream.study_create(**values)
    except upstream.Conflict:
        existing = _by_uid(values["study_instance_uid"])
        message = "A study with this Study Instance UID already exists."
        return refused(actor, action, "", message, Reason.DUPLICATE, study=existing, after=after)
    except upstream.UpstreamError as exc:
        return _create_failed(actor, values, exc)
    written(study)
    audit(actor, action, study.study_id, Outcome.APPLIED, after=after)
    return WriteResult(Outcome.APPLIED, f"Study created: {study.study_description}.", study=study)


def _by_uid(uid: str):
    try:
        return upstream.study_get_by_uid(study_instance_uid=uid)
    except upstream.UpstreamError:
        return None


def _create_failed(actor, values: Mapping[str, Any], exc: upstream.UpstreamError):
    action, after = AuditAction.CREATE, dict(values)
    if not exc.maybe_applied:
        invalid = isinstance(exc, upstream.ValidationFailed)
        errors = dict(exc.field_errors) if invalid else {}
        reason = reason_for(exc)
        outcome = Outcome.NOT_APPLIED if reason is Reason.UNAVAILABLE else Outcome.REFUSED
        message = "Not created: " + (
            "Avara did not accept some fields." if invalid else upstream_message(exc)
        )
        return refused(
            actor, action, "", message, reason, after=after, outcome=outcome, field_errors=errors
        )
    # Sent, but no usable answer: look the UID up to learn whether the study exists.
    try:
        study = upstream.study_get_by_uid(study_instance_uid=values["study_instance_uid"])
    except upstream.NotFound:
        if exc.may_still_land:  # no answer at all: the create may still be on its way
            message = (
                "Avara did not answer in time, and no study has this UID yet; it may still "
                "be created. Search for its Study Instance UID in a minute before retrying."
            )
            audit(actor, action, "", Outcome.UNKNOWN, message, after=after)
            return WriteResult(Outcome.UNKNOWN, message, reason=Reason.UNAVAILABLE)
        message = "Not created: Avara did not answer properly, and no study has this UID."
        return refused(
            actor, action, "", message, Reason.UNAVAILABLE, after=after, outcome=Outcome.NOT_APPLIED
        )
    except upstream.UpstreamError:
        message = (
            "Avara did not confirm the new study and cannot be asked right now, so it is not "
            "known whether it was created. Search for its Study Instance UID before retrying."
        )
        audit(actor, action, "", Outcome.UNKNOWN, message, after=after)
        return WriteResult(Outcome.UNKNOWN, message, reason=Reason.UNAVAILABLE)
    if (study.study_description, study.severity) != (
        values["study_description"],
        values["severity"],
    ):
        message = "A study with this Study Instance UID already exists."
        return refused(actor, action, "", message, Reason.DUPLICATE, study=study, after=after)
    detail = "Answer lost; the study exists (read back by its UID)."
    written(study)
    audit(actor, action, study.study_id, Outcome.APPLIED, detail, after=after)
    return WriteResult(Outcome.APPLIED, f"Study created: {study.study_description}.", study=study)


def study_create_rejected(*, actor, uid: str, message: str) -> WriteResult:
    """A create the form refused before any call to Avara, audited like the others."""
    after = {"study_instance_uid": uid}
    return refused(actor, AuditAction.CREATE, "", message, Reason.INVALID, after=after)
