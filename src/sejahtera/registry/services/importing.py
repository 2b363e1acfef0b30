"""Bulk import of registry exchange format v1 (households first, then persons).

Rows are validated by the domain core and written in batches, each batch in its own
transaction, so an interrupted import keeps every batch it finished and can simply be run again:
a record whose ``external_id`` exists is compared field by field and updated only if something
changed (with a change record of old and new values), never duplicated. Every rejected row and
every warning goes to the report with its file, line, id, column, code and message.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Model
from django.utils import timezone
from django.utils.translation import gettext

from sejahtera.domain import registry_format as fmt
from sejahtera.domain.findings import Finding, error, gettext_noop, warning
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    ImportRun,
    Person,
)
from sejahtera.registry.services.bulk import insert, upsert
from sejahtera.registry.sources import TableSource, open_source

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]
REPORT_COLUMNS = ("file", "line", "record_id", "column", "code", "severity", "message")
DEFAULT_BATCH_SIZE = 10_000

# Format column → model column (attname); the rest keep their names.
HOUSEHOLD_DB_NAMES = {"household_id": "external_id", "region_code": "village_id"}
PERSON_DB_NAMES = {"person_id": "external_id", "household_id": "household_id"}
DECIMAL_PLACES = {
    "latitude": Decimal("0.000001"),
    "longitude": Decimal("0.000001"),
    "floor_area_m2": Decimal("0.01"),
}
PROVENANCE_COLUMNS = ("created_at", "updated_at", "source_import_id", "version")


class ImportAborted(Exception):
    """The import could not run at all (unreadable file, required columns missing)."""


@dataclass
class RecordCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportSummary:
    run_id: int
    households: RecordCounts = field(default_factory=RecordCounts)
    persons: RecordCounts = field(default_factory=RecordCounts)
    warnings: int = 0
    possible_duplicates: int = 0
    issues_by_code: Counter[str] = field(default_factory=Counter)
    file_warnings: list[str] = field(default_factory=list)
    report_path: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["issues_by_code"] = dict(sorted(self.issues_by_code.items()))
        return data


@dataclass(slots=True)
class _PendingRow:
    line: int
    values: dict[str, Any]
    warnings: list[Finding]


class _Report:
    """The CSV report of rejected rows and warnings."""

    def __init__(self, handle: TextIO, summary: ImportSummary) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow(REPORT_COLUMNS)
        self._summary = summary

    def add(self, file: str, line: int | str, record_id: str, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self._summary.issues_by_code[finding.code] += 1
            if not finding.is_error:
                self._summary.warnings += 1
            message = gettext(finding.template).format(**finding.params)
            self._writer.writerow(
                (file, line, record_id, finding.column, finding.code, finding.severity, message)
            )


def _db_value(name: str, value: Any) -> Any:
    quantum = DECIMAL_PLACES.get(name)
    if quantum is not None and value is not None:
        return value.quantize(quantum)
    return value


def _json_value(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | str) else str(value)


class RegistryImport:
    """One run of the import; use :func:`import_registry`."""

    def __init__(
        self,
        run: ImportRun,
        report: _Report,
        summary: ImportSummary,
        *,
        batch_size: int,
        progress: ProgressCallback | None,
        today: date | None,
    ) -> None:
        self.run = run
        self.report = report
        self.summary = summary
        self.batch_size = batch_size
        self.progress = progress
        self.household_validator = fmt.HouseholdValidator(today=today)
        self.person_validator = fmt.PersonValidator(today=today)
        self.household_pks: dict[str, int] = {}
        self.rejected_households: set[str] = set()

    # -- households ------------------------------------------------------------------------

    def import_households(self, source: TableSource) -> None:
        self._import_file(
            source,
            validator=self.household_validator,
            id_column="household_id",
            counts=self.summary.households,
            flush=self._flush_households,
            on_rejected=self.rejected_households.add,
        )

    def _flush_households(self, file: str, batch: list[_PendingRow]) -> None:
        columns = [HOUSEHOLD_DB_NAMES.get(c, c) for c in fmt.HOUSEHOLD_COLUMN_NAMES]
        rows = [
            [_db_value(name, pending.values[name]) for name in fmt.HOUSEHOLD_COLUMN_NAMES]
            for pending in batch
        ]
        self._write(
            Household, ChangeRecord.Entity.HOUSEHOLD, columns, rows, self.summary.households
        )
        for pending in batch:
            if pending.warnings:
                self.report.add(
                    file, pending.line, pending.values["household_id"], pending.warnings
                )
        ids = [row[0] for row in rows]
        self.household_pks.update(
            Household.objects.filter(external_id__any_of=ids).values_list("external_id", "id")
        )

    # -- persons ---------------------------------------------------------------------------

    def import_persons(self, source: TableSource) -> None:
        self._import_file(
            source,
            validator=self.person_validator,
            id_column="person_id",
            counts=self.summary.persons,
            flush=self._flush_persons,
            extra_check=self._check_household_not_rejected,
        )

    def _check_household_not_rejected(self, values: dict[str, Any]) -> Finding | None:
        if values["household_id"] in self.rejected_households:
            return error(
                "HOUSEHOLD_REJECTED",
                gettext_noop("household {household_id} was rejected, so its members are too"),
                "household_id",
                household_id=values["household_id"],
            )
        return None

    def _flush_persons(self, file: str, batch: list[_PendingRow]) -> None:
        missing = {p.values["household_id"] for p in batch} - self.household_pks.keys()
        if missing:
            self.household_pks.update(
                Household.objects.filter(external_id__any_of=missing).values_list(
                    "external_id", "id"
                )
            )
        accepted: list[_PendingRow] = []
        for pending in batch:
            household_id = pending.values["household_id"]
            if household_id in self.household_pks:
                accepted.append(pending)
                continue
            self.summary.persons.rejected += 1
            finding = error(
                "HOUSEHOLD_UNKNOWN",
                gettext_noop(
                    "household {household_id} is neither in this import nor in the registry"
                ),
                "household_id",
                household_id=household_id,
            )
            self.report.add(
                file, pending.line, pending.values["person_id"], [finding, *pending.warnings]
            )

        format_names = list(fmt.PERSON_COLUMN_NAMES)
        columns = [PERSON_DB_NAMES.get(c, c) for c in format_names] + ["nik_warnings"]
        rows = []
        for pending in accepted:
            values = pending.values
            row = [values[name] for name in format_names]
            row[1] = self.household_pks[values["household_id"]]
            nik_codes = [f.code for f in pending.warnings if f.column == "nik"]
            row.append(";".join(nik_codes) or None)
            rows.append(row)
        self._write(Person, ChangeRecord.Entity.PERSON, columns, rows, self.summary.persons)
        duplicate_warnings = self._record_duplicate_niks(accepted)
        for pending in accepted:
            person_id = pending.values["person_id"]
            findings = pending.warnings + duplicate_warnings.get(person_id, [])
            if findings:
                self.report.add(file, pending.line, person_id, findings)

    def _record_duplicate_niks(self, batch: list[_PendingRow]) -> dict[str, list[Finding]]:
        """Persons of this batch whose NIK another person holds: kept, flagged for review."""
        niks = {p.values["nik"] for p in batch if p.values["nik"]}
        if not niks:
            return {}
        shared_niks = (
            Person.objects.filter(nik__any_of=niks)
            .values("nik")
            .annotate(holders=Count("id"))
            .filter(holders__gt=1)
            .values_list("nik", flat=True)
        )
        shared: dict[str | None, list[tuple[int, str]]] = {}
        for pk, external_id, nik in Person.objects.filter(
            nik__any_of=list(shared_niks)
        ).values_list("id", "external_id", "nik"):
            shared.setdefault(nik, []).append((pk, external_id))
        candidates = [
            DuplicateCandidate(
                person_id=a[0],
                other_id=b[0],
                reason=DuplicateCandidate.Reason.SAME_NIK,
                import_run=self.run,
            )
            for people in shared.values()
            for i, a in enumerate(sorted(people))
            for b in sorted(people)[i + 1 :]
        ]
        if candidates:
            before = DuplicateCandidate.objects.count()
            DuplicateCandidate.objects.bulk_create(candidates, ignore_conflicts=True)
            self.summary.possible_duplicates += DuplicateCandidate.objects.count() - before
        warnings: dict[str, list[Finding]] = {}
        for pending in batch:
            people = shared.get(pending.values["nik"] or "")
            if people:
                person_id = pending.values["person_id"]
                others = ", ".join(sorted(e for _, e in people if e != person_id))
                warnings[person_id] = [
                    warning(
                        "NIK_DUPLICATE",
                        gettext_noop("NIK is also held by {others}; recorded for review"),
                        "nik",
                        others=others,
                    )
                ]
        return warnings

    # -- shared ----------------------------------------------------------------------------

    def _import_file(
        self,
        source: TableSource,
        *,
        validator: fmt.RowValidator,
        id_column: str,
        counts: RecordCounts,
        flush: Callable[[str, list[_PendingRow]], None],
        on_rejected: Callable[[str], None] | None = None,
        extra_check: Callable[[dict[str, Any]], Finding | None] | None = None,
    ) -> None:
        file = source.path.name
        seen: set[str] = set()
        batch: list[_PendingRow] = []
        done = 0
        for line, row in source.rows():
            result = validator.validate(row)
            record_id = result.values[id_column] or (row.get(id_column) or "").strip()
            findings = result.findings
            repeated = bool(record_id) and record_id in seen
            if repeated:
                findings.append(
                    error(
                        "DUPLICATE_ID",
                        gettext_noop("{column} {value} appears more than once in this file"),
                        id_column,
                        column=id_column,
                        value=record_id,
                    )
                )
            seen.add(record_id)
            if extra_check is not None and result.is_valid:
                extra = extra_check(result.values)
                if extra is not None:
                    findings.append(extra)
            if result.is_valid:
                warnings = [f for f in findings if not f.is_error]
                batch.append(_PendingRow(line, result.values, warnings))
            else:
                counts.rejected += 1
                self.report.add(file, line, record_id, findings)
                # A repeated id leaves the first occurrence standing.
                if on_rejected is not None and record_id and not repeated:
                    on_rejected(record_id)
            done += 1
            if len(batch) >= self.batch_size:
                flush(file, batch)
                batch = []
                self._progress(file, done, source.row_count)
        if batch:
            flush(file, batch)
        self._progress(file, done, max(done, source.row_count))

    def _write(
        self,
        model: type[Model],
        entity: str,
        columns: list[str],
        rows: list[list[Any]],
        counts: RecordCounts,
    ) -> None:
        """Upsert new and changed rows of one batch, recording what changed."""
        existing = {
            row[1]: row
            for row in model._default_manager.filter(
                external_id__any_of=[r[0] for r in rows]
            ).values_list("id", *columns)
        }
        now = timezone.now()
        new_rows: list[Sequence[Any]] = []
        changed_rows: list[Sequence[Any]] = []
        changes: list[ChangeRecord] = []
        for row in rows:
            old = existing.get(row[0])
            if old is None:
                counts.created += 1
                new_rows.append([*row, now, now, self.run.pk, 1])
                continue
            diff = {
                name: [_json_value(before), _json_value(after)]
                for name, before, after in zip(columns, old[1:], row, strict=True)
                if before != after
            }
            if not diff:
                counts.unchanged += 1
                continue
            counts.updated += 1
            changed_rows.append([*row, now, now, self.run.pk, 1])
            changes.append(
                ChangeRecord(
                    entity=entity,
                    record_id=old[0],
                    action=ChangeRecord.Action.UPDATED,
                    changed_at=now,
                    actor_id=self.run.created_by_id,
                    import_run=self.run,
                    changes=diff,
                )
            )
        all_columns = [*columns, *PROVENANCE_COLUMNS]
        with transaction.atomic():
            try:
                with transaction.atomic():
                    insert(model, all_columns, new_rows)
            except IntegrityError:
                # Another import created some of these ids since we looked: merge instead.
                upsert(model, all_columns, new_rows)
            upsert(model, all_columns, changed_rows)
            ChangeRecord.objects.bulk_create(changes)

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


def _check_header(source: TableSource, columns: tuple[fmt.Column, ...]) -> list[str]:
    missing = fmt.missing_required_columns(source.header, columns)
    if missing:
        raise ImportAborted(f"{source.path.name}: required column(s) missing: {', '.join(missing)}")
    return [
        f"{source.path.name}: unknown column {name!r} ignored"
        for name in fmt.unknown_columns(source.header, columns)
    ]


def default_report_path(run: ImportRun) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / f"import-{run.pk}-report.csv"


def import_registry(
    *,
    households_path: str | Path,
    persons_path: str | Path | None = None,
    report_path: str | Path | None = None,
    actor: Any = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    today: date | None = None,
) -> ImportSummary:
    """Import a households file and optionally a persons file; return what happened.

    Raises :class:`ImportAborted` (before writing anything) when a file cannot be read or lacks
    a required column.
    """
    from sejahtera.registry.sources import SourceError

    try:
        households = open_source(households_path)
        persons = open_source(persons_path) if persons_path else None
    except SourceError as exc:
        raise ImportAborted(str(exc)) from exc
    file_warnings = _check_header(households, fmt.HOUSEHOLD_COLUMNS)
    if persons is not None:
        file_warnings += _check_header(persons, fmt.PERSON_COLUMNS)

    run = ImportRun.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        households_file=str(households_path),
        persons_file=str(persons_path or ""),
    )
    report_file = Path(report_path) if report_path else default_report_path(run)
    report_file.parent.mkdir(parents=True, exist_ok=True)
    summary = ImportSummary(
        run_id=run.pk, file_warnings=file_warnings, report_path=str(report_file)
    )
    run.report_file = str(report_file)
    try:
        with report_file.open("w", encoding="utf-8", newline="") as handle:
            importer = RegistryImport(
                run,
                _Report(handle, summary),
                summary,
                batch_size=batch_size,
                progress=progress,
                today=today,
            )
            importer.import_households(households)
            if persons is not None:
                importer.import_persons(persons)
    except BaseException as exc:
        run.status = ImportRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.summary = summary.as_dict()
        run.save()
        raise
    run.status = ImportRun.Status.COMPLETED
    run.finished_at = timezone.now()
    run.summary = summary.as_dict()
    run.save()
    return summary
