"""The read-and-validate half of the import, which may run in a child process.

:func:`validate_batches` streams the households file and then the persons file through the domain
validators and yields :class:`Batch` objects: the rows rejected in a stretch of the file (with
their findings) and its accepted rows already shaped as database rows, in an Arrow table. The
importer (``importing.py``) writes each batch and the report.

Each stretch of rows first goes through the vectorised screen (``domain/registry_screen.py``):
rows it clears need no validator call, their typed values come from the screen; every other row
is validated one by one exactly as before.

:func:`iter_batches` runs that generator either in this process or, for large files, in a child
process (``spawn``) that streams the batches through a bounded queue, so that parsing and
validating the next rows overlaps with the database writing the previous batch. The child only
reads files and runs the validators: this module imports neither Django nor the database, and
the parent keeps every database write, the report and the counts, so both ways give the same
result row for row.
"""

from __future__ import annotations

import csv
import multiprocessing
import queue
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.domain import registry_format as fmt
from sejahtera.domain.findings import Finding, error, gettext_noop
from sejahtera.domain.registry_screen import RowScreen
from sejahtera.registry.sources import TableSource

HOUSEHOLDS = "households"
PERSONS = "persons"
# The columns of a report of rejected rows and warnings (the import's, `target evaluate`'s).
REPORT_COLUMNS = ("file", "line", "record_id", "column", "code", "severity", "message")
# The decimal columns as the database stores them (precision, places).
STORED_DECIMALS = {
    "latitude": pa.decimal128(9, 6),
    "longitude": pa.decimal128(9, 6),
    "floor_area_m2": pa.decimal128(9, 2),
}
ARROW_TYPES = {
    fmt.Kind.BOOL: pa.bool_(),
    fmt.Kind.DATE: pa.date32(),
    fmt.Kind.INTEGER: pa.int64(),
}
# Batches the child may run ahead of the database (bounds the memory of the pipeline).
QUEUE_BATCHES = 3
# How long the parent waits for the next batch before checking that the child is still alive.
POLL_SECONDS = 1.0


@dataclass(slots=True)
class RejectedRow:
    line: int
    record_id: str
    findings: list[Finding]


class Batch:
    """One stretch of one file: its rejected rows, then its accepted rows.

    ``table`` holds the accepted rows as the database stores them, in format column order.
    Households: the format's columns, decimals at the model's places. Persons: the format's
    columns (``household_id`` still the source id; the importer swaps in the key) followed by
    ``nik_warnings``. ``lines[i]`` is the line of row i, ``warnings[i]`` its warnings if any.
    """

    __slots__ = ("done", "file", "kind", "last", "lines", "rejected", "table", "total", "warnings")

    def __init__(self, kind: str, file: str, *, total: int = 0) -> None:
        self.kind = kind  # HOUSEHOLDS or PERSONS
        self.file = file
        self.rejected: list[RejectedRow] = []
        self.table: pa.Table = _schema(kind).empty_table()
        self.lines: list[int] = []
        self.warnings: dict[int, list[Finding]] = {}
        self.done = 0  # rows of the file read so far
        self.total = total  # the file's row count as estimated on opening
        self.last = False  # the file's final batch


def _columns(kind: str) -> tuple[fmt.Column, ...]:
    return fmt.HOUSEHOLD_COLUMNS if kind == HOUSEHOLDS else fmt.PERSON_COLUMNS


def _schema(kind: str) -> pa.Schema:
    fields = [
        (c.name, STORED_DECIMALS.get(c.name) or ARROW_TYPES.get(c.kind, pa.string()))
        for c in _columns(kind)
    ]
    if kind == PERSONS:
        fields.append(("nik_warnings", pa.string()))
    return pa.schema(fields)


def _stored(schema: pa.Schema, values: dict[str, pa.Array]) -> tuple[dict[str, pa.Array], Any]:
    """The screen's values in the stored types, and where they fit them.

    Decimals are rounded to the stored places (half to even, as ``Decimal.quantize``); a value
    too large for its column does not fit and goes through the validator, so that it fails
    where it did before, in the database.
    """
    stored = {}
    fits = None
    for field in schema:
        value = values.get(field.name)
        if value is None:  # nik_warnings: none for a row with no finding
            stored[field.name] = pa.nulls(len(next(iter(values.values()))), field.type)
            continue
        if pa.types.is_decimal(field.type):
            value = pc.round(value, field.type.scale)
            limit = 10 ** (field.type.precision - field.type.scale)
            small = pc.less(pc.abs(pc.cast(value, pa.float64())), limit)
            ok = pc.fill_null(small, True)
            fits = ok if fits is None else pc.and_(fits, ok)
            value = pc.cast(pc.if_else(ok, value, None), field.type)
        stored[field.name] = value
    return stored, fits


def _household_row(values: dict[str, Any]) -> list[Any]:
    row = []
    for name in fmt.HOUSEHOLD_COLUMN_NAMES:
        value = values[name]
        stored = STORED_DECIMALS.get(name)
        if stored is not None and value is not None:
            value = value.quantize(Decimal(1).scaleb(-stored.scale))
        row.append(value)
    return row


