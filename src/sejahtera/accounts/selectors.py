"""Reading the audit trail: auditors search it (who, what, which record, when) and export it,
for example everyone who read or exported a person's specific data in a time window (the
3 × 24-hour breach notification of UU 27/2022 needs exactly that)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from sejahtera.accounts.access import AUDIT_READERS, region_prefix, require
from sejahtera.accounts.models import AuditEntry, User


@dataclass(frozen=True)
class AuditSearch:
    username: str = ""
    action: str = ""
    entity: str = ""  # a kind of record, its exports included
    record_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive


def audit_entries(user: User, search: AuditSearch) -> QuerySet[AuditEntry]:
    """The entries matching the search, newest first."""
    require(user, AUDIT_READERS)
    entries = AuditEntry.objects.select_related("user").order_by("-id")
    if prefix := region_prefix(user):  # an auditor of one region reads what its staff did
        entries = entries.filter(user__region__code__startswith=prefix)
    if search.username:
        entries = entries.filter(user__username=search.username)
    if search.action:
        entries = entries.filter(action=search.action)
    if search.entity:
        # "person" also finds "person_export": a kind and its exports
        entries = entries.filter(entity__startswith=search.entity)
    if search.since:
        entries = entries.filter(at__gte=_start_of(search.since))
    if search.until:
        entries = entries.filter(at__lt=_start_of(search.until + timedelta(days=1)))
    if search.record_id is not None:
        entries = naming(entries, [search.record_id])
    return entries


def naming(entries: QuerySet[AuditEntry], record_ids: list[int]) -> QuerySet[AuditEntry]:
    """Entries whose record ids include any of these (a JSON list), found in the database."""
    if connection.vendor == "postgresql":
        anyone = Q()
        for record_id in record_ids:
            anyone |= Q(record_ids__contains=[record_id])
        return entries.filter(anyone)
    # SQLite's JSON has no containment operator: look inside the list.
    marks = ", ".join(["%s"] * len(record_ids))
    return entries.extra(
        where=[
            "EXISTS (SELECT 1 FROM json_each(accounts_auditentry.record_ids) "
            f"WHERE value IN ({marks}))"
        ],
        params=record_ids,
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
