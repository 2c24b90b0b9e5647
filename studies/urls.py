from django.urls import path, register_converter

from studies.views import (
    actions,
    admin_pages,
    bulk,
    create,
    detail,
    export,
    queue,
    rows,
    worklist,
    worklists,
    workload,
)
from studies.web.converters import StudyIdConverter

register_converter(StudyIdConverter, "study")

app_name = "studies"

urlpatterns = [
    path("", worklist.worklist, name="worklist"),
    path("start", worklists.home, name="home"),
    path("export", export.export, name="export"),
    path("queue", queue.queue, name="queue"),
    path("queue/next", queue.read_next, name="read_next"),
    path("queue/export", export.queue_export, name="queue_export"),
    path("counts", queue.counts, name="counts"),
    path("studies/<study:study_id>/skip", queue.skip, name="skip"),
    path("studies/new", create.create, name="create"),
    path("studies/<study:study_id>", detail.detail, name="detail"),
    path("studies/<study:study_id>/details", detail.save_details, name="save_details"),
    path("studies/<study:study_id>/row", rows.row, name="row"),
    path("studies/<study:study_id>/edit/<str:field>", rows.edit_field, name="edit"),
    path("studies/<study:study_id>/claim", rows.claim, name="claim"),
    path("studies/<study:study_id>/complete", rows.complete, name="complete"),
    path("studies/<study:study_id>/cancel", actions.cancel, name="cancel"),
    path("studies/<study:study_id>/uncancel", actions.uncancel, name="uncancel"),
    path("studies/<study:study_id>/cancelled", actions.cancelled, name="cancelled"),
    path("studies/<study:study_id>/undo", actions.undo_cancel, name="undo_cancel"),
    path("studies/<study:study_id>/viewer", actions.open_viewer, name="viewer"),
    path("lists/", worklists.lists, name="lists"),
    path("lists/new", worklists.list_create, name="list_create"),
    path("lists/menu", worklists.list_menu, name="list_menu"),
    path("lists/landing", worklists.list_landing, name="list_landing"),
    path("lists/<int:pk>", worklists.list_open, name="list_open"),
    path("lists/<int:pk>/rename", worklists.list_rename, name="list_rename"),
    path("lists/<int:pk>/delete", worklists.list_delete, name="list_delete"),
    path("lists/<int:pk>/copy", worklists.list_copy, name="list_copy"),
    path("lists/<int:pk>/publish", worklists.list_publish, name="list_publish"),
    # The supervisor's board (issue 22): who has what, balance, bulk actions, reader caps.
    path("workload", workload.workload, name="workload"),
    path("workload/balance", workload.balance, name="balance"),
    path("bulk", bulk.bulk, name="bulk"),
    path("accounts/caps", admin_pages.reader_caps, name="reader_caps"),
    path("accounts/", admin_pages.accounts, name="accounts"),
    path("accounts/new", admin_pages.account_edit, name="account_new"),
    path("accounts/<int:pk>/edit", admin_pages.account_edit, name="account_edit"),
    path("accounts/locks/unlock", admin_pages.login_unlock, name="login_unlock"),
    path("audit/", admin_pages.audit_log, name="audit"),
]
