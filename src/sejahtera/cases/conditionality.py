"""PKH conditionality as the journey keeps it: a month's school attendance or health visits per
family member, recorded by the social worker or imported from the school's and the health
post's lists, and the repeated non-compliance a *paksa* graduation or a PKH suspension cites
(``sejahtera.domain.conditionality`` holds the rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases.models import Case, CaseEvent, ConditionalityRecord
from sejahtera.domain import conditionality as rules
from sejahtera.domain.cases import OPEN_STAGES, age_on
from sejahtera.domain.findings import Finding, error, gettext_noop
from sejahtera.domain.tables import read_table
from sejahtera.i18n import render_finding
from sejahtera.registry.models import Person

COLUMNS = ("nik", "month", "obligation", "value")
_MONTH = re.compile(r"((?:19|20)\d\d)-(0[1-9]|1[0-2])")


def settings_in_force() -> rules.ConditionalitySettings:
    values = getattr(settings, "SEJAHTERA_PKH_CONDITIONALITY", {})
    known = {
        k: v for k, v in values.items() if k in rules.ConditionalitySettings.__dataclass_fields__
    }
    return rules.ConditionalitySettings(**known)


def save_month(
    actor: User, person: Person, obligation: str, month: date, value: int, source: str
) -> ConditionalityRecord:
    record, _created = ConditionalityRecord.objects.update_or_create(
        person=person,
        obligation=obligation,
        month=month.replace(day=1),
        defaults={"value": value, "source": source, "recorded_by": actor},
    )
    return record


def month_record(record: ConditionalityRecord) -> rules.MonthRecord:
    return rules.MonthRecord(
        record.person_id, rules.Obligation(record.obligation), record.month, record.value
    )


@dataclass
class ImportReport:
    saved: int = 0
    rejected: list[tuple[int, Finding]] = field(default_factory=list)  # (line, finding)


COLUMNS = ("nik", "month", "obligation", "value")


@transaction.atomic
def import_months(*, actor: User, path: Path, today: date) -> ImportReport:
    """A school's or health post's list (``nik,month,obligation,value``), imported by an office:
    every good row of a living person of its region is saved (a month again: corrected); a bad
    row is reported with its line, field and code and changes nothing."""
    access.require(actor, access.CONDITIONALITY_IMPORTERS)
    prefix = access.region_prefix(actor)
    report = ImportReport()
    rows = read_table(path.read_bytes(), COLUMNS).rows  # Refused: the file is no list
    niks = {(cells.get("nik") or "").strip() for _line, cells in rows}
    found: dict[str, list[Person]] = {}
    for living in Person.objects.filter(
        nik__in=niks, household__village__code__startswith=prefix, deceased_date__isnull=True
    ):
        found.setdefault(living.nik or "", []).append(living)
    # a NIK held by two living persons names nobody for sure: the row is refused
    persons = {nik: people[0] for nik, people in found.items() if len(people) == 1}
    changed: list[ConditionalityRecord] = []
    first_line: dict[tuple[str, str, str], int] = {}  # (NIK, month, obligation) → its line
    for line, cells in rows:
        nik = (cells.get("nik") or "").strip()
        raw_month = (cells.get("month") or "").strip()
        obligation = (cells.get("obligation") or "").strip().lower()
        raw_value = (cells.get("value") or "").strip()
        problems = []
        person = persons.get(nik)
        if nik in found and person is None:
            problems.append(
                error(
                    "PKH_NIK_AMBIGUOUS",
                    gettext_noop("NIK “{value}” is held by several persons: record it on the case"),
                    "nik",
                    value=nik,
                )
            )
        elif person is None:
            problems.append(
                error(
                    "PKH_PERSON_UNKNOWN",
                    gettext_noop("no living person with NIK “{value}” in your region"),
                    "nik",
                    value=nik,
                )
            )
        month = _MONTH.fullmatch(raw_month)
        if month is None:
            problems.append(
                error(
                    "PKH_MONTH_INVALID",
                    gettext_noop("“{value}” is not a month (YYYY-MM)"),
                    "month",
                    value=raw_month,
                )
            )
        value = int(raw_value) if raw_value.isdecimal() and raw_value.isascii() else raw_value
        problems += rules.value_problems(obligation, value)
        if person is not None and month is not None:
            first_day = date(int(month[1]), int(month[2]), 1)
            problems += month_problems(person, obligation, first_day, today)
            earlier = first_line.setdefault((nik, raw_month, obligation), line)
            if earlier != line:  # which of the two values is right, the list does not say
                problems.append(
                    error(
                        "PKH_MONTH_REPEATED",
                        gettext_noop("this month is on line {line} already"),
                        "month",
                        line=earlier,
                    )
                )
        if problems or person is None or month is None:
            report.rejected.extend((line, finding) for finding in problems)
            continue
        before = ConditionalityRecord.objects.filter(
            person=person, obligation=obligation, month=first_day
        ).first()
        record = save_month(
            actor, person, obligation, first_day, int(value), ConditionalityRecord.Source.IMPORT
        )
        if before is None or before.value != record.value:
            changed.append(record)  # a month the list repeats unchanged is no news
        report.saved += 1
    _on_the_timelines(actor, changed)
    return report


def _on_the_timelines(actor: User, records: list[ConditionalityRecord]) -> None:
    """Each imported month on the timeline of its family's open case, as a month the social
    worker records is (one query for the cases, one insert)."""
    households = {r.person.household_id for r in records}
    open_cases = dict(
        Case.objects.filter(household_id__in=households, stage__in=OPEN_STAGES).values_list(
            "household_id", "pk"
        )
    )
    settings = settings_in_force()
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=open_cases[r.person.household_id],
            actor=actor,
            kind=CaseEvent.Kind.CONDITIONALITY,
            on=r.month,
            facts={
                "person": r.person_id,
                "obligation": r.obligation,
                "month": r.month.isoformat(),
                "value": r.value,
                "met": rules.met(month_record(r), settings),
                "source": str(ConditionalityRecord.Source.IMPORT),
            },
        )
        for r in records
        if r.person.household_id in open_cases
    )


def month_problems(person: Person, obligation: str, month: date, today: date) -> list[Finding]:
    """The month has come, the person was alive in it, and the obligation binds them."""
    problems = rules.month_problems(
        obligation, age_on(person.birth_date, month), bool(person.pregnant), month, today
    )
    if person.deceased_date is not None and person.deceased_date < month:
        problems.append(
            error(
                "PKH_PERSON_DECEASED",
                gettext_noop("the person died before this month"),
                "person",
            )
        )
    return problems


def breaches_of(case: Case) -> list[tuple[Person, rules.Breach]]:
    """The family's repeated non-compliance, per member and obligation."""
    records = ConditionalityRecord.objects.filter(person__household_id=case.household_id)
    breaches = rules.repeated_breaches(map(month_record, records), settings_in_force())
    persons = Person.objects.in_bulk([b.person_id for b in breaches])
    return [(persons[b.person_id], b) for b in breaches]


def citation(case: Case, today: date) -> tuple[str, list[dict[str, object]]]:
    """The family's recent repeated non-compliance as the evidence a step cites: words in the
    reader's language, and the records themselves."""
    settings = settings_in_force()
    breaches = [(p, b) for p, b in breaches_of(case) if rules.citable(b, today, settings)]
    words = "; ".join(render_finding(b.finding(p.full_name)) for p, b in breaches)
    cited = [
        {
            "person": p.pk,
            "obligation": str(b.obligation),
            "months": [m.isoformat() for m in b.months],
        }
        for p, b in breaches
    ]
    return words, cited
