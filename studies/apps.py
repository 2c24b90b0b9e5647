from django.apps import AppConfig
from django.core.signals import request_finished

from studies.infra.requestid import request_id_clear


class StudiesConfig(AppConfig):
    name = "studies"
    verbose_name = "Studies"

    def ready(self) -> None:
        # Here, not at the top: the receivers use models, loaded after this module.
        from studies.accounts.signals import accounts_signals_connect

        accounts_signals_connect(self)
        request_finished.connect(request_id_clear, dispatch_uid="studies.request_id_clear")
