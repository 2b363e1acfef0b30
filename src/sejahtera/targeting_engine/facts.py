"""Conditions on a person's facts, with their reasons, shared by clusters and programmes."""

from __future__ import annotations

from sejahtera.targeting_engine.sql import as_str, text


def flag_condition(flag: str, alias: str = "m") -> str:
    if flag == "disability":
        return f"{alias}.disability <> 'none'"
    if flag in ("inmate", "former_inmate"):
        return f"{alias}.inmate_status = {text(flag)}"
    return f"{alias}.{flag}"


def flag_reason(flag: str, alias: str = "m") -> str:
    if flag == "disability":
        return f"'disability ' || {alias}.disability"
    if flag in ("inmate", "former_inmate"):
        return f"'inmate_status {flag}'"
    return text(flag)


def any_of(flags: tuple[str, ...], alias: str = "m") -> tuple[str, str]:
    """(any flag holds, the flags that hold as comma-separated reasons)."""
    condition = "(" + " OR ".join(flag_condition(f, alias) for f in flags) + ")"
    reasons = ", ".join(
        f"CASE WHEN {flag_condition(f, alias)} THEN {flag_reason(f, alias)} END" for f in flags
    )
    return condition, reasons


def decile_reason(limit: int, column: str = "m.national_decile") -> str:
    return (
        f"CASE WHEN {column} IS NULL THEN 'no national decile' "
        f"WHEN {column} <= {limit} THEN 'decile ' || {as_str(column)} || ' ≤ {limit}' "
        f"ELSE 'decile ' || {as_str(column)} || ' > {limit}' END"
    )
