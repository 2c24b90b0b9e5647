"""Routes of the control plane, included by sandbox/urls.py under /_sandbox/ (a trailing
slash is optional, as on the API)."""

from django.urls import re_path

from sandbox.control import views
from sandbox.control.endpoint import control_endpoint

ID = r"(?P<{}>[^/]+)"

urlpatterns = [
    re_path(r"^users/?$", control_endpoint(GET=views.user_list, POST=views.user_create)),
    re_path(
        rf"^users/{ID.format('user_id')}/?$",
        control_endpoint(PATCH=views.user_update, DELETE=views.user_delete),
    ),
    re_path(
        r"^customers/?$",
        control_endpoint(GET=views.customer_list, POST=views.customer_create),
    ),
    re_path(
        rf"^customers/{ID.format('customer_id')}/?$",
        control_endpoint(PATCH=views.customer_update, DELETE=views.customer_delete),
    ),
    re_path(r"^studies/?$", control_endpoint(POST=views.study_create)),
    re_path(
        rf"^studies/{ID.format('study_id')}/?$",
        control_endpoint(PATCH=views.study_times, DELETE=views.study_delete),
    ),
    re_path(r"^reset/?$", control_endpoint(POST=views.reset)),
    re_path(r"^clock/?$", control_endpoint(GET=views.clock_get, DELETE=views.clock_reset)),
    re_path(r"^clock/advance/?$", control_endpoint(POST=views.clock_advance)),
    re_path(
        r"^requests/?$",
        control_endpoint(GET=views.request_list, DELETE=views.request_clear),
    ),
    re_path(
        r"^faults/?$",
        control_endpoint(GET=views.fault_list, POST=views.fault_create, DELETE=views.fault_clear),
    ),
    re_path(rf"^faults/{ID.format('fault_id')}/?$", control_endpoint(DELETE=views.fault_delete)),
]
