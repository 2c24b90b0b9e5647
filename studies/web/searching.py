"""What a search by part of a UID or id says it searched, and how to search everything.

Avara finds studies by their whole Study Instance UID or id only; parts of them are
looked for among the open work the queue snapshot holds (studies/selectors.py:
`open_studies_found`). The page says so each time, found or not.
"""

from __future__ import annotations

from studies import validators
from studies.web.forms import STATUS_CHOICES

EVERYTHING = (
    "To search everything, completed and cancelled studies included, paste the whole "
    "Study Instance UID or stu_ id (a row's Copy button copies the UID)."
)


def searched_open_work(fragment, snapshot) -> str:
    """The note above the results: what was searched."""
    text = (
        f"Searched the open work (to read, not cancelled) for a UID or id containing "
        f"\u201c{fragment.text}\u201d."
    )
    if snapshot.truncated:
        severities = ", ".join(snapshot.truncated)
        text += (
            f" The open work holds more than {snapshot.bound:,} studies of severity "
            f"{severities}: the oldest of those were not searched."
        )
    return f"{text} {EVERYTHING}"


def found_nothing(fragment, filters: dict) -> str:
    """The empty table's message."""
    if validators.is_dicom_uid(fragment.text):
        text = (
            f"No study has the Study Instance UID {fragment.text}. No open study's UID "
            "contains it either"
        )
    else:
        text = f"No open study's UID or id contains \u201c{fragment.text}\u201d"
    left_out = _open_work_left_out(filters)
    if left_out:
        text += f" (your filters leave out the open work: {left_out})"
    return f"{text}. {EVERYTHING}"


def _open_work_left_out(filters: dict) -> str:
    if filters.get("is_cancelled") is True:
        return "Show cancelled"
    status = filters.get("study_viewer_status")
    if status and status != "incomplete":
        return f"Status {dict(STATUS_CHOICES).get(status, status)}"
    return ""
