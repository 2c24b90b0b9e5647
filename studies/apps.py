from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "studies"
    verbose_name = "Studies"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(sender, using="default", **kwargs) -> None:
    if using != "default":
        return
    from studies.roles import role_sync

    role_sync()
