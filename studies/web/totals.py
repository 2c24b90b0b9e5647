"""How many studies a list's filters match, as the list says it: never a wrong number,
never fewer than there are.

- Exactly ("25 of 230 studies") when the filters lie within the open work the queue
  snapshot holds (to read, not cancelled; no description search, whose matching is
  Avara's; not a severity the snapshot holds only in part), from the snapshot already
  in the shared store: no Avara call. Also when paging itself knows: the last page.
- Otherwise from what paging has seen: "25 of more than 100 studies" (page number x
  page size, and Avara says there are more).
- A snapshot that disagrees with the page (it is up to TRIAGE_QUEUE_SECONDS old) or is
  too old to trust (Avara has been failing) is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from studies.selectors import open_count
from studies.web.forms import MAX_CURSOR_TRAIL


def studies_word(n: int) -> str:
    return "study" if n == 1 else "studies"


@dataclass(frozen=True, slots=True)
class Total:
    """The studies on this page (`shown`) and how many the filters match: `count`
    exactly, or more than `more_than`; `as_of`, when counted from the snapshot."""

    shown: int
    count: int | None = None
    more_than: int = 0
    at_least: int | None = None  # a truncated snapshot: at least this many, maybe more
    as_of: str = ""

    @property
    def exact(self) -> bool:
        return self.count is not None

    @property
    def text(self) -> str:
        if self.count is not None:
            if self.shown == self.count:
                return f"{self.count:,} {studies_word(self.count)}"
            return f"{self.shown:,} of {self.count:,} {studies_word(self.count)}"
        if self.at_least is not None:
            return f"{self.shown:,} of at least {self.at_least:,} {studies_word(self.at_least)}"
        return f"{self.shown:,} of more than {self.more_than:,} studies"

    @property
    def title(self) -> str:
        """What the number rests on, for a tooltip."""
        if self.as_of:
            return f"Counted from the open work as of {self.as_of}"
        if self.count is not None:
            return "Every matching study is on the pages up to this one"
        if self.at_least is not None:
            return "The open work holds more studies than the dashboard reads; some are not counted"
        return "Counted from the pages seen so far; Avara says there are more"


def snapshot_trusted(snapshot) -> bool:
    """A picture recent enough to count from: at most a few rebuild periods old (an older
    one is served only while Avara fails to give a new one)."""
    limit = max(60.0, 4 * settings.TRIAGE_QUEUE_SECONDS)
    return snapshot is not None and snapshot.age_seconds <= limit


def worklist_total(
    *,
    filters: dict,
    trail: list,
    page_number: int,
    limit: int,
    shown: int,
    has_more: bool,
    snapshot,
) -> Total:
    """The total of a worklist page read from Avara with cursors (`trail`)."""
    # The page number in the URL is believed only where the trail of cursors cannot
    # show it (trimmed to its most recent MAX_CURSOR_TRAIL): else it is counted.
    number = page_number if len(trail) >= MAX_CURSOR_TRAIL else len(trail) + 1
    seen = (number - 1) * limit + shown
    if not has_more:
        return Total(shown, count=seen)  # the last page: paging has seen them all
    counted = open_count(snapshot=snapshot, filters=filters) if snapshot_trusted(snapshot) else None
    if counted is not None and counted > seen:
        return Total(shown, count=counted, as_of=_when(snapshot))
    return Total(shown, more_than=seen)


def snapshot_total(*, shown: int, count: int, snapshot) -> Total:
    """The total of a list drawn from the snapshot itself (the queue, a search by part of
    a UID): exact unless the snapshot holds only part of the open work."""
    if snapshot.truncated:
        return Total(shown, at_least=count)
    return Total(shown, count=count, as_of=_when(snapshot))


def _when(snapshot) -> str:
    return timezone.localtime(snapshot.built_at).strftime("%H:%M:%S")
