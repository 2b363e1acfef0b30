import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.money import parse_rupiah

AMOUNTS = st.integers(min_value=0, max_value=10**15)


@given(AMOUNTS)
def test_every_way_of_writing_an_amount_reads_back(amount):
    grouped = f"{amount:,}".replace(",", ".")
    for written in (
        str(amount),
        grouped,
        f"Rp {grouped}",
        f"Rp{amount}",
        f"rp. {grouped},00",
        f"Rp\u00a0{grouped}",  # as the pages write it
    ):
        assert parse_rupiah(written) == amount, written


@pytest.mark.parametrize(
    "text", ["", "Rp", "1,5", "1.50.000", "1,500,000", "-5", "1.500.000,50", "satu juta", "1e6"]
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match="not a rupiah amount"):
        parse_rupiah(text)
