"""What Django's signals tell the accounts: the roles made after each migration, and the
accounts' generation moved whenever Django saves or deletes a user, an account (the
Avara link) or a group, or changes whose groups or permissions are whose.

The users and capabilities kept per process (studies/accounts/backends.py,
capabilities.py) are keyed by that generation. A login's own `last_login` write changes
nothing they hold. Connected by StudiesConfig.ready (studies/apps.py).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from studies.accounts.roles import role_sync
from studies.infra.shared import accounts_generation_bump
from studies.models import Account


def accounts_signals_connect(app_config) -> None:
    post_migrate.connect(_sync_roles, sender=app_config)
    user_model = get_user_model()
    for model in (user_model, Account, Group):
        post_save.connect(_account_saved, sender=model, dispatch_uid=f"triage.saved.{model}")
        post_delete.connect(_account_changed, sender=model, dispatch_uid=f"triage.del.{model}")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_account_changed, sender=through, dispatch_uid=f"triage.m2m.{through}")


def _sync_roles(sender, using="default", **kwargs) -> None:
    if using != "default":
        return
    role_sync()


def _account_saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    _account_changed(sender, **kwargs)


def _account_changed(sender, using="default", **kwargs) -> None:
    """Now, and again once the transaction commits: a process that read the account
    between the two (before the change was visible) kept it under a generation that the
    second move leaves behind."""
    accounts_generation_bump()
    # robust: the change is saved by then; a store that fails here must not turn it
    # into an error page (the kept copies then expire within USERS_SECONDS).
    transaction.on_commit(accounts_generation_bump, using=using, robust=True)
