"""Conditions on a person's facts, with their reasons, shared by clusters and programmes."""

from __future__ import annotations

from sejahtera.targeting_engine.sql import as_str, reason, text, tokens


def flag_condition(flag: str, alias: str = "m") -> str:
    if flag == "disability":
        return f"{alias}.disability <> 'none'"
    if flag in ("inmate", "former_inmate"):
        return f"{alias}.inmate_status = {text(flag)}"
    return f"{alias}.{flag}"


def flag_reason(flag: str, alias: str = "m") -> str:
    if flag == "disability":
        return reason("DISABILITY", f"{alias}.disability")
    if flag in ("inmate", "former_inmate"):
        return reason("INMATE_STATUS", text(flag))
    return reason("FLAG", text(flag))


def any_of(flags: tuple[str, ...], alias: str = "m") -> tuple[str, list[str]]:
    """(any flag holds, per flag: its reason when it holds, else NULL)."""
    condition = "(" + " OR ".join(flag_condition(f, alias) for f in flags) + ")"
    reasons = [
        f"CASE WHEN {flag_condition(f, alias)} THEN {flag_reason(f, alias)} END" for f in flags
    ]
    return condition, reasons


def flags_held(flags: tuple[str, ...], alias: str = "m") -> str:
    """The flags that hold, as one reason (``FLAG:orphan, DISABILITY:physical``)."""
    return tokens(*any_of(flags, alias)[1])


def decile_reason(limit: int, column: str = "m.national_decile") -> str:
    decile = as_str(column)
    return (
        f"CASE WHEN {column} IS NULL THEN {reason('DECILE_MISSING')} "
        f"WHEN {column} <= {limit} THEN {reason('DECILE_WITHIN', decile, limit)} "
        f"ELSE {reason('DECILE_ABOVE', decile, limit)} END"
    )
