"""A unit's ``subject`` (``domain.delivery.unit_subject``) as the database computes it, for
the set-based steps that write or match subjects of many rows at once."""

from __future__ import annotations

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from sejahtera.domain.delivery import HOUSEHOLD_SUBJECT, PERSON_SUBJECT


def subject_sql(table: str) -> str:
    """The subject of a row of ``table`` that has ``person_id`` and ``household_id``."""
    return (
        f"CASE WHEN {table}.person_id IS NULL THEN '{HOUSEHOLD_SUBJECT}' || {table}.household_id "
        f"ELSE '{PERSON_SUBJECT}' || {table}.person_id END"
    )


def subject_expression(prefix: str, key: str) -> Concat:
    """The subject of a row whose field ``key`` holds the id after ``prefix``
    (``PERSON_SUBJECT`` or ``HOUSEHOLD_SUBJECT``)."""
    return Concat(Value(prefix), Cast(key, CharField()), output_field=CharField())
