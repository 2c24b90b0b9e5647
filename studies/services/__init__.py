"""Write services: every change to a study goes through here, with its rules.

Keyword-only functions named <entity>_<action>, each returning a WriteResult (see
results.py). Role rules, the stale check, the per-study lock, the upstream call and
the audit entry live here, once; views parse, call one service and render. A change a
page refuses before asking (its role may not) is recorded here too: `refusal_record`.
"""

from studies.services.bulk import (
    BulkAction,
    BulkJob,
    bulk_refusal,
    study_bulk,
    study_bulk_refused,
)
from studies.services.caps import reader_caps_save
from studies.services.edits import (
    ME,
    study_claim,
    study_complete,
    study_edit,
    study_edit_rejected,
)
from studies.services.exports import Export, study_export
from studies.services.lifecycle import (
    study_cancel,
    study_create,
    study_create_rejected,
    study_restore,
    study_undo_cancel,
    study_viewer_link,
    viewer_url_allowed,
)
from studies.services.outcomes import refusal_record
from studies.services.reading import (
    SKIP_REASONS,
    read_next_candidates,
    skipped_by,
    study_read_next,
    study_skip,
)
from studies.services.results import FieldConflict, Outcome, Reason, WriteResult
from studies.services.rules import role_refusal
from studies.services.undo import UndoOffer, undo_offer, undo_used
from studies.services.worklists import (
    ListResult,
    worklist_copy,
    worklist_delete,
    worklist_landing_set,
    worklist_publish,
    worklist_rename,
    worklist_save,
)

__all__ = [
    "ME",
    "SKIP_REASONS",
    "BulkAction",
    "BulkJob",
    "Export",
    "FieldConflict",
    "ListResult",
    "Outcome",
    "Reason",
    "UndoOffer",
    "WriteResult",
    "bulk_refusal",
    "read_next_candidates",
    "reader_caps_save",
    "refusal_record",
    "role_refusal",
    "skipped_by",
    "study_bulk",
    "study_bulk_refused",
    "study_cancel",
    "study_claim",
    "study_complete",
    "study_create",
    "study_create_rejected",
    "study_edit",
    "study_edit_rejected",
    "study_export",
    "study_read_next",
    "study_restore",
    "study_skip",
    "study_undo_cancel",
    "study_viewer_link",
    "undo_offer",
    "undo_used",
    "viewer_url_allowed",
    "worklist_copy",
    "worklist_delete",
    "worklist_landing_set",
    "worklist_publish",
    "worklist_rename",
    "worklist_save",
]
