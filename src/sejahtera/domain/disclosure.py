"""Small cells: statistical disclosure control for the figures shown to roles that may not read
specific personal data (analysts, programme managers, auditors, regents).

A count of one to four persons of a cluster that is specific data (children, disability and
health, criminal records, violence, drug use and HIV), or of a programme whose eligibility
reveals one (ATENSI), in a region or a breakdown, points at someone: with a drill-down to a
district of two poor families, "NAPZA/HIV: 2" names a family. Such a count is shown as "fewer
than five", the statistics offices' rule, and whatever would give it back (a percentage, a cost)
goes with it. Differences between two runs undo the rule (a budget of k and of k−1 isolates one
person), so comparisons leave those clusters and programmes out altogether.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

SMALL_CELL = 5
# The PAS clusters that are specific personal data under UU 27/2022.
SPECIFIC_CLUSTERS = frozenset(
    {"ANAK_RENTAN", "DISABILITAS", "WARGA_BINAAN", "KORBAN_KEKERASAN", "NAPZA_HIV"}
)


def is_small(count: int | None) -> bool:
    return count is not None and 0 < count < SMALL_CELL


def shown(count: int | None) -> int | None:
    """The count, or None ("fewer than five") when it is a small cell."""
    return None if is_small(count) else count


def suppress(
    rows: Iterable[dict[str, Any]],
    *,
    key: str,
    sensitive: Collection[str],
    counts: Collection[str],
    derived: Collection[str] = (),
) -> None:
    """In place: in each row whose ``row[key]`` is sensitive, the small ``counts`` become None,
    and so do its ``derived`` figures (a share, a cost) when any count did."""
    for row in rows:
        if row[key] not in sensitive:
            continue
        hidden = [name for name in counts if is_small(row[name])]
        for name in [*hidden, *(derived if hidden else ())]:
            row[name] = None
