"""Loading the official region hierarchy into the database."""

from __future__ import annotations

from django.db import transaction

from sejahtera.domain.regions import RegionLevel, iter_regions
from sejahtera.registry.models import Region


@transaction.atomic
def load_regions(batch_size: int = 5000) -> int:
    """Create or update every region from the packaged lists; safe to run again. Returns the
    number of regions in the lists."""
    total = 0
    for level in RegionLevel:  # parents before children
        regions = [
            Region(code=r.code, name=r.name, level=level, parent_id=r.parent_code)
            for r in iter_regions(level)
        ]
        Region.objects.bulk_create(
            regions,
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "parent"],
        )
        total += len(regions)
    return total
