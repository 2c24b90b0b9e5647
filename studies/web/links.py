"""Where a study id from Avara becomes a URL of the dashboard: `study_page`, and nowhere else.

Avara should only ever send well-formed study ids (`stu_` + 32 lowercase hex), but
nothing it sends may turn into a 500: reversing a URL from a malformed id raises
NoReverseMatch, and a header built from one (a newline) fails. Every link, redirect and
target built from an id Avara gave (search results, Read next, a new study, audit
entries, rows) passes `validators.is_study_id`, the one check; the URL converter
(studies/web/converters.py) matches the same pattern, so a checked id always reverses.
"""

from django.urls import reverse

from studies import validators


def study_page(study_id: object) -> str:
    """The study page's path, or "" when `study_id` cannot name a study."""
    if not isinstance(study_id, str) or not validators.is_study_id(study_id):
        return ""
    return reverse("studies:detail", args=[study_id])
