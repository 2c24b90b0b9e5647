"""The saved worklists' write services (studies/services/worklists.py), called as the
views call them: their limits and the races a page cannot show."""

from unittest import mock

import pytest
from django.db import IntegrityError

from studies import services
from studies.accounts.roles import ADMIN, SUPERVISOR
from studies.models import AuditEntry, SavedWorklist
from studies.services import worklists

pytestmark = [pytest.mark.django_db, pytest.mark.stores]  # PostgreSQL: names, races


def test_a_person_keeps_at_most_so_many_lists(make_account):
    user = make_account(SUPERVISOR)
    for n in range(worklists.LISTS_MAX):
        assert services.worklist_save(actor=user, name=f"L{n}", page="worklist", query="").ok

    result = services.worklist_save(actor=user, name="One more", page="worklist", query="")

    assert (result.ok, result.reason) == (False, services.Reason.INVALID)
    assert "delete one first" in result.message
    assert SavedWorklist.objects.count() == worklists.LISTS_MAX


def test_only_the_worklist_and_the_queue_are_saved(make_account):
    user = make_account(SUPERVISOR)

    result = services.worklist_save(actor=user, name="Audit", page="audit", query="")

    assert not result.ok and "Only the worklist" in result.message
    assert AuditEntry.objects.get().outcome == "refused"


def test_the_same_name_saved_at_the_same_moment_is_refused_not_an_error(make_account):
    user = make_account(SUPERVISOR)
    with (
        mock.patch.object(worklists, "_taken", return_value=False),
        mock.patch.object(SavedWorklist.objects, "create", side_effect=IntegrityError("unique")),
    ):
        result = services.worklist_save(actor=user, name="Twice", page="worklist", query="")

    assert (result.ok, result.reason) == (False, services.Reason.INVALID)
    assert AuditEntry.objects.get().outcome == "refused"


def test_nothing_to_change_is_said_and_not_audited(make_account):
    admin = make_account(ADMIN)
    saved = services.worklist_save(actor=admin, name="Same", page="queue", query="").worklist

    renamed = services.worklist_rename(actor=admin, pk=saved.pk, name=" Same ")
    published = services.worklist_publish(actor=admin, pk=saved.pk, role="")
    cleared = services.worklist_landing_set(actor=admin, pk=None)

    assert [r.outcome for r in (renamed, published, cleared)] == [services.Outcome.UNCHANGED] * 3
    assert AuditEntry.objects.count() == 1  # the save


def test_a_copy_keeps_within_the_name_limit(make_account):
    user = make_account(SUPERVISOR)
    long = "x" * worklists.NAME_MAX
    saved = services.worklist_save(actor=user, name=long, page="worklist", query="").worklist

    copy = services.worklist_copy(actor=user, pk=saved.pk)

    assert copy.ok
    assert copy.worklist.name == "x" * (worklists.NAME_MAX - 7) + " (copy)"
