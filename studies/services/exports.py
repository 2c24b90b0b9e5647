"""Exporting a list: the studies a filtered worklist or queue view holds, streamed, with
the list's role rules, at most TRIAGE_EXPORT_MAX of them, and audited.

The studies are read as they are written out, page by page (Avara's list, 100 at a
time) or from the queue snapshot already in memory, so an export holds one page at a
time however many studies it writes. A role that may not see cancelled studies never
exports one: the filter is forced here, and any cancelled study Avara sends anyway is
left out. The audit entry (who, the filters, how many rows, how it ended) is written
when the export ends: finished, stopped at the cap, failed or interrupted.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from studies import upstream
from studies.accounts.capabilities import me_of
from studies.messages import upstream_message
from studies.models import AuditAction
from studies.queue import in_view, prioritised, queue_snapshot
from studies.selectors import open_studies_found
from studies.services import rules
from studies.services.outcomes import audit
from studies.services.results import Outcome

PAGE = 100  # Avara's largest page


@dataclass
class Export:
    """One export as it runs: iterate `studies()` once; then `rows`, `capped` and
    `failure` say how it ended (and so does its audit entry)."""

    actor: object
    source: str  # "worklist" or "queue"
    filters: dict
    fragment: object = None  # a search by part of a UID or id (the open work)
    show: str = "all"  # the queue's view
    limit: int = 0
    rows: int = 0
    capped: bool = False
    failure: str = ""
    described: dict = field(default_factory=dict)

    def studies(self) -> Iterator:
        """The studies, in the list's order, each at most once; audited at the end."""
        see_cancelled = rules.may(self.actor, "view_cancelled")
        ended = "finished"
        try:
            for study in self._read():
                if study.is_cancelled and not see_cancelled:
                    continue  # Avara ignored the filter: the role still holds
                if self.rows >= self.limit:
                    self.capped = True
                    break
                self.rows += 1
                yield study
        except upstream.UpstreamError as exc:
            self.failure = upstream_message(exc)
            ended = "failed"
        except GeneratorExit:  # the download was closed before the end
            ended = "interrupted"
            raise
        finally:
            self._audit(ended)

    def _read(self) -> Iterator:
        if self.source == "queue":
            now = timezone.now()
            me = me_of(self.actor)
            snapshot = queue_snapshot()
            yield from (
                s for s in prioritised(snapshot.studies, now) if in_view(s, self.show, me, now)
            )
        elif self.fragment is not None:
            snapshot = queue_snapshot()
            yield from open_studies_found(
                studies=snapshot.studies, fragment=self.fragment, filters=self.filters
            )
        else:
            cursor, before = None, frozenset()
            while True:
                page = upstream.study_list(**self.filters, cursor=cursor, limit=PAGE)
                # A study that arrived meanwhile pushes the last of the page before onto
                # this one: written once (only the page before is remembered: flat memory).
                for study in page.studies:
                    if study.study_id not in before:
                        yield study
                if not (page.has_more and page.cursor):
                    return
                cursor, before = page.cursor, frozenset(s.study_id for s in page.studies)
                # The page's HTTP answer (its 100 studies' JSON) is held in a reference
                # cycle inside httpx, freed only by the cycle collector, which may wait
                # dozens of pages: a young-generation pass per page keeps memory flat.
                del page
                gc.collect(1)

    def _audit(self, ended: str) -> None:
        outcome = Outcome.APPLIED if ended == "finished" else Outcome.NOT_APPLIED
        detail = {
            "finished": f"Exported {self.rows} studies"
            + (f", stopped at the limit of {self.limit}." if self.capped else "."),
            "failed": f"Stopped after {self.rows} studies: {self.failure}",
            "interrupted": f"The download was closed after {self.rows} studies.",
        }[ended]
        after = {"list": self.source, **self.described, "rows": self.rows, "capped": self.capped}
        audit(self.actor, AuditAction.EXPORT, "", outcome, detail, after=after)


def study_export(
    *, actor, source: str, filters: dict, fragment=None, show: str = "all", described=None
) -> Export:
    """An export of a worklist (`filters`, as `study_list` takes them; `fragment`: a
    search by part of a UID or id) or of the queue's `show` view. Nothing is read until
    its `studies()` are iterated. `described`: the filters as the user chose them, for
    the audit trail."""
    filters = dict(filters)
    if not rules.may(actor, "view_cancelled"):
        filters["is_cancelled"] = False  # whatever the form said
    return Export(
        actor=actor,
        source="queue" if source == "queue" else "worklist",
        filters=filters,
        fragment=fragment,
        show=show,
        limit=settings.TRIAGE_EXPORT_MAX,
        described=dict(described or {}),
    )
