"""Account operations."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from sejahtera.accounts.models import ROLE_SCOPE_LEVEL, Role, User
from sejahtera.registry.models import Household

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
        user.last_name = str(role.label)
        user.is_staff = user.is_superuser = role is Role.ADMINISTRATOR
        user.organisation = DEMO_PARTNER_ORGANISATION if role is Role.PARTNER_AGENCY else ""
        user.set_password(password)
        user.save()
        users.append(DemoUser(username, password, role.value, user.region_id or "national"))
    return users
