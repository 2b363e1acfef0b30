"""What two registrations of one person may write differently, taken out before comparing."""

import duckdb
import pytest

from sejahtera.linkage.prepare import normalised_name
from sejahtera.targeting_engine.sql import text


def normalised(name: str) -> str | None:
    return duckdb.sql(f"SELECT {normalised_name(text(name))}").fetchall()[0][0]


@pytest.mark.parametrize(
    ("written", "compared"),
    [
        ("Siti Aminah", "siti aminah"),
        ("SITI  AMINAH", "siti aminah"),
        ("H. Ahmad Djunaedi", "ahmad junaedi"),
        ("Hj. Siti Aminah", "siti aminah"),
        ("Drs. Soeharto", "suharto"),
        ("Agus Setiawan, S.Pd.", "agus setiawan"),
        ("Tjipto Mangoenkoesoemo", "cipto mangunkusumo"),
        ("Sjahrir", "syahrir"),
        ("Njoman", "nyoman"),
        ("Chairul", "khairul"),
        ("Ni Luh Putu Ayu", "ni luh putu ayu"),
        ("O'Neil", "o neil"),
    ],
)
def test_names_are_compared_without_what_varies_between_registrations(written, compared):
    assert normalised(written) == compared


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Chairul Tandjung", "Khairul Tanjung"),  # "nj" may be the old "ny": both sides alike
        ("Soekarno", "Sukarno"),
        ("Djuanda Tjakrawardaya", "Juanda Cakrawardaya"),
    ],
)
def test_old_and_new_spellings_compare_equal(old, new):
    assert normalised(old) == normalised(new)


def test_a_name_of_titles_only_is_no_name():
    assert normalised("H.") is None
    assert normalised("") is None


def test_honorifics_are_whole_words_only():
    # "Hadi" starts like "h", "Irawan" like "ir": both stay.
    assert normalised("Hadi Irawan") == "hadi irawan"
