"""The dashboard's one door to the Avara Viewer API (see docs/CONTRACTS.md).

Views do `from studies import upstream` and call keyword-only functions; only this
package knows Avara's URLs, headers and camelCase field names.
"""

from studies.upstream import errors
from studies.upstream.client import deadline, reset_client
from studies.upstream.errors import (
    BadCredentials,
    BadResponse,
    Conflict,
    NotFound,
    RateLimited,
    Unavailable,
    UpstreamError,
    ValidationFailed,
)
from studies.upstream.params import NULL, Null
from studies.upstream.ping import avara_ping
from studies.upstream.recording import Call, CallStats, current_stats, record_calls, stats_reset
from studies.upstream.studies import (
    study_cancel,
    study_create,
    study_get,
    study_get_by_uid,
    study_list,
    study_reroute_url,
    study_uncancel,
    study_update,
)
from studies.upstream.users import (
    user_directory,
    user_directory_clear,
    user_directory_key,
    user_get,
    user_list,
)
from studies.upstream.wire import (
    INVITED_SOURCES,
    SEVERITIES,
    USER_LEVELS,
    VIEWER_STATUSES,
    ActionResult,
    ApiKeyRef,
    CustomerRef,
    Study,
    StudyPage,
    User,
    UserPage,
    UserRef,
)

__all__ = [
    "INVITED_SOURCES",
    "NULL",
    "SEVERITIES",
    "USER_LEVELS",
    "VIEWER_STATUSES",
    "ActionResult",
    "ApiKeyRef",
    "BadCredentials",
    "BadResponse",
    "Call",
    "CallStats",
    "Conflict",
    "CustomerRef",
    "NotFound",
    "Null",
    "RateLimited",
    "Study",
    "StudyPage",
    "Unavailable",
    "UpstreamError",
    "User",
    "UserPage",
    "UserRef",
    "ValidationFailed",
    "avara_ping",
    "current_stats",
    "deadline",
    "errors",
    "record_calls",
    "reset_client",
    "stats_reset",
    "study_cancel",
    "study_create",
    "study_get",
    "study_get_by_uid",
    "study_list",
    "study_reroute_url",
    "study_uncancel",
    "study_update",
    "user_directory",
    "user_directory_clear",
    "user_directory_key",
    "user_get",
    "user_list",
]
