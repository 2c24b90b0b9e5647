"""Formats of Avara identifiers, checked before anything is sent upstream."""

import re

# Also the URL converter's pattern (studies/converters.py): an id this accepts reverses.
STUDY_ID_PATTERN = "stu_[0-9a-f]{32}"
STUDY_ID_RE = re.compile(STUDY_ID_PATTERN)
USER_ID_RE = re.compile(r"^usr_[0-9a-f]{32}$")
CUSTOMER_ID_RE = re.compile(r"^cus_[0-9a-f]{32}$")
# DICOM UID: components of digits separated by dots, no leading zero unless the
# component is "0", at most 64 characters.
DICOM_UID_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")

METADATA_MAX_PAIRS = 50
METADATA_KEY_MAX = 100
METADATA_VALUE_MAX = 1000


def is_study_id(value: str) -> bool:
    """The one check an id from Avara passes before it becomes a URL (studies/web/links.py)
    or a header: the whole value (`$` would also accept a trailing newline)."""
    return STUDY_ID_RE.fullmatch(value) is not None


def is_dicom_uid(value: str) -> bool:
    return len(value) <= 64 and bool(DICOM_UID_RE.match(value))


def is_lookup(q: str) -> bool:
    """Whether the search box holds a study id or a DICOM UID (opens one study)."""
    return is_study_id(q) or is_dicom_uid(q)


def dicom_uid_problem(value: str) -> str | None:
    """Why a Study Instance UID is not valid DICOM syntax, or None when it is."""
    if len(value) > 64:
        return f"A DICOM UID has at most 64 characters (this one has {len(value)})."
    if not re.fullmatch(r"[0-9.]+", value):
        return "A DICOM UID has only digits and dots."
    if not DICOM_UID_RE.match(value):
        return (
            "A DICOM UID is numbers separated by single dots, with no leading zeros "
            "(e.g. 1.2.840.10008.5.1.4.1.1.2)."
        )
    return None
