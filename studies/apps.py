from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "studies"
    verbose_name = "Studies"

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db.models.signals import post_migrate

        from studies.infra.requestid import request_id_clear

        post_migrate.connect(_sync_roles, sender=self)
        _watch_accounts()
        request_finished.connect(request_id_clear, dispatch_uid="studies.request_id_clear")


def _sync_roles(sender, using="default", **kwargs) -> None:
    if using != "default":
        return
    from studies.accounts.roles import role_sync

    role_sync()


def _watch_accounts() -> None:
    """Move the accounts generation whenever Django saves or deletes a user, an account
    (the Avara link) or a group, or changes whose groups or permissions are whose: the
    users and capabilities kept per process (studies/accounts/backends.py, presenters.py) are
    keyed by it. A login's own `last_login` write changes nothing they hold."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from studies.models import Account

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


def _account_saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    _account_changed(sender, **kwargs)


def _account_changed(sender, using="default", **kwargs) -> None:
    """Now, and again once the transaction commits: a process that read the account
    between the two (before the change was visible) kept it under a generation that the
    second move leaves behind."""
    from django.db import transaction

    from studies.infra.shared import accounts_generation_bump

    accounts_generation_bump()
    # robust: the change is saved by then; a store that fails here must not turn it
    # into an error page (the kept copies then expire within USERS_SECONDS).
    transaction.on_commit(accounts_generation_bump, using=using, robust=True)