def _person_row(values: dict[str, Any], warnings: list[Finding]) -> list[Any]:
    row = [values[name] for name in fmt.PERSON_COLUMN_NAMES]
    nik_codes = [f.code for f in warnings if f.column == "nik"]
    row.append(";".join(nik_codes) or None)
    return row


def _household_rejected(household_id: str) -> Finding:
    return error(
        "HOUSEHOLD_REJECTED",
        gettext_noop("household {household_id} was rejected, so its members are too"),
        "household_id",
        household_id=household_id,
    )


def _cells(raws: list[dict[str, str]], header: list[str]) -> dict[str, pa.Array]:
    """The stretch's cells column by column (a column the file lacks is absent)."""
    names = [name for name in dict.fromkeys(header) if name]
    columns: Iterable[Sequence[str | None]]
    try:
        # One C-level pass per row; a ragged spreadsheet row lacks a key, though.
        columns = zip(*map(itemgetter(*names), raws), strict=True) if len(names) > 1 else ()
    except KeyError:
        columns = ()
    if not columns:
        columns = [[row.get(name) for row in raws] for name in names]
    return {name: pa.array(cells, pa.string()) for name, cells in zip(names, columns, strict=True)}


def validate_batches(
    households: TableSource,
    persons: TableSource | None,
    *,
    batch_size: int,
    today: date | None,
) -> Iterator[Batch]:
    """Validate the households file, then the persons file, in batches."""
    rejected_households: set[str] = set()
    yield from _validate_file(
        HOUSEHOLDS,
        households,
        fmt.HouseholdValidator(today=today),
        batch_size=batch_size,
        on_rejected=rejected_households.add,
    )
    if persons is not None:
        yield from _validate_file(
            PERSONS,
            persons,
            fmt.PersonValidator(today=today),
            batch_size=batch_size,
            rejected_households=rejected_households,
        )


def _validate_file(
    kind: str,
    source: TableSource,
    validator: fmt.RowValidator,
    *,
    batch_size: int,
    on_rejected: Any = None,
    rejected_households: set[str] | None = None,
) -> Iterator[Batch]:
    file = source.path.name
    id_column = "household_id" if kind == HOUSEHOLDS else "person_id"
    is_persons = kind == PERSONS
    screen = RowScreen(validator)
    schema = _schema(kind)
    seen: set[str] = set()
    done = 0
    rows = source.rows()
    while stretch := list(islice(rows, batch_size)):
        batch = Batch(kind, file, total=source.row_count)
        screened = screen.screen(_cells([raw for _, raw in stretch], source.header))
        stored, fits = _stored(schema, screened.values)
        cleared = screened.cleared if fits is None else pc.and_(screened.cleared, fits)
        # Cleared rows whose id occurs once in the stretch and is new, and (persons) whose
        # household was not rejected, are accepted as they are; only the others need the loop
        # below, which therefore never meets a plain row's id. Ids are compared as the loop
        # sees them, stripped (a cleared row's id has nothing to strip).
        ids = stored[id_column].to_pylist()
        uncleared = pc.indices_nonzero(pc.invert(cleared)).to_pylist()
        for i in uncleared:
            ids[i] = (stretch[i][1].get(id_column) or "").strip()
        counts = Counter(ids)
        taken = {record_id for record_id, n in counts.items() if n > 1} | (counts.keys() & seen)
        plain = cleared
        if taken:
            repeated = pa.array(list(taken), pa.string())
            plain = pc.and_(plain, pc.invert(pc.is_in(pa.array(ids, pa.string()), repeated)))
        if rejected_households:
            rejected = pa.array(list(rejected_households), pa.string())
            plain = pc.and_(plain, pc.invert(pc.is_in(stored["household_id"], rejected)))
        plain = pc.fill_null(plain, False)
        from_screen = pc.indices_nonzero(plain).to_pylist()  # indexes into the stretch
        seen.update(ids[i] for i in from_screen)
        checked: list[int] = []
        checked_rows: list[list[Any]] = []
        warnings_of: dict[int, list[Finding]] = {}
        clear_of = cleared.to_pylist()
        for i in pc.indices_nonzero(pc.invert(plain)).to_pylist():
            line, raw = stretch[i]
            if clear_of[i]:
                # A cleared row is plain text: its cells are its values.
                record_id = raw[id_column]
                findings: list[Finding] = []
                valid = True
                household_id = raw.get("household_id")
            else:
                result = validator.validate(raw)
                values = result.values
                record_id = values[id_column] or (raw.get(id_column) or "").strip()
                findings = result.findings
                valid = result.is_valid
                household_id = values["household_id"]
            repeated = bool(record_id) and record_id in seen
            if repeated:
                valid = False
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
            if valid and rejected_households and household_id in rejected_households:
                valid = False
                findings.append(_household_rejected(household_id))
            if not valid:
                batch.rejected.append(RejectedRow(line, record_id, findings))
                # A repeated id leaves the first occurrence standing.
                if on_rejected is not None and record_id and not repeated:
                    on_rejected(record_id)
                continue
            if clear_of[i]:
                from_screen.append(i)
                continue
            warnings = [f for f in findings if not f.is_error]
            if warnings:
                warnings_of[i] = warnings
            checked.append(i)
            checked_rows.append(
                _person_row(values, warnings) if is_persons else _household_row(values)
            )
        accepted = sorted(from_screen + checked)
        batch.lines = [stretch[i][0] for i in accepted]
        if warnings_of:
            position = {i: n for n, i in enumerate(accepted)}
            batch.warnings = {position[i]: warnings for i, warnings in warnings_of.items()}
        batch.table = _accepted_table(schema, stored, sorted(from_screen), checked, checked_rows)
        done += len(stretch)
        batch.done = done
        yield batch
    # The file's end (the row count on opening is an estimate), with no rows of its own.
    last = Batch(kind, file, total=max(done, source.row_count))
    last.done, last.last = done, True
    yield last


