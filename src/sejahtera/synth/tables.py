"""Turning the drawn arrays into registry-format string columns (empty string = unknown)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.synth.sampling import digits, labels, with_unknown

Columns = dict[str, pa.Array]
# Booleans are mostly written true/false; a few cells are unknown and a few use the other
# spellings the format accepts, as spreadsheets from other offices do.
BOOLEAN_WORDS = ("false", "true", "", "FALSE", "TRUE", "tidak", "ya", "0", "1")
UNKNOWN_BOOLEAN = 2
BOOLEAN_UNKNOWN_RATE = 0.015
BOOLEAN_VARIANT_RATE = 0.005


def enum_column(
    rng: np.random.Generator, vocabulary: Sequence[str], index: np.ndarray, unknown_rate: float
) -> pa.Array:
    """Values of an enum column, a share of them left unknown."""
    return labels((*vocabulary, ""), with_unknown(rng, index, len(vocabulary), unknown_rate))


def boolean_column(rng: np.random.Generator, flags: np.ndarray) -> pa.Array:
    n = len(flags)
    word = flags.astype(np.int8)
    variant = rng.random(n) < BOOLEAN_VARIANT_RATE
    spelling = 3 + 2 * rng.integers(0, 3, n) + word  # FALSE/TRUE, tidak/ya, 0/1
    word = np.where(variant, spelling, word)
    word = np.where(rng.random(n) < BOOLEAN_UNKNOWN_RATE, UNKNOWN_BOOLEAN, word)
    return labels(BOOLEAN_WORDS, word)


def integer_column(values: np.ndarray, known: np.ndarray | None = None) -> pa.Array:
    """Whole numbers as text; '' where ``known`` is false (default: where the value is < 0)."""
    values = np.asarray(values, dtype=np.int64)
    mask = values >= 0 if known is None else known
    text = digits(np.where(mask, values, 0))
    return _blank_where(text, ~mask)


def date_column(dates: np.ndarray, known: np.ndarray | None = None) -> pa.Array:
    """YYYY-MM-DD; '' where ``known`` is false."""
    text = pa.array(dates.astype("datetime64[D]")).cast(pa.string())
    return text if known is None else _blank_where(text, ~known)


def _blank_where(text: pa.Array, blank: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(blank), "", text)


def table(columns: Mapping[str, pa.Array], names: Sequence[str]) -> pa.Table:
    """A table with exactly ``names`` in that order, every column a string column."""
    missing = [name for name in names if name not in columns]
    if missing:
        raise KeyError(f"columns not built: {', '.join(missing)}")
    return pa.table({name: columns[name].cast(pa.string()) for name in names})
