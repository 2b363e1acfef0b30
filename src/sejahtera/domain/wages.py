"""Minimum wages (upah minimum), the yardstick of PENA graduation, free of Django.

A governor sets each year the province's wage (UMP) and, where a regency or city asks for one,
its own higher wage (UMK). Where a regency has no UMK the province's UMP applies (Permenaker
16/2024, art. 12), and where neither is loaded the journey settings' default stands in — shown
as such, never passed off as an official figure.

The official figures ship as a CSV (``sejahtera/data/wages``), each row citing the decree
that set it; ``sejahtera wages load`` reads it row by row with these checks.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sejahtera.domain.findings import Finding, error, gettext_noop


class WageKind(StrEnum):
    UMK = "UMK"  # a regency's or city's (upah minimum kabupaten/kota)
    UMP = "UMP"  # a province's (upah minimum provinsi)
    DEFAULT = "default"  # none loaded: the journey settings' stand-in


# the code each kind of wage is set for: a province (2 digits) or a regency (4)
CODE_LENGTH = {WageKind.UMP: 2, WageKind.UMK: 4}
COLUMNS = ("region_code", "year", "amount", "kind", "instrument", "source_url")
_YEAR = re.compile(r"(19|20)\d\d")
_AMOUNT = re.compile(r"[1-9]\d{5,7}")  # whole rupiah a month: Rp100,000 to Rp99,999,999


@dataclass(frozen=True)
class MinimumWage:
    """The wage a family's income is measured against, and where it comes from."""

    amount: int
    kind: WageKind
    region_code: str = ""
    year: int | None = None
    instrument: str = ""  # the decree, e.g. "Kepgub Jawa Barat 561.7/Kep.798-Kesra/2024"

    @property
    def official(self) -> bool:
        return self.kind is not WageKind.DEFAULT


@dataclass(frozen=True)
class WageRow:
    line: int
    wage: MinimumWage
    source_url: str


def read_row(
    line: int, cells: Mapping[str, str | None], known_regions: Container[str]
) -> tuple[WageRow | None, list[Finding]]:
    """One row of the wage table, or what is wrong with it, field by field."""
    findings: list[Finding] = []
    value = {column: (cells.get(column) or "").strip() for column in COLUMNS}
    kind = value["kind"].upper()
    if kind not in CODE_LENGTH:
        findings.append(
            error(
                "WAGE_KIND_UNKNOWN",
                gettext_noop("“{value}” is not a kind of minimum wage: UMK or UMP"),
                "kind",
                value=value["kind"],
            )
        )
    code = value["region_code"]
    if kind in CODE_LENGTH and len(code) != CODE_LENGTH[WageKind(kind)]:
        findings.append(
            error(
                "WAGE_REGION_LEVEL",
                gettext_noop("a {kind} is set for a code of {digits} digits, not “{value}”"),
                "region_code",
                kind=kind,
                digits=CODE_LENGTH[WageKind(kind)],
                value=code,
            )
        )
    elif code not in known_regions:
        findings.append(
            error(
                "WAGE_REGION_UNKNOWN",
                gettext_noop("“{value}” is not an official region code"),
                "region_code",
                value=code,
            )
        )
    if not _YEAR.fullmatch(value["year"]):
        findings.append(
            error(
                "WAGE_YEAR_INVALID",
                gettext_noop("“{value}” is not a year"),
                "year",
                value=value["year"],
            )
        )
    if not _AMOUNT.fullmatch(value["amount"]):
        findings.append(
            error(
                "WAGE_AMOUNT_INVALID",
                gettext_noop("“{value}” is not a monthly wage in whole rupiah"),
                "amount",
                value=value["amount"],
            )
        )
    if not value["instrument"]:
        findings.append(
            error(
                "WAGE_SOURCE_MISSING",
                gettext_noop("every wage cites the governor's decision that set it"),
                "instrument",
            )
        )
    if findings:
        return None, findings
    wage = MinimumWage(
        amount=int(value["amount"]),
        kind=WageKind(kind),
        region_code=code,
        year=int(value["year"]),
        instrument=value["instrument"],
    )
    return WageRow(line, wage, value["source_url"]), []


def applicable_wage(
    wages: Iterable[MinimumWage], region_code: str, year: int, default_amount: int
) -> MinimumWage:
    """The wage in force in ``year`` for a place: its regency's latest UMK up to that year,
    else its province's latest UMP, else the default."""
    regency, province = region_code[:4], region_code[:2]
    best: dict[WageKind, MinimumWage] = {}
    for wage in wages:
        if wage.year is None or wage.year > year:
            continue
        if (wage.kind, wage.region_code) not in ((WageKind.UMK, regency), (WageKind.UMP, province)):
            continue
        current = best.get(wage.kind)
        if current is None or (current.year or 0) < wage.year:
            best[wage.kind] = wage
    return (
        best.get(WageKind.UMK)
        or best.get(WageKind.UMP)
        or MinimumWage(default_amount, WageKind.DEFAULT)
    )
