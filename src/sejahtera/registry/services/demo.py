"""The demo registry that ``make run`` prepares: regions plus a synthetic population."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from sejahtera.cases.demo import ensure_demo_cases
from sejahtera.domain.regions import default_catalog
from sejahtera.registry.models import Household, Region
from sejahtera.registry.services.importing import import_registry
from sejahtera.registry.services.regions import load_regions
from sejahtera.registry.services.statistics import refresh_figures


def ensure_demo_registry(*, persons: int, seed: int, echo: Callable[[str], None]) -> None:
    """Migrate, load regions and import a synthetic population, each only if not done yet."""
    from sejahtera.synth import SynthConfig, generate, write

    call_command("migrate", interactive=False, verbosity=0)
    if Region.objects.count() < len(default_catalog()):
        echo(f"Loaded {load_regions()} regions")
    if Household.objects.exists():
        echo(f"Registry already holds {Household.objects.count()} households; reusing it")
        ensure_demo_cases(echo=echo)
        return
    out = Path(settings.HOME_DIR) / "demo" / f"synth-{seed}-{persons}"
    echo(f"Generating {persons} synthetic persons in {out}")
    counts = write(generate(SynthConfig(persons=persons, seed=seed, as_of=date.today())), out)
    echo(f"Importing {counts['households']} households and {counts['persons']} persons")
    summary = import_registry(
        households_path=out / "households.csv",
        persons_path=out / "persons.csv",
        report_path=out / "import-report.csv",
    )
    refresh_figures()
    ensure_demo_cases(echo=echo)
    echo(
        f"Imported {summary.households.accepted} households and {summary.persons.accepted} "
        f"persons; {summary.households.rejected + summary.persons.rejected} deliberately invalid "
        f"rows rejected (see {summary.report_path})"
    )
