"""The sandbox's routes: the Viewer API under /v1/viewer/, the viewer page (its CSS and
/favicon.ico), the OpenAPI documents, the control plane, and a catch-all JSON 404.
Served by sandbox.server.SandboxWSGIHandler (runsandbox, gunicorn sandbox.wsgi). A
trailing slash is optional on every API path (the official client sends none)."""

from django.urls import include, re_path

from sandbox import documents, errors, favicon, viewer, views
from sandbox.endpoint import api_endpoint, json_errors

STUDIES = r"^v1/viewer/studies"
USERS = r"^v1/viewer/users"


@json_errors
def unknown_path(request, path=""):
    return errors.page_not_found(request)


urlpatterns = [
    re_path(
        rf"{STUDIES}/?$",
        api_endpoint(GET=views.study_list, POST=views.study_create),
        name="sandbox_studies",
    ),
    re_path(rf"{STUDIES}/cancel/?$", api_endpoint(POST=views.study_cancel)),
    re_path(rf"{STUDIES}/uncancel/?$", api_endpoint(POST=views.study_uncancel)),
    re_path(rf"{STUDIES}/reroute-url/?$", api_endpoint(POST=views.study_reroute_url)),
    re_path(
        rf"{STUDIES}/by-uid/(?P<uid>[^/]+)/?$",
        api_endpoint(GET=views.study_retrieve_by_uid),
    ),
    re_path(
        rf"{STUDIES}/(?P<study_id>[^/]+)/?$",
        api_endpoint(GET=views.study_retrieve, PATCH=views.study_update),
        name="sandbox_study",
    ),
    re_path(rf"{USERS}/?$", api_endpoint(GET=views.user_list), name="sandbox_users"),
    re_path(rf"{USERS}/(?P<user_id>[^/]+)/?$", api_endpoint(GET=views.user_retrieve)),
    re_path(r"^viewer/studies/(?P<study_id>[^/]+)/?$", viewer.viewer_page, name="sandbox_viewer"),
    re_path(r"^viewer/sandbox\.css$", viewer.viewer_stylesheet, name="sandbox_viewer_css"),
    re_path(r"^favicon\.ico$", favicon.favicon, name="sandbox_favicon"),
    re_path(r"^openapi\.json$", documents.api_document, name="sandbox_openapi"),
    re_path(r"^_sandbox/openapi\.json$", documents.control_document),
    re_path(r"^_sandbox/", include("sandbox.control.urls")),
    re_path(r"^(?P<path>.*)$", unknown_path),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
