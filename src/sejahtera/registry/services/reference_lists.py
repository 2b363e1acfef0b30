"""Importing another agency's NIK-keyed list to check the registry against: the civil registry's
deaths, and civil servants, soldiers and police officers. The data-quality rules
``QUALITY_ON_DEATH_LIST`` and ``QUALITY_CIVIL_SERVANT`` list the registry's persons it names.

The file is a CSV with a ``nik`` column (and, for deaths, ``date_of_death``). Every row is
judged on its own: a row with an invalid NIK or date is reported (line, column, code, why) and
left out; the others are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.findings import Finding, Refused, error, gettext_noop
from sejahtera.domain.identifiers import parse_nik
from sejahtera.domain.registry_format import ValueProblem, parse_date
from sejahtera.domain.tables import read_table
from sejahtera.i18n import render_refusal
from sejahtera.registry.models import ReferenceList, ReferenceListEntry

DATE_COLUMN = {ReferenceList.Kind.DEATHS: "date_of_death"}


class ReferenceListInvalid(Exception):
    """A file that cannot be read as a reference list at all (nothing is imported)."""


@dataclass
class ReferenceListSummary:
    reference_list: ReferenceList
    kept: int = 0
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, column, …


def import_reference_list(
    actor: User | None, kind: str, path: Path, *, today: date | None = None
) -> ReferenceListSummary:
    """Import ``path`` as a list of ``kind``; ``actor`` None is the command line's
    administrator."""
    if actor is not None:
        access.require(actor, access.REFERENCE_LIST_IMPORTERS)
    kind = ReferenceList.Kind(kind)
    date_column = DATE_COLUMN.get(kind)
    try:
        rows = read_table(path.read_bytes(), ("nik",)).rows
    except OSError as exc:
        raise ReferenceListInvalid(f"{path}: {exc}") from exc
    except Refused as refused:
        raise ReferenceListInvalid(f"{path}: {render_refusal(refused)}") from None
    if not rows:
        raise ReferenceListInvalid(f"{path}: {gettext('The list has no rows.')}")
    entries: dict[str, date | None] = {}
    rejected: list[tuple[int, Finding]] = []
    for line, row in rows:
        nik = (row.get("nik") or "").strip()
        findings = parse_nik(nik, today=today).errors if nik else [_missing()]
        event_date = None
        raw_date = (row.get(date_column) or "").strip() if date_column else ""
        if raw_date and date_column:
            try:
                event_date = parse_date(raw_date)
            except ValueProblem as problem:
                findings.append(
                    error(problem.code, problem.template, date_column, **problem.params)
                )
        if not findings and nik in entries:
            findings.append(
                error("DUPLICATE_ID", gettext_noop("NIK {nik} is listed twice"), "nik", nik=nik)
            )
        if findings:
            rejected += [(line, finding) for finding in findings]
        else:
            entries[nik] = event_date
    with transaction.atomic():
        reference_list = ReferenceList.objects.create(
            kind=kind,
            source_name=path.name,
            imported_by=actor,
            rows=len(entries),
            rejected=len({line for line, _ in rejected}),
        )
        ReferenceListEntry.objects.bulk_create(
            ReferenceListEntry(reference_list=reference_list, nik=nik, event_date=when)
            for nik, when in entries.items()
        )
    return ReferenceListSummary(
        reference_list,
        kept=len(entries),
        rejected=[
            (line, f.column or "nik", f.code, gettext(f.template).format(**f.params))
            for line, f in rejected
        ],
    )


def _missing() -> Finding:
    return error("REQUIRED", gettext_noop("a NIK is required"), "nik")
