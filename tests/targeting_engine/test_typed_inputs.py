"""A typed input (the registry's snapshot: dates, numbers and flags as values) decides exactly
as the same data as format v1 text, without parsing it again; a file is one or the other."""

from datetime import date

import pyarrow as pa
import pytest
from targeting_builders import default_rules, typed

from sejahtera.synth import SynthConfig, generate
from sejahtera.targeting_engine import run_targeting
from sejahtera.targeting_engine.plan import build_plan
from sejahtera.targeting_engine.run import InputError

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def population():
    return generate(SynthConfig(persons=2_000, seed=21))


def test_a_typed_registry_decides_as_its_text_does(population):
    as_text = run_targeting(population.households, population.persons, AS_OF, default_rules())
    households, persons = typed(population.households), typed(population.persons)
    assert persons.schema.field("birth_date").type == pa.date32()
    assert persons.schema.field("hiv").type == pa.bool_()
    assert households.schema.field("floor_area_m2").type == pa.float64()
    as_values = run_targeting(households, persons, AS_OF, default_rules())
    for output in ("decisions", "person_results", "household_results"):
        assert as_values.read(output).equals(as_text.read(output)), output
    assert as_text.read("decisions").num_rows > 1_000


def test_a_typed_input_is_not_parsed_again():
    (parsed_text,) = [s for s in build_plan(default_rules(), AS_OF) if s.name == "persons_parsed"]
    (parsed_values,) = [
        s
        for s in build_plan(default_rules(), AS_OF, typed_persons=True)
        if s.name == "persons_parsed"
    ]
    assert "regexp_matches" in parsed_text.sql
    assert "regexp_matches" not in parsed_values.sql


def test_a_file_of_text_and_values_at_once_is_refused(population):
    persons = typed(population.persons)
    mixed = persons.set_column(
        persons.schema.get_field_index("deceased_date"),
        "deceased_date",
        pa.array(["2020-01-01"] * persons.num_rows),
    )
    with pytest.raises(InputError, match="persons: deceased_date is text but birth_date is DATE"):
        run_targeting(population.households, mixed, AS_OF, default_rules())


def test_a_text_column_of_nothing_but_empty_cells_is_text(population):
    """An Arrow table (or pandas) types a column of None only as null: still a text file."""
    persons = population.persons
    empty = persons.set_column(
        persons.schema.get_field_index("deceased_date"),
        "deceased_date",
        pa.nulls(persons.num_rows),
    )
    assert empty.schema.field("deceased_date").type == pa.null()
    decided = run_targeting(population.households, empty, AS_OF, default_rules())
    assert decided.read("person_results").num_rows == persons.num_rows


def test_a_typed_number_no_text_could_hold_is_unknown(population):
    persons = typed(population.persons)
    negative = persons.set_column(
        persons.schema.get_field_index("monthly_income_idr"),
        "monthly_income_idr",
        pa.array([-5] * persons.num_rows, pa.int64()),
    )
    unknown = negative.set_column(
        persons.schema.get_field_index("monthly_income_idr"),
        "monthly_income_idr",
        pa.nulls(persons.num_rows, pa.int64()),
    )
    households = typed(population.households)
    as_negative = run_targeting(households, negative, AS_OF, default_rules())
    as_unknown = run_targeting(households, unknown, AS_OF, default_rules())
    assert as_negative.read("household_results").equals(as_unknown.read("household_results"))


def test_the_engine_reads_every_typed_kind():
    from sejahtera.domain.registry_format import TYPED_KINDS
    from sejahtera.targeting_engine.run import INPUT_SQL_TYPES

    assert INPUT_SQL_TYPES.keys() == TYPED_KINDS
