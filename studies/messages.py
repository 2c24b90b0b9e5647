"""Sentences for people: what a role may not do, what went wrong upstream.

Shared by the services (results carry a message) and the views (pages and toasts).
Nothing here shows the API key or a stack trace.
"""

from studies import upstream

PERMISSION_MESSAGES = {
    "open_viewer": "open studies in the viewer",
    "change_viewer_status": "change a study's viewer status",
    "assign_self": "claim studies",
    "assign_any": "assign studies to others",
    "change_severity": "change severity",
    "change_details": "change descriptions or metadata",
    "create_study": "create studies",
    "cancel_study": "cancel studies",
    "uncancel_study": "restore cancelled studies",
    "view_cancelled": "see cancelled studies",
    "manage_accounts": "manage accounts",
    "view_audit": "read the audit trail",
    "publish_worklist": "publish saved worklists to a role",
    "view_workload": "see the workload board",
}


def upstream_message(exc: upstream.UpstreamError) -> str:
    if isinstance(exc, upstream.NotFound):
        return "That study does not exist in Avara (it may have been removed, or the id is wrong)."
    if isinstance(exc, upstream.RateLimited):
        wait = f" Try again in {int(exc.retry_after or 1)} s." if exc.retry_after else ""
        return f"Avara is busy and asked the dashboard to slow down.{wait}"
    if isinstance(exc, upstream.Unavailable):
        return f"Avara is not answering right now ({exc.message}). Try again in a moment."
    return exc.message


def queue_late(*, age_seconds: float, problem: str) -> str:
    """The queue page's banner when its picture is older than it should be: why, and how
    old it is (studies/queue.py)."""
    return (
        f"{problem} This is the queue as it was {_ago(age_seconds)} ago; "
        "it updates as soon as Avara answers."
    )


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    hours = round(seconds / 3600)
    return f"{hours} hour" if hours == 1 else f"{hours} hours"
