"""The demo registry that ``make run`` prepares: regions, a synthetic population, and one user
per role scoped around it (``sejahtera demo`` adds the cases and a targeting run on top)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import translation

from sejahtera.accounts.models import ROLE_SCOPE_LEVEL, Role, User
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
    echo(
        f"Imported {summary.households.accepted} households and {summary.persons.accepted} "
        f"persons; {summary.households.rejected + summary.persons.rejected} deliberately invalid "
        f"rows rejected (see {summary.report_path})"
    )


SCOPE_CODE_LENGTH = {"province": 2, "regency": 4, "district": 6, "village": 10}


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    region: str


def busiest_village_code() -> str | None:
    """The village with the most households: demo users are scoped around it."""
    row = (
        Household.objects.values("village_id")
        .annotate(n=Count("id"))
        .order_by("-n", "village_id")
        .first()
    )
    return row["village_id"] if row else None


DEMO_PARTNER_ORGANISATION = "Kementerian UMKM"


@transaction.atomic
def ensure_demo_users() -> list[DemoUser]:
    """One user per role, scoped around the demo population; passwords are public demo ones.

    Refuses to run unless SEJAHTERA_DEMO=1, so that demo accounts never reach a production
    database. A user that exists keeps the region it has (the busiest village may change as
    the demo is used).
    """
    if not settings.DEMO:
        raise RuntimeError("demo users are only created when SEJAHTERA_DEMO=1")
    village = busiest_village_code()
    users = []
    for role in Role:
        level = ROLE_SCOPE_LEVEL[role]
        region = village[: SCOPE_CODE_LENGTH[level]] if level and village else None
        username = f"demo_{role.value}"
        password = f"{username}!2026"
        user, created = User.objects.get_or_create(username=username)
        if created or user.role != role or len(user.region_id or "") != len(region or ""):
            user.region_id = region
        user.role = role
        user.first_name = "Demo"
        # In the site's language, whatever a request before left active in this thread.
        with translation.override(settings.LANGUAGE_CODE):
            user.last_name = str(role.label)
        user.is_staff = user.is_superuser = role is Role.ADMINISTRATOR
        user.organisation = DEMO_PARTNER_ORGANISATION if role is Role.PARTNER_AGENCY else ""
        user.set_password(password)
        user.save()
        users.append(DemoUser(username, password, role.value, user.region_id or "national"))
    return users
