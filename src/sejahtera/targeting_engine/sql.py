"""The SQL toolkit of the targeting engine: stages, literals and the separators of its lists.

The engine's SQL is generated in DuckDB's dialect (Spark's is transpiled with sqlglot). The only
values pasted into it are the rules' validated numbers and codes, the PMT coefficients (floats)
and ``as_of`` (a date): user data never becomes SQL text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sejahtera.domain.targeting.reasons import PARAM_SEPARATOR, REASONS, TOKEN_SEPARATOR

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


def reason(code: str, *params: str | int) -> str:
    """The SQL of a reason token (``sejahtera.domain.targeting.reasons``): each parameter is a
    SQL string expression, or a rule's number pasted as it is. Adjacent literals are folded
    into one, so a reason with no column in it is a single string literal."""
    expected = len(REASONS[code].params)
    if len(params) != expected:
        raise ValueError(f"{code} takes {expected} parameters, got {len(params)}")
    parts = [text(code)]
    for param in params:
        parts += [text(PARAM_SEPARATOR), text(number(param)) if isinstance(param, int) else param]
    folded: list[str] = []
    for part in parts:
        if folded and _LITERAL.fullmatch(part) and _LITERAL.fullmatch(folded[-1]):
            folded[-1] = folded[-1][:-1] + part[1:]
        else:
            folded.append(part)
    return " || ".join(folded)


_LITERAL = re.compile(r"'(?:[^']|'')*'")


def tokens(*parts: str) -> str:
    """Several reason tokens as one reason (``a, b``), NULLs left out."""
    return f"concat_ws('{TOKEN_SEPARATOR}', {', '.join(parts)})"
