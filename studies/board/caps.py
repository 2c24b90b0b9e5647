"""Each reader's cap of open studies: their own (the Accounts page, studies/services/caps.py)
or the default, settings.TRIAGE_READER_CAP."""

from __future__ import annotations

from django.conf import settings

from studies.models import ReaderCap


def reader_caps() -> dict[str, int]:
    """{Avara user id: cap} for the readers who have a cap of their own (one query)."""
    return dict(ReaderCap.objects.values_list("avara_user_id", "cap"))


def default_cap() -> int:
    return max(0, settings.TRIAGE_READER_CAP)
