"""The dashboard's own data: account links to Avara users, roles' permissions, audit trail.

Studies themselves live upstream in Avara; nothing here caches them.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

avara_user_id_validator = RegexValidator(
    r"^usr_[0-9a-f]{32}$", "An Avara user id is usr_ followed by 32 hexadecimal characters."
)


class Account(models.Model):
    """Links a dashboard login to the Avara user it acts as ("Me")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    avara_user_id = models.CharField(
        "Avara user", max_length=36, blank=True, validators=[avara_user_id_validator]
    )

    class Meta:
        # The permissions roles are made of (see studies/accounts/roles.py); checked on every view.
        permissions = [
            ("open_viewer", "Open a study in the Avara viewer"),
            ("change_viewer_status", "Mark a study complete or incomplete"),
            ("assign_self", "Claim a study or give it back"),
            ("assign_any", "Assign a study to anyone"),
            ("change_severity", "Change a study's severity"),
            ("change_details", "Change a study's description and metadata"),
            ("create_study", "Create a study"),
            ("cancel_study", "Cancel a study"),
            ("uncancel_study", "Restore a cancelled study"),
            ("view_cancelled", "See cancelled studies"),
            ("manage_accounts", "Manage dashboard accounts"),
            ("view_audit", "Read the whole audit trail"),
            ("publish_worklist", "Publish a saved worklist to a role"),
            ("view_workload", "See the workload board and balance it"),
        ]

    def __str__(self) -> str:
        return f"{self.user} -> {self.avara_user_id or 'not linked'}"


class AuditAction(models.TextChoices):
    CREATE = "create", "Created study"
    UPDATE = "update", "Changed study"
    CANCEL = "cancel", "Cancelled study"
    UNCANCEL = "uncancel", "Restored study"
    UNDO_CANCEL = "undo_cancel", "Undid own cancel"
    OPEN_VIEWER = "open_viewer", "Opened in viewer"
    ACCOUNT = "account", "Changed account"
    SKIP = "skip", "Skipped study"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGIN_LOCKED = "login_locked", "Login locked out"
    LOGIN_UNLOCKED = "login_unlocked", "Login unlocked"
    LIST_SAVE = "list_save", "Saved a worklist"
    LIST_RENAME = "list_rename", "Renamed a worklist"
    LIST_DELETE = "list_delete", "Deleted a worklist"
    LIST_LANDING = "list_landing", "Chose a landing page"
    LIST_PUBLISH = "list_publish", "Published a worklist"
    LIST_COPY = "list_copy", "Copied a worklist"
    EXPORT = "export", "Exported studies"
    READER_CAP = "reader_cap", "Changed reader cap"


class ReaderCap(models.Model):
    """How many open studies a radiologist may hold before the board's balance moves work
    off them: one row per Avara user that has a cap of their own (the others have
    settings.TRIAGE_READER_CAP). Keyed by the Avara user id: readers are Avara users, and
    need no dashboard login to be balanced."""

    avara_user_id = models.CharField(
        "Avara user", max_length=36, unique=True, validators=[avara_user_id_validator]
    )
    cap = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.avara_user_id}: at most {self.cap} open"


class AuditOutcome(models.TextChoices):
    """What became of an attempt. Only "applied" changed anything upstream."""

    APPLIED = "applied", "Applied"
    REFUSED = "refused", "Refused"  # by the dashboard's rules or by Avara; nothing written
    CONFLICT = "conflict", "Conflict"  # someone else changed the field first; nothing written
    NOT_APPLIED = (
        "not_applied",
        "Not applied",
    )  # failed, or an unknown outcome read back as not landed
    UNKNOWN = "unknown", "Unknown"  # sent, and even a fresh read could not tell


class AuditEntry(models.Model):
    """One attempted mutation: who, what (before and after), when, and the outcome."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept even if the account is later deleted.
    actor_username = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=AuditAction)
    study_id = models.CharField(max_length=64, blank=True, db_index=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    accepted = models.BooleanField()
    outcome = models.CharField(
        max_length=12, choices=AuditOutcome, default=AuditOutcome.REFUSED, db_index=True
    )
    # Why it was refused (by the dashboard's rules or by Avara), empty when accepted.
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["study_id", "-created_at"], name="audit_study_time")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.study_id}"
        )


class SavedWorklist(models.Model):
    """A named view of the worklist or the queue: its filters, as a normalised query
    string (studies/web/worklists.py), checked again each time it is used.

    Its owner may change it; an admin's list published to a role (`role`) is seen by
    everyone holding that role, who may copy it but not change it.
    """

    PAGES = [("worklist", "Worklist"), ("queue", "Queue")]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_worklists"
    )
    name = models.CharField(max_length=80)
    page = models.CharField(max_length=10, choices=PAGES)
    query = models.CharField(max_length=1000, blank=True)
    # The role it is published to ("" = only its owner sees it). Only admins publish.
    role = models.CharField(max_length=30, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_worklist_name_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner}, {self.page}?{self.query})"


class WorklistLanding(models.Model):
    """The saved worklist a user lands on after logging in (none: their role's default).
    Its own table, not a field of Account: saving an Account moves the accounts'
    generation, which every process's kept users and capabilities are keyed by."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="worklist_landing",
    )
    worklist = models.ForeignKey(SavedWorklist, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.user} lands on {self.worklist_id}"


class ExpressCustomer(models.Model):
    """An Express customer the dashboard has seen on a study (Avara cannot list them):
    offered by the Customer filter and the new-study form (studies/directory.py)."""

    customer_id = models.CharField(max_length=36, primary_key=True)
    name = models.CharField(max_length=300)
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_id})"
