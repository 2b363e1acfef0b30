"""What a targeting run may be asked: the reference date (``as_of``) it decides at."""

from __future__ import annotations

from datetime import date, timedelta

from sejahtera.domain.findings import Refused, gettext_noop


class RunRefused(Refused):
    """A run that cannot be asked for, in words rendered in the reader's language at the edge."""


# A run judges the registry as it is now: it counts ages, deaths and births at ``as_of``, but
# every other fact (incomes, assets, who lives where) is today's. So ``as_of`` is near today.
# Ahead by a quarter at most: a run may be dated on the first day of the period its decree
# will start, prepared that far ahead (PKH pays by quarters); further, the run would decide on
# ages of a year that has not come, from facts that will have changed. Not before 2000: the
# registries behind targeting and the programmes it decides are younger, so an earlier date
# is a typo (0026, 1926), and near the year 1 counting back a reviewer's verdict overflows.
# A fixed floor, not one counted back from today, keeps a stored run's date valid as the
# years pass.
EARLIEST_AS_OF = date(2000, 1, 1)
AHEAD = timedelta(days=92)


def latest_as_of(today: date) -> date:
    return today + AHEAD


def check_as_of(as_of: date, today: date) -> None:
    """RunRefused, naming ``as_of`` and the bounds, unless ``as_of`` is from
    ``EARLIEST_AS_OF`` to ``latest_as_of(today)``."""
    latest = latest_as_of(today)
    if not EARLIEST_AS_OF <= as_of <= latest:
        raise RunRefused(
            gettext_noop("{field}: a run is dated from {earliest} to {latest}, not {date}"),
            field="as_of",
            earliest=EARLIEST_AS_OF.isoformat(),
            latest=latest.isoformat(),
            date=as_of.isoformat(),
        )
