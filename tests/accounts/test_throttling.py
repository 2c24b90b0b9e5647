"""Login throttling: a username is locked at an address after repeated failures, the login
page says until when (the same for any username), admins see and lift locks, and every
failure, lock and unlock is audited and logged."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditAction, AuditEntry, AuditOutcome

# Run again on PostgreSQL + Redis by `make test`: attempts, audit rows, sessions.
pytestmark = pytest.mark.stores

LOGIN = "/accounts/login/"
UNLOCK = "/accounts/locks/unlock"
LOCK_MESSAGE = "Too many failed logins for this username from your address."
LIMIT = 5  # DJANGO_LOGIN_FAILURE_LIMIT's default
PASSWORD = "Right-Passw0rd-for-throttling"


@pytest.fixture
def make_account(make_account):
    """The views' make_account, with a password these tests know."""

    def make(role: str, **kwargs):
        user = make_account(role, **kwargs)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        return user

    return make


def attempt(username: str, password: str, *, address: str = "127.0.0.1", **headers):
    client = Client(REMOTE_ADDR=address, **headers)
    response = client.post(LOGIN, {"username": username, "password": password})
    response.client = client
    return response


def logged_in(response) -> bool:
    return response.status_code == 302 and response.client.get("/accounts/").status_code != 302


def fail(username: str, times: int, **kwargs) -> list:
    return [attempt(username, "wrong-password", **kwargs) for _ in range(times)]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_fifty_wrong_passwords_then_the_right_one_is_refused(make_account):
    make_account(RADIOLOGIST)

    answers = fail("radiologist", 50)
    right = attempt("radiologist", PASSWORD)

    assert [a.status_code for a in answers[: LIMIT - 1]] == [200] * (LIMIT - 1)
    assert {a.status_code for a in answers[LIMIT - 1 :]} == {429}
    assert right.status_code == 429
    assert LOCK_MESSAGE in text(right)
    assert "even with the right password" in text(right)
    assert right.client.get("/").status_code == 302  # still sent to the login page


def test_the_lock_page_says_until_when(make_account):
    make_account(RADIOLOGIST)
    before = timezone.localtime()

    locked = fail("radiologist", LIMIT)[-1]

    until = before + timedelta(minutes=15)
    assert locked.status_code == 429
    assert "paused until <time datetime=" in text(locked)  # the zone named on hover
    assert f'UTC">{until:%H:%M}</time>' in text(locked) or (
        f'UTC">{until + timedelta(minutes=1):%H:%M}</time>' in text(locked)
    )
    assert "about 15 minutes" in text(locked)
    assert 14 * 60 <= int(locked["Retry-After"]) <= 15 * 60


def test_the_lock_page_is_the_same_for_a_username_nobody_has(make_account):
    make_account(RADIOLOGIST)

    real = fail("radiologist", LIMIT)[-1]
    made_up = fail("nobody-has-this", LIMIT)[-1]

    def message(response):
        return re.search(r'<p class="error".*?</p>', text(response)).group(0)

    assert real.status_code == made_up.status_code == 429
    assert message(real) == message(made_up)


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(make_account):
    make_account(RADIOLOGIST)

    answers = fail("radiologist", LIMIT - 1)

    assert all("didn&#x27;t match" in text(a) or "didn't match" in text(a) for a in answers)
    assert logged_in(attempt("radiologist", PASSWORD))


def test_a_success_resets_the_count(make_account):
    make_account(RADIOLOGIST)

    fail("radiologist", LIMIT - 1)
    assert logged_in(attempt("radiologist", PASSWORD))
    fail("radiologist", LIMIT - 1)

    assert logged_in(attempt("radiologist", PASSWORD))


def test_the_lock_holds_one_username_at_one_address(make_account):
    make_account(RADIOLOGIST)
    make_account(SUPERVISOR)

    fail("radiologist", LIMIT)

    assert attempt("radiologist", PASSWORD).status_code == 429
    assert logged_in(attempt("radiologist", PASSWORD, address="10.9.8.7"))
    assert logged_in(attempt("supervisor", PASSWORD))


def test_the_lock_ends_after_the_cool_off(make_account):
    make_account(RADIOLOGIST)
    fail("radiologist", LIMIT)
    assert attempt("radiologist", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert logged_in(attempt("radiologist", PASSWORD))


def test_retrying_while_locked_does_not_extend_the_lock(make_account):
    make_account(RADIOLOGIST)
    fail("radiologist", LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))

    fail("radiologist", 3)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert logged_in(attempt("radiologist", PASSWORD))


def test_failures_locks_and_refusals_are_audited_without_the_password(make_account):
    make_account(RADIOLOGIST)

    fail("radiologist", LIMIT + 1)

    entries = list(AuditEntry.objects.order_by("id"))
    actions = [e.action for e in entries]
    assert actions == [AuditAction.LOGIN_FAILED] * LIMIT + [
        AuditAction.LOGIN_LOCKED,
        AuditAction.LOGIN_FAILED,
    ]
    assert {e.outcome for e in entries} == {AuditOutcome.REFUSED}
    assert {(e.after["username"], e.after["address"]) for e in entries} == {
        ("radiologist", "127.0.0.1")
    }
    assert "1 of 5" in entries[0].detail
    assert "Locked after 5 failed logins" in entries[LIMIT].detail
    assert entries[-1].detail.startswith("Refused: locked until")
    assert not any("wrong-password" in str(vars(e)) for e in entries)


