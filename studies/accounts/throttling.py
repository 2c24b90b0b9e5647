"""Login throttling (django-axes): lock a username at an address after repeated failures.

Policy (settings, from the environment):
- After DJANGO_LOGIN_FAILURE_LIMIT failed logins (default 5) for one username from one
  client address, that username is locked at that address for DJANGO_LOGIN_COOLOFF_MINUTES
  (default 15) from the last failure; further attempts, even with the right password,
  are refused without extending the lock. A username is locked whether or not an account
  has it, so the lock page reveals nothing about which usernames exist.
- Per username *and* address: an attacker cannot lock a colleague out from elsewhere, and
  one address may try other usernames (each counted on its own).
- The address is the peer's, or the one a trusted proxy forwarded (studies/infra/addresses.py).
- Admins see current locks on the accounts page and can lift one (`login_unlock`).
- Every failure, lock and unlock goes to the audit trail and the logs.

The counters are axes' AccessAttempt rows in the database (PostgreSQL in production), so
every process and host sees the same ones, and the accounts page can list them; a cache
cannot be listed.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format

from studies.audit import audit_record
from studies.models import AuditAction, AuditOutcome

# The logger keeps the name it had before the module moved: log lines carry it.
log = logging.getLogger("studies.throttling")

MAX_USERNAME = 150  # Django's username length: longer input never reaches authenticate()


def username_of(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username tried, as stored (no NUL, bounded length)."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    if value is None:
        return None
    return str(value).replace("\x00", "")[:MAX_USERNAME]


class ThrottlingBackend(AxesStandaloneBackend):
    """Refuses a locked username before any password check (first in AUTHENTICATION_BACKENDS).

    Calls without a request (Django's test client `login()`, `authenticate()` in a shell)
    are not throttled: they have no client address, and the login page always passes
    its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AuditedAxesHandler(AxesDatabaseHandler):
    """axes' database handler, plus an audit row and a log line for each outcome."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        already_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None:
            return
        username = get_client_username(request, credentials) or ""
        address = request.axes_ip_address
        where = {"username": username, "address": address}
        if already_locked:
            until = locked_until(username=username, ip_address=address)
            _audit(AuditAction.LOGIN_FAILED, where, f"Refused: locked until {_when(until)}.")
            log.warning("Login refused while locked", extra=_fields(where, until=until))
            return
        failures = request.axes_failures_since_start or 0
        limit = get_failure_limit(request, credentials)
        _audit(
            AuditAction.LOGIN_FAILED,
            where,
            f"Wrong username or password ({failures} of {limit} before a lock).",
        )
        log.warning("Login failed", extra=_fields(where, failures=failures, limit=limit))
        if request.axes_locked_out:
            until = locked_until(username=username, ip_address=address)
            _audit(
                AuditAction.LOGIN_LOCKED,
                where,
                f"Locked after {failures} failed logins, until {_when(until)}.",
            )
            log.warning("Login locked", extra=_fields(where, failures=failures, until=until))

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        log.info(
            "Login",
            extra={"username": user.get_username(), "client_ip": request.axes_ip_address},
        )


def _audit(action: str, where: dict, detail: str, *, actor=None, outcome=None) -> None:
    audit_record(
        actor=actor,
        action=action,
        after=where,
        outcome=outcome or AuditOutcome.REFUSED,
        detail=detail,
    )


def _fields(where: dict, *, until: datetime | None = None, **more) -> dict:
    fields = {"username": where["username"], "client_ip": where["address"], **more}
    if until is not None:
        fields["locked_until"] = until.isoformat()
    return fields


def _when(until: datetime | None) -> str:
    """For the audit trail's text: in the configured zone (TIME_ZONE), whoever's request
    wrote it, so that every entry's text speaks of one zone."""
    if until is None:
        return "an administrator unlocks it"
    return date_format(timezone.localtime(until, timezone.get_default_timezone()), "Y-m-d H:i T")


# --- Current locks ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoginLock:
    username: str
    ip_address: str
    failures: int
    locked_until: datetime | None  # None: no cool-off configured (an admin must unlock)


def _recent_attempts():
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def _until(last_failure: datetime, cool_off: timedelta | None) -> datetime | None:
    return None if cool_off is None else last_failure + cool_off


def login_locks() -> list[LoginLock]:
    """Every username and address locked now, the most recent first."""
    limit = get_failure_limit(None, None)
    cool_off = get_cool_off()
    groups = (
        _recent_attempts()
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last")
    )
    return [
        LoginLock(
            username=group["username"] or "",
            ip_address=group["ip_address"] or "",
            failures=group["failures"],
            locked_until=_until(group["last"], cool_off),
        )
        for group in groups
    ]


def locked_until(*, username: str, ip_address: str | None) -> datetime | None:
    last = (
        _recent_attempts()
        .filter(username=username, ip_address=ip_address)
        .aggregate(last=Max("attempt_time"))["last"]
    )
    return _until(last, get_cool_off()) if last else None


class BadUnlock(ValueError):
    """The unlock request names no valid username and address."""


def login_unlock(*, actor, username: str, ip_address: str) -> LoginLock | None:
    """Lift the lock of `username` at `ip_address`; audited. None if it was not locked."""
    if "\x00" in username or len(username) > MAX_USERNAME:
        raise BadUnlock("That is not a username the login page accepts.")
    try:
        ip_address = str(ipaddress.ip_address(ip_address.strip()))
    except ValueError as exc:
        raise BadUnlock("That is not a valid client address.") from exc
    where = {"username": username, "address": ip_address}
    lock = next(
        (
            lock
            for lock in login_locks()
            if lock.username == username and lock.ip_address == ip_address
        ),
        None,
    )
    if lock is None:
        _audit(AuditAction.LOGIN_UNLOCKED, where, "Nothing to unlock: not locked.", actor=actor)
        return None
    with transaction.atomic():
        AccessAttempt.objects.filter(username=username, ip_address=ip_address).delete()
        audit_record(
            actor=actor,
            action=AuditAction.LOGIN_UNLOCKED,
            before={**where, "failures": lock.failures, "locked_until": _when(lock.locked_until)},
            after=where,
            outcome=AuditOutcome.APPLIED,
            detail=f"Unlocked {username} at {ip_address}.",
        )
    log.warning(
        "Login unlocked",
        extra=_fields(where, by=getattr(actor, "username", ""), failures=lock.failures),
    )
    return lock


# --- The page a locked login sees --------------------------------------------------------


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again, saying until when (status 429)."""
    username = username_of(request, credentials) or ""
    until = locked_until(username=username, ip_address=getattr(request, "axes_ip_address", None))
    seconds = _seconds_left(until)
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", ""),
        "locked_until": timezone.localtime(until) if until else None,
        "locked_minutes": max(1, -(-seconds // 60)),
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _seconds_left(until: datetime | None) -> int:
    if until is None:
        return 0
    return max(0, int((until - timezone.now()).total_seconds()))
