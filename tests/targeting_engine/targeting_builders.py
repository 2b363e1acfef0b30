"""Small builders for targeting tests: a few hand-made households instead of big CSVs.

Test modules import this as ``targeting_builders`` (conftest puts this folder on sys.path)::

    out = run([household("H1")], [person("P1", "H1", "2000-01-01")], deciles={"H1": 3})
    out.decision("H1", "PKH")["eligible"]
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
from sejahtera.domain.targeting.reasons import render, render_clusters
from sejahtera.domain.targeting.rules import DEFAULT_RULES_PATH, Rules, load_rules, parse_rules
from sejahtera.targeting_engine import run_targeting
from sejahtera.targeting_engine.run import (
    OVERRIDE_COLUMNS,
    TYPED_HOUSEHOLD_COLUMNS,
    TYPED_PERSON_COLUMNS,
    TargetingResult,
)

AS_OF = date(2026, 7, 1)


def household(household_id: str, **columns: str) -> dict[str, str]:
    return {"household_id": household_id, "region_code": "3201011001", **columns}


def person(person_id: str, household_id: str, birth_date: str, **columns: str) -> dict[str, str]:
    return {
        "person_id": person_id,
        "household_id": household_id,
        "full_name": f"Person {person_id}",
        "sex": columns.pop("sex", "L"),
        "birth_date": birth_date,
        "relationship": columns.pop("relationship", "child"),
        **columns,
    }


def born_aged(age: int, as_of: date = AS_OF, *, days_before_birthday: int = 0) -> str:
    """A birth date making someone exactly ``age`` at as_of (their birthday is as_of), or
    ``age - 1`` when ``days_before_birthday`` > 0 pushes the birthday after as_of."""
    birthday = date(as_of.year - age, as_of.month, as_of.day)
    return date.fromordinal(birthday.toordinal() + days_before_birthday).isoformat()


def table(rows: list[dict[str, str]], columns: tuple[str, ...]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns})


def typed(text: pa.Table) -> pa.Table:
    """A format v1 table of (clean) text as the registry's snapshot holds it: dates, numbers
    and flags as values."""
    import duckdb

    types = TYPED_HOUSEHOLD_COLUMNS | TYPED_PERSON_COLUMNS
    con = duckdb.connect()
    con.register("text_table", text)

    def value(column: str) -> str:
        if column not in types:
            return column
        if types[column] == "BOOLEAN":
            return f"LOWER(TRIM({column})) IN ('true', '1', 'ya') AS {column}"
        return f"TRY_CAST(NULLIF(TRIM({column}), '') AS {types[column]}) AS {column}"

    select = ", ".join(value(column) for column in text.column_names)
    return con.sql(f"SELECT {select} FROM text_table").to_arrow_table()


def rules_data() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def rules_with(change: Callable[[dict[str, Any]], None]) -> Rules:
    """The default rules with ``change`` applied to the parsed TOML document."""
    data = copy.deepcopy(rules_data())
    change(data)
    return parse_rules(
        data, base_dir=DEFAULT_RULES_PATH.parent, pmt_model=default_rules().pmt_model
    )


_DEFAULT: list[Rules] = []


def default_rules() -> Rules:
    if not _DEFAULT:
        _DEFAULT.append(load_rules())
    return _DEFAULT[0]


@dataclass
class Outcome:
    """A run's result; ``decision`` and ``person`` give the reasons in English words (the
    outputs hold reason codes: ``sejahtera.domain.targeting.reasons``)."""

    result: TargetingResult

    def decision(self, subject_id: str, programme: str) -> dict[str, Any]:
        rows = [
            r
            for r in self.result.read("decisions").to_pylist()
            if r["subject_id"] == subject_id and r["programme"] == programme
        ]
        assert len(rows) == 1, (subject_id, programme, rows)
        return rows[0] | {"reasons": [render(r) for r in rows[0]["reasons"]]}

    def person(self, person_id: str) -> dict[str, Any]:
        rows = [
            r for r in self.result.read("person_results").to_pylist() if r["person_id"] == person_id
        ]
        assert len(rows) == 1
        return rows[0] | {
            "cluster_reasons": [render_clusters(r) for r in rows[0]["cluster_reasons"]]
        }

    def clusters(self, person_id: str) -> list[str]:
        return self.person(person_id)["clusters"]

    def household(self, household_id: str) -> dict[str, Any]:
        rows = [
            r
            for r in self.result.read("household_results").to_pylist()
            if r["household_id"] == household_id
        ]
        assert len(rows) == 1
        return rows[0]


Runner = Callable[..., Outcome]


def make_runner() -> Runner:
    def run_(
        households: list[dict[str, str]],
        persons: list[dict[str, str]],
        *,
        deciles: dict[str, int] | None = None,
        manual_clusters: list[tuple[str, str, str]] | None = None,
        overrides: list[tuple[str, str, str, str, str]] | None = None,
        as_of: date = AS_OF,
        rules: Rules | None = None,
        engine: str = "duckdb",
        spark: Any = None,
    ) -> Outcome:
        decile_table = None
        if deciles is not None:
            decile_table = pa.table(
                {
                    "household_id": pa.array(list(deciles), pa.string()),
                    "national_decile": pa.array([str(d) for d in deciles.values()], pa.string()),
                }
            )
        result = run_targeting(
            table(households, HOUSEHOLD_COLUMN_NAMES),
            table(persons, PERSON_COLUMN_NAMES),
            as_of,
            rules or default_rules(),
            engine=engine,  # type: ignore[arg-type]
            deciles=decile_table,
            manual_clusters=None if manual_clusters is None else _manual_table(manual_clusters),
            overrides=None if overrides is None else _strings(OVERRIDE_COLUMNS, overrides),
            spark=spark,
        )
        return Outcome(result)

    return run_


def _manual_table(rows: list[tuple[str, str, str]]) -> pa.Table:
    """Manual cluster memberships: (person_id, cluster, reason) rows."""
    return _strings(("person_id", "cluster", "reason"), rows)


def _strings(names: tuple[str, ...], rows: list[tuple[str, ...]]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) or [() for _ in names]
    return pa.table(
        {n: pa.array(list(v), pa.string()) for n, v in zip(names, columns, strict=True)}
    )
