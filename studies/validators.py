"""Formats of Avara identifiers, checked before anything is sent upstream."""

import re
from dataclasses import dataclass

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


def small_number(raw, *, digits: int) -> int | None:
    """`raw` as a whole number of at most `digits` ASCII digits, else None. Not
    `str.isdigit()`: it takes "²" and "①", which `int()` then refuses."""
    if isinstance(raw, str) and 0 < len(raw) <= digits and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


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


# --- Parts of an id or UID, as people copy them off the screen --------------------------
#
# A row shows a UID shortened ("1.2.826.…43576764", studies/web/presenters.py: its first
# and last SHORT_UID_KEEP characters); people type what they read: some digits of it, its
# start or its end, the short form as displayed (with the ellipsis, with "...", or with
# neither), or part of a `stu_` id.

SHORT_UID_KEEP = 8
FRAGMENT_MIN = 3  # characters: fewer would match most of the open work
_ELLIPSIS_RE = re.compile(r"\s*(?:\u2026|\.{3,}|\s+)\s*")
_UID_PART_RE = re.compile(r"[0-9.]*[0-9][0-9.]*")
_HEX_PART_RE = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class IdFragment:
    """What of a study's UID or id a search box holds (see `id_fragment`)."""

    text: str  # as typed, stripped: what the page says was searched
    uid: str = ""  # digits and dots found somewhere in the UID...
    uid_head: str = ""  # ...or, for the shortened form, the UID's start...
    uid_tail: str = ""  # ...and its end
    hex: str = ""  # part of a study id (after "stu_")

    def matches(self, study) -> bool:
        uid = study.study_instance_uid
        if self.uid_head or self.uid_tail:
            if (
                len(uid) >= len(self.uid_head) + len(self.uid_tail)
                and uid.startswith(self.uid_head)
                and uid.endswith(self.uid_tail)
            ):
                return True
        elif self.uid and (self.uid in uid or _short_joined(uid) == self.uid):
            return True
        return bool(self.hex) and self.hex in study.study_id[4:]


def _short_joined(uid: str) -> str:
    """The shortened form typed without its ellipsis ("1.2.826.43576764")."""
    keep = SHORT_UID_KEEP
    return uid[:keep] + uid[-keep:] if len(uid) > 2 * keep + 1 else ""


def id_fragment(q: str) -> IdFragment | None:
    """The part of a UID or study id `q` holds, or None when it is not one (an ordinary
    description search, or too short to mean one study).

    - digits and dots: found anywhere in a UID, or as the shortened form without its
      ellipsis; digits alone are also looked for in study ids (hex digits);
    - the shortened form ("1.2.826.…43576764", or with "..." or a space): a UID starting
      with the one part and ending with the other;
    - `stu_` and hex digits, or 8 hex digits or more with a digit and a letter among
      them: part of a study id.
    """
    text = q.strip()
    if len(text) > 200:
        return None
    lowered = text.lower()
    if lowered.startswith("stu_"):
        tail = lowered[4:]
        if tail and _HEX_PART_RE.fullmatch(tail) and len(text) >= FRAGMENT_MIN:
            return IdFragment(text=text, hex=tail)
        return None
    parts = _ELLIPSIS_RE.split(text, maxsplit=1)
    if len(parts) == 2 and all(_UID_PART_RE.fullmatch(p) or p == "" for p in parts):
        head, tail = parts
        if len(head) + len(tail) >= FRAGMENT_MIN and (head or tail):
            return IdFragment(text=text, uid_head=head, uid_tail=tail)
        return None
    if len(text) < FRAGMENT_MIN:
        return None
    if _UID_PART_RE.fullmatch(text):
        digits_only = text.isdigit()
        return IdFragment(text=text, uid=text, hex=text if digits_only else "")
    if (
        len(lowered) >= 8
        and _HEX_PART_RE.fullmatch(lowered)
        and any(c.isdigit() for c in lowered)
        and any(c.isalpha() for c in lowered)
    ):
        return IdFragment(text=text, hex=lowered)
    return None
