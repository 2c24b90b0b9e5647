"""Who is asking: role and linked Avara user, for views and templates."""

from django.conf import settings

from studies.models import Account


def me_of(user) -> str | None:
    """The Avara userId the account acts as ("Me"), or None when not linked."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.account.avara_user_id or None
    except Account.DoesNotExist:
        return None


def identity(request) -> dict:
    """Template context processor: `role` and `me` for the logged-in user."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    from studies.presenters import Capabilities  # presenters imports this module

    caps = Capabilities.of(user)
    return {
        "caps": caps,
        "role": caps.role,
        "me": caps.me,
        "refresh_seconds": settings.TRIAGE_REFRESH_SECONDS,
    }
