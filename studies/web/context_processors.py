"""Template context processors: who is asking (role, linked Avara user, what pages
offer them) and the links and static files every page prints."""

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

from studies.accounts.capabilities import Capabilities


def identity(request) -> dict:
    """Template context processor: `role`, `me` and `home` (the page the role starts at:
    "queue" or "worklist") for the logged-in user."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    caps = Capabilities.of(user)
    home = "queue" if caps.home == PAGE_URLS["queue"] else "worklist"
    return {
        "caps": caps,
        "home": home,  # the page the role starts at, by its name in `urls`
        "role": caps.role,
        "me": caps.me,
        "refresh_seconds": settings.TRIAGE_REFRESH_SECONDS,
        "export_max": f"{settings.TRIAGE_EXPORT_MAX:,}",
    }


# The links of the top bar and the worklist, by the name templates use (`urls.queue`).
PAGE_URLS = {
    "worklist": "studies:worklist",
    "queue": "studies:queue",
    "workload": "studies:workload",
    "read_next": "studies:read_next",
    "counts": "studies:counts",
    "create": "studies:create",
    "audit": "studies:audit",
    "accounts": "studies:accounts",
    "logout": "logout",
    "lists": "studies:lists",
    "list_menu": "studies:list_menu",
    "list_create": "studies:list_create",
}


@functools.lru_cache(maxsize=16)
def _page_urls(prefix: str) -> dict[str, str]:
    return {name: reverse(route) for name, route in PAGE_URLS.items()}


# The static files every page links to, by the name base.html uses (`static.css`).
PAGE_STATIC = {
    "css": "css/triage.css",
    "lists_css": "css/worklists.css",
    "icon": "favicon.svg",
    "htmx": "django_htmx/htmx-2.min.js",
    "js": "js/triage.js",
    "tz": "js/timezone.js",
    "keys": "js/keys.js",
    "keys_css": "css/keys.css",
    "lists_js": "js/worklists.js",
    "board_css": "css/board.css",
    "bulk_js": "js/bulk.js",
    "progress_js": "js/progress.js",
}


@functools.cache
def _static_urls() -> dict[str, str]:
    return {name: static(path) for name, path in PAGE_STATIC.items()}


@receiver(setting_changed)
def _forget_static_urls(*, setting: str, **kwargs) -> None:
    if setting in {"STATIC_URL", "STORAGES", "DEBUG"}:
        _static_urls.cache_clear()


def urls(request) -> dict:
    """Template context processor: `urls`, reversed once per process (and script prefix)
    rather than by `{% url %}` on every page (about 40 µs each, eight per page); and
    `static`, the page's static file URLs, looked up in the manifest once per process
    rather than by `{% static %}` on every page (deploys restart the processes); and
    `tz_cookie`, the cookie static/js/timezone.js writes the browser's time zone into."""
    return {
        "urls": _page_urls(get_script_prefix()),
        "static": _static_urls(),
        "tz_cookie": settings.TRIAGE_TZ_COOKIE,
    }
