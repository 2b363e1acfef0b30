"""Reading tabular input files (CSV, XLSX, Parquet) as rows of text cells.

Every reader yields ``(line, row)`` where ``line`` counts the header as line 1 (for CSV it is the
physical line on which the record starts) and ``row`` maps column names to text, so the same
validation applies whatever the file type.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sejahtera.domain import registry_format as fmt

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")


@dataclass(frozen=True)
class SourceLimits:
    """What a file may hold before it is parsed (the import's settings set them): a workbook
    is a zip whose XML may unpack to far more than the upload (and openpyxl keeps every shared
    string in memory), and a Parquet file's compressed columns likewise."""

    max_rows: int = 5_000_000
    max_unpacked_bytes: int = 500 * 1024 * 1024
    # No real workbook packs this tightly; a zip bomb does (1 GB of one repeated string).
    max_xlsx_compression_ratio: int = 200


class SourceError(Exception):
    """The file cannot be read at all (missing, wrong type, no header)."""


@dataclass
class TableSource:
    path: Path
    header: list[str]
    row_count: int

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        raise NotImplementedError


def cell_text(value: Any) -> str:
    """A spreadsheet or Parquet cell as the text the exchange format expects."""
    return fmt.as_text(value) or ""


class CsvSource(TableSource):
    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            header = self.header
            width = len(header)
            start = reader.line_num + 1
            for cells in reader:
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                yield start, dict(zip(header, cells, strict=False))
                start = reader.line_num + 1


class XlsxSource(TableSource):
    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        import openpyxl

        workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for line, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
                if all(v is None for v in values):
                    continue
                yield (
                    line,
                    {
                        name: cell_text(value)
                        for name, value in zip(self.header, values, strict=False)
                        if name
                    },
                )
        finally:
            workbook.close()


class ParquetSource(TableSource):
    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        import pyarrow.parquet as pq

        line = 2
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=10_000):
            columns = {name: batch.column(name).to_pylist() for name in batch.schema.names}
            for i in range(batch.num_rows):
                yield line, {name: cell_text(values[i]) for name, values in columns.items()}
                line += 1


def open_source(path: str | Path, limits: SourceLimits | None = None) -> TableSource:
    """Open a CSV, XLSX or Parquet file and read its header. Messages name the file, never
    where the server keeps it."""
    path = Path(path)
    limits = limits or SourceLimits()
    if not path.is_file():
        raise SourceError(f"{path.name}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            source: TableSource = _open_csv(path)
        elif suffix == ".xlsx":
            _check_workbook(path, limits)
            source = _open_xlsx(path)
        elif suffix == ".parquet":
            source = _open_parquet(path, limits)
        else:
            raise SourceError(
                f"{path.name}: unsupported file type {suffix!r}; "
                f"use one of {', '.join(SUPPORTED_SUFFIXES)}"
            )
    except OSError as exc:
        raise SourceError(
            f"{path.name}: cannot be read: {exc.strerror or type(exc).__name__}"
        ) from exc
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, KeyError) as exc:
        message = str(exc).replace(str(path), path.name)
        raise SourceError(f"{path.name}: cannot be read: {message}") from exc
    _check_header(source)
    if source.row_count > limits.max_rows:
        raise SourceError(
            f"{path.name}: {source.row_count:,} rows, more than the {limits.max_rows:,} one "
            "import may hold; split the file"
        )
    return source


def _check_header(source: TableSource) -> None:
    """A column named twice would leave which cell counts to chance: refuse the file."""
    seen: set[str] = set()
    for name in source.header:
        if name and name in seen:
            raise SourceError(
                f"{source.path.name}: the column {name!r} appears more than once in the header; "
                "keep one"
            )
        seen.add(name)


def _check_workbook(path: Path, limits: SourceLimits) -> None:
    """Refuse a workbook that would unpack to more than the limits, before parsing it."""
    if not zipfile.is_zipfile(path):
        raise SourceError(f"{path.name}: not an XLSX workbook (an XLSX file is a zip archive)")
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise SourceError(
            f"{path.name}: the workbook unpacks to {unpacked // 2**20:,} MB, more than "
            f"{limits.max_unpacked_bytes // 2**20:,} MB; save it as CSV instead"
        )
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > 2**20 and ratio > limits.max_xlsx_compression_ratio:
            raise SourceError(
                f"{path.name}: {member.filename} is compressed {ratio:,} times, "
                "as no real workbook is; refused"
            )


def _clean_header(names: list[Any]) -> list[str]:
    return [str(name).strip() if name is not None else "" for name in names]


def _open_csv(path: Path) -> CsvSource:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
        if not header:
            raise SourceError(f"{path.name}: empty file, expected a header row")
        handle.seek(0)
        lines = sum(chunk.count("\n") for chunk in iter(lambda: handle.read(1 << 20), ""))
    return CsvSource(path, _clean_header(header), max(lines - 1, 0))


def _open_xlsx(path: Path) -> XlsxSource:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        header = next(sheet.iter_rows(max_row=1, values_only=True), None)
        rows = (sheet.max_row or 1) - 1
    finally:
        workbook.close()
    if not header:
        raise SourceError(f"{path.name}: the first sheet is empty, expected a header row")
    return XlsxSource(path, _clean_header(list(header)), rows)


def _open_parquet(path: Path, limits: SourceLimits) -> ParquetSource:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid for non-Parquet files
        raise SourceError(f"{path.name}: not a Parquet file") from exc
    # A Parquet file is compressed like a workbook: its footer tells what it unpacks to.
    metadata = parquet.metadata
    unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if unpacked > limits.max_unpacked_bytes:
        raise SourceError(
            f"{path.name}: the file unpacks to {unpacked // 2**20:,} MB, more than "
            f"{limits.max_unpacked_bytes // 2**20:,} MB; split it"
        )
    return ParquetSource(path, list(parquet.schema_arrow.names), metadata.num_rows)
