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
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext

from sejahtera.accounts import access
from sejahtera.domain import registry_format as fmt
from sejahtera.domain.findings import Finding, error, gettext_noop
from sejahtera.linkage.run import LinkageError
from sejahtera.registry.fields import HOUSEHOLD_FIELDS, PERSON_FIELDS, reading_specific, renamed
from sejahtera.registry.models import (
    ChangeRecord,
    Household,
    ImportRun,
    Person,
)
from sejahtera.registry.services.bulk import analyse, insert, python_rows, upsert, without_jit
from sejahtera.registry.services.deduplication import (
    check_imported_persons,
    hold_imported_duplicates,
)
from sejahtera.registry.services.duplicates import (
    held_for_review_warning,
    lock_niks,
    record_shared_niks,
    shared_nik_warning,
)
from sejahtera.registry.services.exports import safe_row
from sejahtera.registry.services.pipeline import (
    HOUSEHOLDS,
    REPORT_COLUMNS,
    Batch,
    iter_batches,
)
from sejahtera.registry.signals import households_moved
from sejahtera.registry.sources import TableSource, open_source
from sejahtera.sealing import seal_person_columns

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]
DEFAULT_BATCH_SIZE = 10_000

# Format column → model column (attname); the rest keep their names.
HOUSEHOLD_DB_NAMES = renamed(HOUSEHOLD_FIELDS)
PERSON_DB_NAMES = renamed(PERSON_FIELDS)
# From this many rows (both files) on, reading and validating runs in a child process beside
# the database work (pipeline.py); below it the process start-up would cost more than it saves.
PIPELINE_MIN_ROWS = 50_000
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
    held_for_review: int = 0  # new persons matching earlier ones, kept out until reviewed
    issues_by_code: Counter[str] = field(default_factory=Counter)
    file_warnings: list[str] = field(default_factory=list)
    report_path: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["issues_by_code"] = dict(sorted(self.issues_by_code.items()))
        return data


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
                safe_row(
                    (file, line, record_id, finding.column, finding.code, finding.severity, message)
                )
            )


