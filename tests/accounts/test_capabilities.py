"""What a page offers a user (Capabilities) is kept per process and in the shared store
under the accounts' generation: a role change must show at the next request, even
after the store lost its counter (a Redis restart, an eviction), a change saved through
Django anywhere (a shell) at the next request too, and a change made past Django (SQL)
once the kept value expires."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache

from studies.accounts import capabilities
from studies.accounts.capabilities import Capabilities
from studies.accounts.roles import ADMIN, RADIOLOGIST, role_sync
from studies.infra.shared import ACCOUNTS_KEY, accounts_generation, accounts_generation_bump

pytestmark = [pytest.mark.django_db, pytest.mark.stores]


def fresh(pk: int):
    """The user as the next request loads it (nothing kept on the object)."""
    return get_user_model().objects.get(pk=pk)


@pytest.fixture
def admin():
    account = get_user_model().objects.create_user("kept-admin", password="Kept-Passw0rd-1")
    account.groups.set([Group.objects.get(name=ADMIN)])
    accounts_generation_bump()
    return account


def demote(account) -> None:
    """As the accounts page does: change the role, then move the generation."""
    account.groups.set([Group.objects.get(name=RADIOLOGIST)])
    accounts_generation_bump()


def test_a_demotion_shows_at_the_next_request(admin):
    assert Capabilities.of(fresh(admin.pk)).see_cancelled

    demote(admin)

    caps = Capabilities.of(fresh(admin.pk))
    assert (caps.role, caps.see_cancelled) == (RADIOLOGIST, False)


def test_a_store_that_lost_its_counter_never_hands_out_an_old_generation(admin):
    cache.clear()  # a Redis restart or eviction
    role_sync()  # a deploy's migrate moves the generation
    before_demotion = accounts_generation()
    assert Capabilities.of(fresh(admin.pk)).role == ADMIN
    demote(admin)
    assert Capabilities.of(fresh(admin.pk)).role == RADIOLOGIST

    cache.clear()  # the counter is lost again...
    role_sync()  # ...and moved again: it must not land on a number used before

    assert accounts_generation() > before_demotion + 1
    caps = Capabilities.of(fresh(admin.pk))
    assert (caps.role, caps.see_cancelled) == (RADIOLOGIST, False)


def test_a_change_that_moves_no_generation_shows_once_the_kept_value_expires(admin, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("studies.infra.kept.time.monotonic", lambda: clock[0])
    account = fresh(admin.pk)
    assert Capabilities.of(account).see_cancelled
    # Changed by SQL (past Django's signals): no generation moves; the shared store's
    # copy expires.
    through = get_user_model().groups.through
    through.objects.filter(user_id=admin.pk).update(group_id=Group.objects.get(name=RADIOLOGIST).pk)
    joined = account.date_joined.timestamp()
    cache.delete(f"triage:caps:v3:{accounts_generation()}:{admin.pk}:{joined}")

    assert Capabilities.of(fresh(admin.pk)).see_cancelled  # still kept in this process
    clock[0] += capabilities.CAPS_SECONDS + 1
    assert not Capabilities.of(fresh(admin.pk)).see_cancelled


def test_a_role_changed_in_a_shell_shows_at_the_next_request(admin):
    assert Capabilities.of(fresh(admin.pk)).see_cancelled

    admin.groups.set([Group.objects.get(name=RADIOLOGIST)])  # no accounts page involved

    assert not Capabilities.of(fresh(admin.pk)).see_cancelled


def test_a_bump_racing_a_store_restart_still_moves_past_what_others_read(monkeypatch):
    """The counter was lost; while this process bumps, another puts one back (and may
    keep values read before this change under it): the bump must move past it."""
    cache.delete(ACCOUNTS_KEY)
    real_add = cache.add
    theirs = {}

    def another_process_adds_first(key, value, timeout=None):
        real_add(key, 5_000, timeout=timeout)
        theirs["generation"] = cache.get(key)
        return real_add(key, value, timeout=timeout)  # ours: too late

    monkeypatch.setattr(cache, "add", another_process_adds_first)
    accounts_generation_bump()

    assert accounts_generation() > theirs["generation"]
