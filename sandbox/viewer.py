"""The small viewer page a reroute URL opens, so "open in viewer" works offline.

`POST /v1/viewer/studies/reroute-url` answers
`<sandbox base URL>/viewer/studies/<studyId>?token=<token>`, where the token is a
`TimestampSigner` signature of the study id (salt "sandbox.viewer") valid for
settings.SANDBOX_VIEWER_TOKEN_SECONDS. The page answers 403 for a missing, tampered,
expired or other-study token, and 404 for a study that no longer exists.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from sandbox import wire
from sandbox.endpoint import page_view
from sandbox.models import Study

SALT = "sandbox.viewer"
EXPIRED = "This viewer link has expired. Ask for a new link from the dashboard."
INVALID = "This viewer link is not valid."


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def viewer_token(*, study_id: str) -> str:
    return _signer().sign(study_id)


def viewer_url(request: HttpRequest, *, study_id: str) -> str:
    path = reverse("sandbox_viewer", kwargs={"study_id": study_id})
    query = urlencode({"token": viewer_token(study_id=study_id)})
    return request.build_absolute_uri(f"{path}?{query}")


def token_problem(token: str | None, *, study_id: str) -> str | None:
    """Why `token` does not open `study_id` (a sentence for the page), or None."""
    if not token:
        return INVALID
    try:
        value = _signer().unsign(token, max_age=settings.SANDBOX_VIEWER_TOKEN_SECONDS)
    except signing.SignatureExpired:
        return EXPIRED
    except signing.BadSignature:
        return INVALID
    return None if value == study_id else INVALID


# The page runs no script and loads only its own stylesheet and icon.
CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _page(template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """A page of the sandbox's own (sandbox/templates/sandbox/), given exactly this
    context: the sandbox's settings have no context processors."""
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = CSP
    return response


def _denied(message: str, status: int) -> HttpResponse:
    return _page("sandbox/viewer_denied.html", {"message": message}, status=status)


@page_view
def viewer_page(request: HttpRequest, study_id: str) -> HttpResponse:
    problem = token_problem(request.GET.get("token"), study_id=study_id)
    if problem is not None:
        return _denied(problem, 403)
    related = Study.objects.select_related("assigned_to", "express_customer")
    study = related.filter(study_id=study_id).first()
    if study is None:
        return _denied("This study no longer exists.", 404)
    return _page("sandbox/viewer.html", _context(study))


def _context(study: Study) -> dict:
    status = "Cancelled" if study.is_cancelled else study.get_study_viewer_status_display()
    return {
        "study": study,
        "status": status,
        "metadata": sorted(
            (_printable(key), _printable(value)) for key, value in (study.metadata or {}).items()
        ),
        "created_at": wire.timestamp(study.created_at),
        "updated_at": wire.timestamp(study.updated_at),
        "cancelled_at": wire.timestamp(study.cancelled_at),
        "lifetime_minutes": max(1, settings.SANDBOX_VIEWER_TOKEN_SECONDS // 60),
    }


def _printable(value: str) -> str:
    """Text the page can be encoded with: the API now refuses lone surrogates, but a
    database filled before that may hold some in metadata (JSON stores them escaped)."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


@page_view
def viewer_stylesheet(request: HttpRequest) -> HttpResponse:
    """The page's CSS, served by the sandbox itself (CSP allows only 'self' styles)."""
    css = render_to_string("sandbox/viewer.css")
    return HttpResponse(css, content_type="text/css; charset=utf-8")