def _rows_by_key(
    model: type[Model], key: str, values: Iterable[str], columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``columns`` (attnames) of the rows whose text column ``key`` is one of ``values``.

    Thousands of values per batch. On PostgreSQL they go as one text-array literal built here
    (psycopg's list adapter and the ORM's per-value preparation cost more than the query),
    joined LATERALly with ``OFFSET 0`` (so the join cannot be flattened) so that each value is
    one index probe whatever the planner's statistics say: during a bulk load they are stale
    (autovacuum has not analysed the new rows yet) and a plain ``= ANY(...)`` or join then
    turns into a sequential scan per batch, quadratic over an import. JIT is off for the
    query: its compile time would exceed the query's. Elsewhere a plain ``IN`` list.
    """
    values = list(values)
    if not values:
        return []
    if connection.vendor != "postgresql":
        # Every row that holds the key: a record held for review or merged is still the row
        # an external id names (the PostgreSQL query below reads the table as it is too).
        queryset = model._base_manager.all()
        target = f"{connection.ops.quote_name(model._meta.db_table)}.{key}"
        where = f"{target} IN ({', '.join(['%s'] * len(values))})"
        return list(queryset.extra(where=[where], params=values).values_list(*columns))
    quote = connection.ops.quote_name
    literal = ",".join(
        '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values
    )
    sql = (
        f"SELECT {', '.join(f'r.{quote(c)}' for c in columns)} "
        f"FROM unnest(%s::text[]) AS k(value) CROSS JOIN LATERAL ("
        f"SELECT {', '.join(f't.{quote(c)}' for c in columns)} "
        f"FROM {quote(model._meta.db_table)} t WHERE t.{quote(key)} = k.value OFFSET 0) r"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        without_jit()
        cursor.execute(sql, [f"{{{literal}}}"])
        return cursor.fetchall()


def _existing_rows(model: type[Model], ids: list[str], columns: list[str]) -> list[tuple[Any, ...]]:
    """``id`` and ``columns`` of the records with these external ids: a person's specific
    fields opened from their sealed value."""
    if model is not Person:
        return _rows_by_key(model, "external_id", ids, ["id", *columns])
    stored, values = reading_specific(["id", *columns])
    return [values(row) for row in _rows_by_key(model, "external_id", ids, stored)]


def _existing_outside(model: type[Model], region: str, ids: list[str], scope: str) -> set[str]:
    """The ``external_id``s among ``ids`` of records that exist outside the ``scope`` prefix
    (``region`` the lookup of their village code)."""
    return set(
        model._base_manager.filter(external_id__in=ids)
        .exclude(**{f"{region}__startswith": scope})
        .values_list("external_id", flat=True)
    )


def _outside_scope(column: str, scope: str) -> Finding:
    return error(
        "REGION_OUTSIDE_SCOPE",
        gettext_noop("outside your region ({scope}): you may only import records of your region"),
        column,
        scope=scope,
    )


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
        progress: ProgressCallback | None,
        scope: str = "",
    ) -> None:
        self.run = run
        self.report = report
        self.summary = summary
        self.progress = progress
        # The region prefix every written row must fall in ('' = the whole country).
        self.scope = scope
        self.household_pks: dict[str, int] = {}
        # Source ids of registry households outside the scope: persons may not join them.
        self.households_outside: set[str] = set()

    def write_batches(self, batches: Iterable[Batch]) -> None:
        """Report and write the validated batches, in order (households first)."""
        for batch in batches:
            households = batch.kind == HOUSEHOLDS
            counts = self.summary.households if households else self.summary.persons
            counts.rejected += len(batch.rejected)
            for rejected in batch.rejected:
                self.report.add(batch.file, rejected.line, rejected.record_id, rejected.findings)
            if batch.table.num_rows:
                if households:
                    self._flush_households(batch)
                else:
                    self._flush_persons(batch)
            self._progress(batch.file, batch.done, batch.total)

    # -- households ------------------------------------------------------------------------

    def _flush_households(self, batch: Batch) -> None:
        columns = [HOUSEHOLD_DB_NAMES.get(c, c) for c in fmt.HOUSEHOLD_COLUMN_NAMES]
        ids = batch.table.column(0).to_pylist()
        refused: dict[int, Finding] = {}
        if self.scope:
            # Both the row's region and, for an update, the household's current region must
            # be in scope: an office may neither create nor take over a household elsewhere.
            elsewhere = _existing_outside(Household, "village__code", ids, self.scope)
            regions = batch.table.column("region_code").to_pylist()
            for i, (household_id, region) in enumerate(zip(ids, regions, strict=True)):
                if household_id in elsewhere or not region.startswith(self.scope):
                    refused[i] = _outside_scope("region_code", self.scope)
        table = self._refuse(batch, ids, refused)
        self._write(
            Household, ChangeRecord.Entity.HOUSEHOLD, columns, table, self.summary.households
        )
        for i, warnings in batch.warnings.items():
            if i not in refused:
                self.report.add(batch.file, batch.lines[i], ids[i], warnings)
        kept = table.column(0).to_pylist()
        self.household_pks.update(
            _rows_by_key(Household, "external_id", kept, ("external_id", "id"))
        )

    def _refuse(self, batch: Batch, ids: list[str], refused: dict[int, Finding]) -> pa.Table:
        """Report the batch's ``refused`` rows (with their warnings); the table without them."""
        if not refused:
            return batch.table
        counts = self.summary.households if batch.kind == HOUSEHOLDS else self.summary.persons
        for i, finding in sorted(refused.items()):
            counts.rejected += 1
            self.report.add(
                batch.file, batch.lines[i], ids[i], [finding, *batch.warnings.get(i, [])]
            )
        keep = [i not in refused for i in range(batch.table.num_rows)]
        return batch.table.filter(pa.array(keep, pa.bool_()))

    # -- persons ---------------------------------------------------------------------------

    def _flush_persons(self, batch: Batch) -> None:
        # Person rows: format columns (index 1 the source household_id), then nik_warnings.
        ids = batch.table.column(0).to_pylist()
        sources = batch.table.column(1).to_pylist()
        missing = set(sources) - self.household_pks.keys()
        if missing:
            found = _rows_by_key(
                Household, "external_id", missing, ("external_id", "id", "village_id")
            )
            self.household_pks.update((external_id, pk) for external_id, pk, _ in found)
            self.households_outside.update(
                external_id
                for external_id, _, village in found
                if not village.startswith(self.scope)
            )
        refused: dict[int, Finding] = {}
        # A person's household decides the region: the one the row names and, for a person
        # in the registry, the one they are in now (nobody is moved out of another region).
        elsewhere = (
            _existing_outside(Person, "household__village__code", ids, self.scope)
            if self.scope
            else set()
        )
        for i, (person_id, household_id) in enumerate(zip(ids, sources, strict=True)):
            if household_id not in self.household_pks:
                refused[i] = error(
                    "HOUSEHOLD_UNKNOWN",
                    gettext_noop(
                        "household {household_id} is neither in this import nor in the registry"
                    ),
                    "household_id",
                    household_id=household_id,
                )
            elif person_id in elsewhere or household_id in self.households_outside:
                refused[i] = _outside_scope("household_id", self.scope)
        table = self._refuse(batch, ids, refused)
        pks = [self.household_pks[household_id] for household_id in table.column(1).to_pylist()]
        table = table.set_column(1, "household_id", pa.array(pks, pa.int64()))

        columns = [PERSON_DB_NAMES.get(c, c) for c in fmt.PERSON_COLUMN_NAMES] + ["nik_warnings"]
        # The rows, their shared NIKs' pairs and the holds those pairs make commit together:
        # an import that fails at a later batch leaves no second record unheld.
        with transaction.atomic():
            self._write(Person, ChangeRecord.Entity.PERSON, columns, table, self.summary.persons)
            duplicate_warnings = self._record_duplicate_niks(table.column(0), table.column(2))
        flagged = {i for i, person_id in enumerate(ids) if person_id in duplicate_warnings}
        no_warnings: list[Finding] = []
        for i in sorted((batch.warnings.keys() | flagged) - refused.keys()):
            person_id = ids[i]
            findings = batch.warnings.get(i, no_warnings) + duplicate_warnings.get(person_id, [])
            self.report.add(batch.file, batch.lines[i], person_id, findings)

    def _record_duplicate_niks(
        self, person_ids: pa.ChunkedArray, niks: pa.ChunkedArray
    ) -> dict[str, list[Finding]]:
        """Persons of this batch whose NIK another person holds: kept, flagged for review."""
        batch_niks = pc.unique(niks.drop_null()).to_pylist()
        if not batch_niks:
            return {}
        lock_niks(batch_niks)  # a registration or import of one of them at once takes turns
        # Every holder of every NIK of the batch (one index probe per NIK), kept where shared.
        holders: dict[str, list[tuple[int, str]]] = {}
        household_of: dict[int, int] = {}
        registered_before: set[str] = set()  # NIKs held by a record of an earlier import
        for nik, pk, external_id, household_pk, merged_into, source in _rows_by_key(
            Person,
            "nik",
            batch_niks,
            ("nik", "id", "external_id", "household_id", "merged_into_id", "source_import_id"),
        ):
            if merged_into is not None:  # the person is the record kept, which holds it too
                continue
            holders.setdefault(nik, []).append((pk, external_id))
            household_of[pk] = household_pk
            if source != self.run.pk:
                registered_before.add(nik)
        shared = {nik: people for nik, people in holders.items() if len(people) > 1}
        self.summary.possible_duplicates += record_shared_niks(shared, self.run)
        if not shared:
            return {}
        if registered_before & shared.keys():  # a second record of someone registered
            hold_imported_duplicates(self.run)
        # The report names only the holders inside the importer's region.
        region_of: dict[int, str] = {}
        if self.scope:
            households = {household_of[pk] for people in shared.values() for pk, _ in people}
            region_of = dict(
                Household.objects.filter(pk__in=households).values_list("id", "village_id")
            )
        holding = pc.is_in(niks, pa.array(list(shared), pa.string()))
        warnings: dict[str, list[Finding]] = {}
        for person_id, nik in zip(
            person_ids.filter(holding).to_pylist(), niks.filter(holding).to_pylist(), strict=True
        ):
            others = [
                (e, region_of.get(household_of[pk], "")) for pk, e in shared[nik] if e != person_id
            ]
            warnings[person_id] = [shared_nik_warning(others, self.scope)]
        return warnings

    # -- shared ----------------------------------------------------------------------------

    def _write(
        self,
        model: type[Model],
        entity: str,
        columns: list[str],
        table: pa.Table,
        counts: RecordCounts,
    ) -> None:
        """Write one batch: new rows inserted, existing ones updated where something changed."""
        now = timezone.now()
        with transaction.atomic():
            try:
                # Mostly every row is new (a first import), so insert them all without looking
                # them up first; if one exists after all, nothing of the attempt stays.
                with transaction.atomic():
                    insert(model, *self._stored(model, columns, table, now))
            except IntegrityError:
                self._merge(model, entity, columns, table, counts, now)
            else:
                counts.created += table.num_rows

    def _merge(
        self,
        model: type[Model],
        entity: str,
        columns: list[str],
        table: pa.Table,
        counts: RecordCounts,
        now: datetime,
    ) -> None:
        """Upsert new and changed rows of a batch some of whose records exist; record changes."""
        ids = table.column(0).to_pylist()
        existing = {row[1]: row for row in _existing_rows(model, ids, columns)}
        # Compare the rows that exist value by value; new ones need no look.
        known = [i for i, external_id in enumerate(ids) if external_id in existing]
        changed: list[int] = []
        changes: list[ChangeRecord] = []
        moved: list[int] = []
        for i, row in zip(known, python_rows(table.take(pa.array(known, pa.int64()))), strict=True):
            old = existing[row[0]]
            diff = {
                name: [_json_value(before), _json_value(after)]
                for name, before, after in zip(columns, old[1:], row, strict=True)
                if before != after
            }
            if not diff:
                counts.unchanged += 1
                continue
            counts.updated += 1
            changed.append(i)
            if model is Household and "village_id" in diff:
                moved.append(old[0])
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
        new = table.filter(pc.invert(pc.is_in(table.column(0), pa.array(list(existing)))))
        counts.created += new.num_rows
        try:
            with transaction.atomic():
                insert(model, *self._stored(model, columns, new, now))
        except IntegrityError:
            # Another import created some of these ids since we looked: merge instead.
            upsert(model, *self._stored(model, columns, new, now))
        updated = table.take(pa.array(changed, pa.int64()))
        upsert(model, *self._stored(model, columns, updated, now))
        ChangeRecord.objects.bulk_create(changes)
        if moved:
            households_moved.send(sender=Household, household_ids=moved)

    def _stored(
        self, model: type[Model], columns: list[str], table: pa.Table, now: datetime
    ) -> tuple[list[str], pa.Table]:
        """The columns and rows to store: a person's specific fields sealed into one value,
        followed by the PROVENANCE_COLUMNS: created, updated, source run, version."""
        if model is Person:
            table, columns = seal_person_columns(table, columns)
        rows = table.num_rows
        # The time as the database takes it in text: Arrow's CSV writer formats a timestamp
        # column far slower than it copies a constant string.
        stamp = str(connection.ops.adapt_datetimefield_value(now))
        for name, value in zip(PROVENANCE_COLUMNS, (stamp, stamp, self.run.pk, 1), strict=True):
            table = table.append_column(name, pa.repeat(value, rows))
        return [*columns, *PROVENANCE_COLUMNS], table

    def _progress(self, stage: str, done: int, total: int) -> None:
        ImportRun.objects.filter(pk=self.run.pk).update(heartbeat_at=timezone.now())
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


# What the import itself writes on its run at the end; ``progress`` belongs to the caller.
FINAL_FIELDS = ["status", "error", "finished_at", "summary", "report_file"]


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
    run: ImportRun | None = None,
) -> ImportSummary:
    """Import a households file and optionally a persons file; return what happened.

    ``run`` is a queued run to carry out (an upload); without one a new run is recorded.
    Raises :class:`ImportAborted` (before writing anything) when a file cannot be read or lacks
    a required column.
    """
    from sejahtera.registry.sources import SourceError, SourceLimits

    # An import run as a user writes only inside their region; one without a user (the command
    # line) is the administrator's.
    scope = ""
    if actor is not None:
        access.require(actor, access.REGISTRY_IMPORTERS)
        scope = access.region_prefix(actor)
    limits = SourceLimits(
        max_rows=settings.SEJAHTERA_IMPORT_MAX_ROWS,
        max_unpacked_bytes=settings.SEJAHTERA_XLSX_MAX_UNPACKED_MB * 2**20,
    )
    try:
        households = open_source(households_path, limits)
        persons = open_source(persons_path, limits) if persons_path else None
    except SourceError as exc:
        raise ImportAborted(str(exc)) from exc
    file_warnings = _check_header(households, fmt.HOUSEHOLD_COLUMNS)
    if persons is not None:
        file_warnings += _check_header(persons, fmt.PERSON_COLUMNS)

    if run is None:
        run = ImportRun.objects.create(
            created_by=actor if getattr(actor, "pk", None) else None,
            households_file=str(households_path),
            persons_file=str(persons_path or ""),
        )
    else:
        run.status = ImportRun.Status.RUNNING
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "heartbeat_at"])
    report_file = Path(report_path) if report_path else default_report_path(run)
    report_file.parent.mkdir(parents=True, exist_ok=True)
    report_file.touch(mode=0o600)  # ids and messages of personal records: the owner's only
    summary = ImportSummary(
        run_id=run.pk, file_warnings=file_warnings, report_path=str(report_file)
    )
    run.report_file = str(report_file)
    try:
        with report_file.open("w", encoding="utf-8", newline="") as handle:
            importer_report = _Report(handle, summary)
            importer = RegistryImport(run, importer_report, summary, progress=progress, scope=scope)
            rows = households.row_count + (persons.row_count if persons is not None else 0)
            importer.write_batches(
                iter_batches(
                    households,
                    persons,
                    batch_size=batch_size,
                    today=today,
                    in_child=rows >= PIPELINE_MIN_ROWS,
                )
            )
            # Before anyone works with the new records: those already registered under
            # another id or NIK go to the review queue, and the report says so.
            try:
                matches = check_imported_persons(run, scope=scope)
            except LinkageError as exc:
                # The rows are in: a check that cannot run is said, not a failed import.
                matches = []
                summary.file_warnings.append(f"possible duplicates not checked: {exc}")
            finally:
                # A second record of someone registered is not made a record until reviewed:
                # held by the pairs found, even when the check failed after a shared NIK's.
                held = hold_imported_duplicates(run)
            file = persons.path.name if persons is not None else ""
            for record_id, finding in matches:
                importer_report.add(file, "", record_id, [finding])
            summary.possible_duplicates += len(matches)
            for record_id in held:
                importer_report.add(file, "", record_id, [held_for_review_warning()])
            summary.held_for_review = len(held)
    except BaseException as exc:
        run.status = ImportRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.summary = summary.as_dict()
        run.save(update_fields=FINAL_FIELDS)
        raise
    if rows >= PIPELINE_MIN_ROWS:
        # The planner's statistics for the registry, fresh now rather than when autovacuum
        # gets to it: the targeting snapshot and the delivery steps read these tables next.
        analyse(Household._meta.db_table)
        analyse(Person._meta.db_table)
    run.status = ImportRun.Status.COMPLETED
    run.finished_at = timezone.now()
    run.summary = summary.as_dict()
    run.save(update_fields=FINAL_FIELDS)
    return summary
