"""Keep the emulator's state in its own database (alias "sandbox").

The sandbox stands in for a remote service: its tables never mix with the
dashboard's accounts and audit trail, and the dashboard's tables never land in it.
"""

SANDBOX_DB = "sandbox"


class SandboxRouter:
    def db_for_read(self, model, **hints):
        return SANDBOX_DB if model._meta.app_label == "sandbox" else None

    def db_for_write(self, model, **hints):
        return SANDBOX_DB if model._meta.app_label == "sandbox" else None

    def allow_relation(self, obj1, obj2, **hints):
        labels = {obj1._meta.app_label == "sandbox", obj2._meta.app_label == "sandbox"}
        return len(labels) == 1

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == "sandbox":
            return db == SANDBOX_DB
        return db != SANDBOX_DB