def test_failures_and_locks_are_logged_without_the_password(make_account, caplog):
    make_account(RADIOLOGIST)

    with caplog.at_level("INFO", logger="studies.throttling"):
        fail("radiologist", LIMIT)

    ours = [r for r in caplog.records if r.name == "studies.throttling"]
    assert [r.getMessage() for r in ours] == ["Login failed"] * LIMIT + ["Login locked"]
    assert {(r.username, r.client_ip) for r in ours} == {("radiologist", "127.0.0.1")}
    assert ours[-1].locked_until
    assert "wrong-password" not in caplog.text


def test_behind_a_trusted_proxy_the_forwarded_client_is_locked(settings, make_account):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_account(RADIOLOGIST)

    fail("radiologist", LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert attempt("radiologist", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert logged_in(attempt("radiologist", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8"))
    assert AuditEntry.objects.filter(after__address="203.0.113.7").count() == LIMIT + 2


def test_a_forged_forwarded_header_does_not_escape_the_lock(settings, make_account):
    settings.TRUSTED_PROXIES = []
    make_account(RADIOLOGIST)

    for n in range(LIMIT):
        attempt("radiologist", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    right = attempt("radiologist", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.200")

    assert right.status_code == 429


# --- Admins: the accounts page and Unlock ------------------------------------------------


def test_admins_see_the_lock_on_the_accounts_page(login, make_account):
    make_account(RADIOLOGIST)
    fail("radiologist", LIMIT)
    fail("ghost", LIMIT, address="10.1.1.1")

    page = text(login(ADMIN).get("/accounts/"))

    assert "Login locked" in page  # the radiologist's account row
    assert re.search(
        r'"Username tried">radiologist</td><td data-label="From address"><code>127\.0\.0\.1'
        r'</code></td><td data-label="Failed logins">5</td>',
        page,
    )
    assert re.search(
        r'"Username tried">ghost</td><td data-label="From address"><code>10\.1\.1\.1'
        r'</code></td><td data-label="Failed logins">5</td>',
        page,
    )
    assert page.count('action="/accounts/locks/unlock"') == 2


def test_an_admin_unlocks_and_the_right_password_works_at_once(login, make_account, caplog):
    make_account(RADIOLOGIST)
    fail("radiologist", LIMIT)
    admin = login(ADMIN)

    with caplog.at_level("INFO", logger="studies.throttling"):
        response = admin.post(UNLOCK, {"username": "radiologist", "ip_address": "127.0.0.1"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    assert "Unlocked radiologist from 127.0.0.1." in text(admin.get("/accounts/"))
    assert "No login is locked." in text(admin.get("/accounts/"))
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_UNLOCKED)
    assert entry.outcome == AuditOutcome.APPLIED
    assert entry.actor == admin.user
    assert entry.before["failures"] == LIMIT
    assert any(r.getMessage() == "Login unlocked" and r.by == "admin" for r in caplog.records)
    assert logged_in(attempt("radiologist", PASSWORD))


def test_unlocking_what_is_not_locked_says_so(login):
    admin = login(ADMIN)

    response = admin.post(
        UNLOCK, {"username": "radiologist", "ip_address": "127.0.0.1"}, follow=True
    )

    assert "nothing to unlock" in text(response)
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_UNLOCKED)
    assert entry.outcome == AuditOutcome.REFUSED


@pytest.mark.parametrize(
    ("username", "address"),
    [("radiologist", "not-an-address"), ("radio\x00logist", "127.0.0.1"), ("x" * 5000, "")],
)
def test_a_malformed_unlock_is_a_message_not_a_500(login, make_account, username, address):
    make_account(RADIOLOGIST)
    fail("radiologist", LIMIT)

    response = login(ADMIN).post(UNLOCK, {"username": username, "ip_address": address})

    assert response.status_code == 302
    assert attempt("radiologist", PASSWORD).status_code == 429  # still locked


@pytest.mark.parametrize("role", [RADIOLOGIST, SUPERVISOR])
def test_only_admins_may_unlock(login, make_account, role):
    make_account(RADIOLOGIST, username="locked-one")
    fail("locked-one", LIMIT)

    response = login(role).post(UNLOCK, {"username": "locked-one", "ip_address": "127.0.0.1"})

    assert response.status_code == 403
    assert attempt("locked-one", PASSWORD).status_code == 429
    refused = AuditEntry.objects.get(action=AuditAction.LOGIN_UNLOCKED)
    assert refused.outcome == AuditOutcome.REFUSED
    assert "may not manage accounts" in refused.detail


def test_unlock_needs_a_post_with_a_csrf_token(login, make_account):
    make_account(RADIOLOGIST)
    fail("radiologist", LIMIT)
    admin = login(ADMIN)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin.user)

    assert admin.get(UNLOCK).status_code == 405
    assert (
        strict.post(UNLOCK, {"username": "radiologist", "ip_address": "127.0.0.1"}).status_code
        == 403
    )
    assert attempt("radiologist", PASSWORD).status_code == 429
