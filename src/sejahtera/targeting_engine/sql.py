"""The SQL toolkit of the targeting engine: stages, literals and the separators of its lists.

The engine's SQL is generated in DuckDB's dialect (Spark's is transpiled with sqlglot). The only
values pasted into it are the rules' validated numbers and codes, the PMT coefficients (floats)
and ``as_of`` (a date): user data never becomes SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = "; "  # between the reasons of one decision
LIST_SEPARATOR = ";"  # between codes (clusters, PKH components)
CLUSTER_SEPARATOR = " | "  # between the reasons of different clusters


@dataclass(frozen=True)
class Stage:
    name: str
    sql: str  # a SELECT in DuckDB dialect
    materialize: bool = False  # worth caching: read by several later stages


# -- literals ---------------------------------------------------------------------------------


def text(value: str) -> str:
    """A SQL string literal. Values are validated codes, but quote properly anyway."""
    return "'" + value.replace("'", "''") + "'"


def texts(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(text(v) for v in values)


def number(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int, got {value!r}")
    return str(value)


def real(value: float) -> str:
    # Scientific notation is a DOUBLE literal in DuckDB and Spark alike (not a DECIMAL).
    return f"{value:.17e}"


def as_str(expression: str) -> str:
    return f"CAST({expression} AS VARCHAR)"


def joined(*parts: str) -> str:
    return f"concat_ws('{SEPARATOR}', {', '.join(parts)})"
