"""Small CSV files people prepare outside the system — a school's attendance list, a wage
table, a bank's result file, a reference list — read by one set of rules, those of the
registry import: UTF-8 (a byte-order mark is fine), a comma, semicolon, tab or bar between
cells, headers in any case, every row numbered by the line it starts on. A file that cannot
be read as a table is refused as a whole, saying why; a row is judged by its importer."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sejahtera.domain.findings import Refused, gettext_noop

DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Table:
    columns: list[str]
    # (the line the row starts on, its cells by column); blank lines are left out
    rows: list[tuple[int, dict[str, str]]]


def read_table(content: bytes, required: Sequence[str]) -> Table:
    """The table in ``content``; ``Refused`` when it is not UTF-8 text, is empty, names a
    column twice or lacks one of the ``required`` columns."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(gettext_noop("The file is not UTF-8 text: save it as CSV UTF-8.")) from None
    if not text.strip():
        raise Refused(gettext_noop("The file is empty."))
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=max(DELIMITERS, key=first_line.count)
    )
    columns = [name.strip().lower() for name in next(reader)]
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise Refused(
            gettext_noop("The header names the column(s) {columns} twice: keep one of each."),
            columns=", ".join(repeated),
        )
    missing = [name for name in required if name not in columns]
    if missing:
        raise Refused(
            gettext_noop("The file lacks the column(s) {columns}; nothing was read."),
            columns=", ".join(missing),
        )
    rows = []
    start = reader.line_num + 1
    try:
        for values in reader:
            if any(value.strip() for value in values):
                rows.append((start, dict(zip(columns, values, strict=False))))
            start = reader.line_num + 1
    except csv.Error:  # a NUL byte, a field longer than any real one
        raise Refused(
            gettext_noop("Line {line} of the file cannot be read as CSV; nothing was read."),
            line=start,
        ) from None
    return Table(columns, rows)