def _accepted_table(
    schema: pa.Schema,
    stored: dict[str, pa.Array],
    from_screen: list[int],
    checked: list[int],
    checked_rows: list[list[Any]],
) -> pa.Table:
    """The accepted rows in file order: the screen's values and the validator's, merged."""
    taken = pa.array(from_screen, pa.int64())
    columns = [stored[field.name].take(taken) for field in schema]
    if checked:
        order = pc.sort_indices(pa.array(from_screen + checked, pa.int64()))
        columns = [
            pa.concat_arrays([column, pa.array(list(values), field.type)]).take(order)
            for column, field, values in zip(
                columns, schema, zip(*checked_rows, strict=True), strict=True
            )
        ]
    return pa.Table.from_arrays(columns, schema=schema)


# -- running it in a child process -------------------------------------------------------------


@dataclass
class _ChildFailed:
    error: BaseException


_DONE = "done"


def _child_main(
    out: Any,
    households: TableSource,
    persons: TableSource | None,
    batch_size: int,
    today: date | None,
) -> None:
    try:
        for batch in validate_batches(households, persons, batch_size=batch_size, today=today):
            out.put(batch)
    except BaseException as exc:  # report anything, even KeyboardInterrupt, to the parent
        try:
            out.put(_ChildFailed(exc))
        except Exception:  # the exception does not pickle
            out.put(_ChildFailed(RuntimeError(f"{type(exc).__name__}: {exc}")))
        return
    out.put(_DONE)


def iter_batches(
    households: TableSource,
    persons: TableSource | None,
    *,
    batch_size: int,
    today: date | None,
    in_child: bool,
) -> Iterator[Batch]:
    """The batches of :func:`validate_batches`, computed here or in a child process."""
    if not in_child:
        yield from validate_batches(households, persons, batch_size=batch_size, today=today)
        return
    context = multiprocessing.get_context("spawn")
    channel = context.Queue(maxsize=QUEUE_BATCHES)
    child = context.Process(
        target=_child_main,
        args=(channel, households, persons, batch_size, today),
        name="sejahtera-import-validate",
        daemon=True,
    )
    child.start()
    finished = False
    try:
        while True:
            try:
                item = channel.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"the validating process ended unexpectedly (exit code {child.exitcode})"
                    ) from None
                continue
            if isinstance(item, _ChildFailed):
                raise item.error
            if isinstance(item, str):  # _DONE
                finished = True
                return
            yield item
    finally:
        if finished:
            child.join()
        else:
            # The parent stopped early (an error, an interrupt, a closed generator).
            child.terminate()
            child.join()
        channel.close()
        channel.join_thread()


# -- screening files for an evaluation ---------------------------------------------------------


@dataclass
class ScreenedFiles:
    """The rows of a households and a persons file that the import would accept, copied as
    they came (CSV, same header), and a report row for every finding of the rows it rejects."""

    households: Path
    persons: Path
    rejected: list[tuple[str, int, str, str, str, str, str]]  # REPORT_COLUMNS

    @property
    def rejected_rows(self) -> int:
        return len({(file, line) for file, line, *_ in self.rejected})


def screen_files(
    households: TableSource, persons: TableSource, folder: Path, *, today: date | None = None
) -> ScreenedFiles:
    """Judge both files as the import does (same validators, same screen, a person of a
    rejected household rejected too) and keep only what it would accept."""
    rejected_lines: dict[str, set[int]] = {HOUSEHOLDS: set(), PERSONS: set()}
    report = []
    for batch in validate_batches(households, persons, batch_size=10_000, today=today):
        for row in batch.rejected:
            rejected_lines[batch.kind].add(row.line)
            report += [
                (batch.file, row.line, row.record_id, f.column, f.code, str(f.severity), f.message)
                for f in row.findings
            ]
    kept = ScreenedFiles(folder / "households.csv", folder / "persons.csv", report)
    for source, target, kind in (
        (households, kept.households, HOUSEHOLDS),
        (persons, kept.persons, PERSONS),
    ):
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(source.header)
            for line, raw in source.rows():
                if line not in rejected_lines[kind]:
                    writer.writerow([raw.get(name) or "" for name in source.header])
    return kept
