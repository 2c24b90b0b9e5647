from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "studies"
    verbose_name = "Studies"

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db.models.signals import post_migrate

        from studies.requestid import request_id_clear

        post_migrate.connect(_sync_roles, sender=self)
        request_finished.connect(request_id_clear, dispatch_uid="studies.request_id_clear")


def _sync_roles(sender, using="default", **kwargs) -> None:
    if using != "default":
        return
    from studies.roles import role_sync

    role_sync()
