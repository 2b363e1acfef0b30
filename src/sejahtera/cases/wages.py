"""The official minimum wages: loading the table (``sejahtera wages load``) and finding the
wage in force for a family (``sejahtera.domain.wages`` holds the rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from django.db import transaction

from sejahtera.cases.models import MinimumWage as WageRecord
from sejahtera.domain.findings import Finding
from sejahtera.domain.tables import read_table
from sejahtera.domain.wages import COLUMNS, MinimumWage, WageKind, applicable_wage, read_row
from sejahtera.registry.models import Region

SHIPPED_TABLE = Path(str(resources.files("sejahtera") / "data" / "wages" / "minimum-wages.csv"))


@dataclass
class LoadReport:
    loaded: int = 0
    rejected: list[tuple[int, Finding]] = field(default_factory=list)  # (line, finding)


@transaction.atomic
def load_minimum_wages(path: Path = SHIPPED_TABLE) -> LoadReport:
    """Create or update every good row of a wage table (a rejected row changes nothing and is
    reported with its line and field); loading the same table again changes nothing."""
    report = LoadReport()
    levels = ("province", "regency")
    known = set(Region.objects.filter(level__in=levels).values_list("code", flat=True))
    for line, cells in read_table(path.read_bytes(), COLUMNS).rows:  # Refused: no table
        row, findings = read_row(line, cells, known)
        if row is None:
            report.rejected.extend((line, finding) for finding in findings)
            continue
        WageRecord.objects.update_or_create(
            region_id=row.wage.region_code,
            year=row.wage.year,
            defaults={
                "amount": row.wage.amount,
                "kind": row.wage.kind.value,
                "instrument": row.wage.instrument,
                "source_url": row.source_url,
            },
        )
        report.loaded += 1
    return report


def minimum_wage(region_code: str, year: int, default_amount: int) -> MinimumWage:
    """The wage in force for a place in ``year``: its regency's UMK, else its province's UMP,
    else ``default_amount`` (the journey settings' stand-in)."""
    rows = WageRecord.objects.filter(
        region_id__in=(region_code[:4], region_code[:2]), year__lte=year
    ).values_list("amount", "kind", "region_id", "year", "instrument")
    wages = [
        MinimumWage(amount, WageKind(kind), code, wage_year, instrument)
        for amount, kind, code, wage_year, instrument in rows
    ]
    return applicable_wage(wages, region_code, year, default_amount)
