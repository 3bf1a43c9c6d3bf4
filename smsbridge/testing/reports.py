"""Two-step reports (exports): request one, get its id, download it once it is ready.

Providers build detailed reports in the background: a request answers an id at once, the
first downloads answer "not ready", later ones the file (Stream's ``all_stat.php``,
KetchUp's ``stat/create`` and ``stat/file``). :class:`Reports` keeps them by id with the
rows they hold; the simulator renders the rows and the refusals in its provider's shape.
"""

from __future__ import annotations

from typing import Any

import attrs

from smsbridge.testing.messages import Ids

__all__ = ["NotReady", "Report", "Reports", "UnknownReport"]


class UnknownReport(LookupError):
    """No report has this id (for this login)."""


class NotReady(Exception):
    """The report exists but is still being built."""


@attrs.define(kw_only=True, eq=False)
class Report:
    """One requested report: whose it is, its rows, how many downloads still find it unready."""

    id: str
    login: str = ""
    rows: list[Any] = attrs.field(factory=list)
    polls_left: int = 1
    #: Provider facts the kit does not model (a file format, filters, ...).
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def ready(self) -> bool:
        """True when a download gets the file."""
        return self.polls_left <= 0


class Reports(dict[str, Report]):
    """Reports by id (a dict: list, count and delete them as one); ids from ``ids``.

    ``polls`` downloads of a new report answer "not ready" (settable at run time). Not
    locked itself: simulators call it under their ``lock``.
    """

    def __init__(self, ids: Ids, polls: int = 1) -> None:
        super().__init__()
        self.ids = ids
        self.polls = polls

    def create(self, rows: list[Any], *, login: str = "", polls: int | None = None,
               **extra: Any) -> Report:
        """Start building a report of ``rows``; it is ready after ``polls`` downloads
        (default: the store's ``polls``)."""
        report = Report(id=self.ids.next(), login=login, rows=rows, extra=extra,
                        polls_left=self.polls if polls is None else polls)
        self[report.id] = report
        return report

    def pending(self, login: str | None = None) -> int:
        """How many reports (of ``login``, if given) are not ready yet."""
        return sum(1 for r in self.values()
                   if not r.ready and (login is None or r.login == login))

    def download(self, report_id: str, login: str | None = None, *,
                 unknown: Exception | None = None, not_ready: Exception | None = None) -> Report:
        """The report ``report_id`` (of ``login``, if given) when ready; a download of an
        unready one counts as a poll and raises ``not_ready`` (the provider's refusal) or
        :class:`NotReady`; raise ``unknown`` or :class:`UnknownReport` for an id never
        issued (or another login's)."""
        report = self.get(report_id)
        if report is None or (login is not None and report.login != login):
            raise unknown or UnknownReport(report_id)
        if not report.ready:
            report.polls_left -= 1
            raise not_ready or NotReady(report_id)
        return report
