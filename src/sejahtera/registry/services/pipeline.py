"""The read-and-validate half of the import, which may run in a child process.

:func:`validate_batches` streams the households file and then the persons file through the domain
validators and yields :class:`Batch` objects: the rows rejected since the previous batch (with
their findings) and up to ``batch_size`` accepted rows already shaped as database rows. The
importer (``importing.py``) writes each batch and the report.

:func:`iter_batches` runs that generator either in this process or, for large files, in a child
process (``spawn``) that streams the batches through a bounded queue, so that parsing and
validating the next rows overlaps with the database writing the previous batch. The child only
reads files and runs the validators: this module imports neither Django nor the database, and
the parent keeps every database write, the report and the counts, so both ways give the same
result row for row.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sejahtera.domain import registry_format as fmt
from sejahtera.domain.findings import Finding, error, gettext_noop
from sejahtera.registry.sources import TableSource

HOUSEHOLDS = "households"
PERSONS = "persons"
DECIMAL_PLACES = {
    "latitude": Decimal("0.000001"),
    "longitude": Decimal("0.000001"),
    "floor_area_m2": Decimal("0.01"),
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
    """One step of one file: the rows rejected since the last batch, then the accepted rows.

    ``rows`` are the accepted rows as the database stores them, in format column order.
    Households: the format's columns, decimals quantised to the model's places. Persons: the
    format's columns (``household_id`` still the source id; the importer swaps in the key)
    followed by ``nik_warnings``. ``lines[i]`` is the line of ``rows[i]``, ``warnings[i]`` its
    warnings if it has any.
    """

    __slots__ = ("done", "file", "kind", "last", "lines", "rejected", "rows", "total", "warnings")

    def __init__(self, kind: str, file: str, *, total: int = 0) -> None:
        self.kind = kind  # HOUSEHOLDS or PERSONS
        self.file = file
        self.rejected: list[RejectedRow] = []
        self.rows: list[Sequence[Any]] = []
        self.lines: list[int] = []
        self.warnings: dict[int, list[Finding]] = {}
        self.done = 0  # rows of the file read so far
        self.total = total  # the file's row count as estimated on opening
        self.last = False  # the file's final batch

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled column by column with dates as ordinals and decimals as text: plain ints and
        # strings pickle several times faster than rows of date and Decimal objects.
        columns: list[Any] = [list(column) for column in zip(*self.rows, strict=True)]
        for i in _date_columns(self.kind):
            columns[i] = [None if v is None else v.toordinal() for v in columns[i]]
        for i in _decimal_columns(self.kind):
            columns[i] = [None if v is None else str(v) for v in columns[i]]
        header = (self.kind, self.file, self.done, self.total, self.last)
        return (_unpack_batch, (header, self.rejected, columns, self.lines, self.warnings))


def _column_indexes(kind: str, kinds: tuple[fmt.Kind, ...]) -> list[int]:
    columns = fmt.HOUSEHOLD_COLUMNS if kind == HOUSEHOLDS else fmt.PERSON_COLUMNS
    return [i for i, column in enumerate(columns) if column.kind in kinds]


def _date_columns(kind: str) -> list[int]:
    return _column_indexes(kind, (fmt.Kind.DATE,))


def _decimal_columns(kind: str) -> list[int]:
    kinds = (fmt.Kind.LATITUDE, fmt.Kind.LONGITUDE, fmt.Kind.POSITIVE_NUMBER)
    return _column_indexes(kind, kinds)


def _unpack_batch(
    header: tuple[str, str, int, int, bool],
    rejected: list[RejectedRow],
    columns: list[list[Any]],
    lines: list[int],
    warnings: dict[int, list[Finding]],
) -> Batch:
    kind, file, done, total, last = header
    batch = Batch(kind, file, total=total)
    batch.done, batch.last = done, last
    batch.rejected, batch.lines, batch.warnings = rejected, lines, warnings
    from_ordinal = date.fromordinal
    for i in _date_columns(kind):
        columns[i] = [None if v is None else from_ordinal(v) for v in columns[i]]
    for i in _decimal_columns(kind):
        columns[i] = [None if v is None else Decimal(v) for v in columns[i]]
    batch.rows = list(zip(*columns, strict=True))
    return batch


def _household_row(values: dict[str, Any]) -> list[Any]:
    row = []
    for name in fmt.HOUSEHOLD_COLUMN_NAMES:
        value = values[name]
        quantum = DECIMAL_PLACES.get(name)
        if quantum is not None and value is not None:
            value = value.quantize(quantum)
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
    seen: set[str] = set()
    batch = Batch(kind, file, total=source.row_count)
    done = 0
    for line, raw in source.rows():
        result = validator.validate(raw)
        values = result.values
        record_id = values[id_column] or (raw.get(id_column) or "").strip()
        findings = result.findings
        valid = result.is_valid
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
        if valid and rejected_households and values["household_id"] in rejected_households:
            valid = False
            findings.append(_household_rejected(values["household_id"]))
        if valid:
            warnings = [f for f in findings if not f.is_error]
            if warnings:
                batch.warnings[len(batch.rows)] = warnings
            batch.rows.append(
                _person_row(values, warnings) if is_persons else _household_row(values)
            )
            batch.lines.append(line)
        else:
            batch.rejected.append(RejectedRow(line, record_id, findings))
            # A repeated id leaves the first occurrence standing.
            if on_rejected is not None and record_id and not repeated:
                on_rejected(record_id)
        done += 1
        if len(batch.rows) >= batch_size:
            batch.done = done
            yield batch
            batch = Batch(kind, file, total=source.row_count)
    batch.done = done
    batch.total = max(done, source.row_count)
    batch.last = True
    yield batch


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
