"""The registry's snapshot for the batch engines: typed Parquet in the columns of format v1,
the database's ids, values as stored."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sejahtera.domain.registry_format import TYPED_KINDS
from sejahtera.registry.services.snapshot import ARROW_TYPES, snapshot_registry

pytestmark = pytest.mark.django_db


def test_the_snapshot_holds_the_stored_values_with_their_types(household_factory, tmp_path):
    family = household_factory(
        floor_area_m2="36.5",
        electricity_va="900",
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "chronic_illness": "ya",
                "monthly_income_idr": "1250000",
            },
            {"full_name": "Budi", "sex": "L", "birth_date": "2015-01-01", "relationship": "child"},
        ],
    )
    households, persons, n_households, n_persons = snapshot_registry(tmp_path)
    assert (n_households, n_persons) == (1, 2)
    home = pq.read_table(households).to_pylist()[0]
    assert home["household_id"] == str(family.pk)
    assert (home["floor_area_m2"], home["electricity_va"]) == (36.5, 900)
    table = pq.read_table(persons)
    assert table.schema.field("birth_date").type == pa.date32()
    assert table.schema.field("chronic_illness").type == pa.bool_()
    assert table.schema.field("full_name").type == pa.string()
    head, child = sorted(table.to_pylist(), key=lambda row: row["birth_date"])
    assert (head["birth_date"], head["chronic_illness"]) == (date(1990, 8, 5), True)
    assert head["monthly_income_idr"] == 1_250_000
    assert (child["monthly_income_idr"], child["deceased_date"]) == (None, None)
    assert child["household_id"] == str(family.pk)


def test_the_snapshot_types_every_typed_kind():
    assert ARROW_TYPES.keys() == TYPED_KINDS
