"""Every route of the dashboard and the methods it serves: the table the role x URL x
method tests (test_roles_matrix.py, test_routes_methods.py) are checked against."""

from django.urls import URLPattern, URLResolver, resolve
from view_helpers import study_id

from studies.web.middleware import HealthCheckMiddleware

STUDY = f"/studies/{study_id(1)}"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


# url name -> (an example path, the methods it serves). Function views serve exactly what
# their require_* decorator lists (HEAD included only where said); Django's class-based
# login and logout views also answer HEAD and OPTIONS themselves, and Django's form views
# take PUT as POST (but read no form from its body: nobody logs in with it, tested below).
ROUTES = {
    "login": ("/accounts/login/", {"GET", "HEAD", "POST", "PUT", "OPTIONS"}),
    "logout": ("/accounts/logout/", {"POST", "OPTIONS"}),
    "healthz": ("/healthz", {"GET", "HEAD"}),
    "readyz": ("/readyz", {"GET", "HEAD"}),
    "studies:worklist": ("/", {"GET"}),
    "studies:home": ("/start", {"GET"}),
    "studies:queue": ("/queue", {"GET"}),
    "studies:read_next": ("/queue/next", {"GET", "POST"}),  # GET: back to the queue
    "studies:counts": ("/counts", {"GET"}),
    "studies:skip": (f"{STUDY}/skip", {"GET", "POST"}),
    "studies:create": ("/studies/new", {"GET", "POST"}),
    "studies:detail": (STUDY, {"GET"}),
    "studies:save_details": (f"{STUDY}/details", {"GET", "POST"}),  # GET: the study page
    "studies:row": (f"{STUDY}/row", {"GET"}),
    "studies:edit": (f"{STUDY}/edit/severity", {"GET", "POST"}),
    "studies:claim": (f"{STUDY}/claim", {"GET", "POST"}),
    "studies:complete": (f"{STUDY}/complete", {"GET", "POST"}),
    "studies:cancel": (f"{STUDY}/cancel", {"GET", "POST"}),
    "studies:uncancel": (f"{STUDY}/uncancel", {"GET", "POST"}),
    "studies:cancelled": (f"{STUDY}/cancelled", {"GET"}),
    "studies:undo_cancel": (f"{STUDY}/undo", {"POST"}),
    "studies:viewer": (f"{STUDY}/viewer", {"GET", "POST"}),
    "studies:workload": ("/workload", {"GET"}),
    "studies:balance": ("/workload/balance", {"GET", "POST"}),
    "studies:bulk": ("/bulk", {"POST"}),
    "studies:reader_caps": ("/accounts/caps", {"GET", "POST"}),
    "studies:accounts": ("/accounts/", {"GET"}),
    "studies:account_new": ("/accounts/new", {"GET", "POST"}),
    "studies:account_edit": ("/accounts/1/edit", {"GET", "POST"}),
    "studies:login_unlock": ("/accounts/locks/unlock", {"POST"}),
    "studies:audit": ("/audit/", {"GET"}),
    "studies:export": ("/export", {"GET"}),
    "studies:queue_export": ("/queue/export", {"GET"}),
    "studies:lists": ("/lists/", {"GET"}),
    "studies:list_create": ("/lists/new", {"POST"}),
    "studies:list_menu": ("/lists/menu", {"GET"}),
    "studies:list_landing": ("/lists/landing", {"POST"}),
    "studies:list_open": ("/lists/1", {"GET"}),
    "studies:list_rename": ("/lists/1/rename", {"POST"}),
    "studies:list_delete": ("/lists/1/delete", {"POST"}),
    "studies:list_copy": ("/lists/1/copy", {"POST"}),
    "studies:list_publish": ("/lists/1/publish", {"POST"}),
}
# Served without a login (everything else sends anonymous visitors to the login page).
OPEN = {"login", "healthz", "readyz"}
# The probes are answered by HealthCheckMiddleware, before URL resolution.
PROBES = {path: name for name, (path, _) in ROUTES.items() if path in HealthCheckMiddleware.PATHS}


def url_names(patterns, namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)


def route_of(path: str) -> str:
    path = path.split("?")[0].format(pk=1, list=1)
    return PROBES.get(path) or resolve(path).view_name
