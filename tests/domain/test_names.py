from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.names import (
    MIN_NAME_SIMILARITY,
    name_similarity,
    search_trigrams,
    trigrams,
    words,
)

name_words = st.lists(
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10), min_size=1, max_size=4
)


def test_trigrams_pad_each_word_as_pg_trgm_does():
    assert trigrams("Siti") == {"  s", " si", "sit", "iti", "ti "}
    assert trigrams("a-b") == {"  a", " a ", "  b", " b "}


def test_search_trigrams_are_those_an_index_of_the_bare_name_holds():
    assert search_trigrams("Siti Am") == {"sit", "iti"}


def test_small_typos_stay_similar_and_other_names_do_not():
    assert name_similarity("siti aminh", "Siti Aminah") > 0.8
    assert name_similarity("Sity Aminah", "Siti Aminah") >= MIN_NAME_SIMILARITY
    assert name_similarity("Siti Aminha", "Siti Aminah") >= MIN_NAME_SIMILARITY
    assert name_similarity("budi", "Siti Aminah") == 0
    assert name_similarity("Budi Santoso", "Siti Aminah") < MIN_NAME_SIMILARITY


def test_a_query_without_letters_resembles_nothing():
    assert name_similarity("  ", "Siti") == 0


@given(name_words, st.data())
def test_a_run_of_whole_words_of_the_name_is_a_perfect_match(parts, data):
    start = data.draw(st.integers(0, len(parts) - 1))
    end = data.draw(st.integers(start + 1, len(parts)))
    assert name_similarity(" ".join(parts[start:end]), " ".join(parts).title()) == 1.0


@given(st.text(max_size=30), st.text(max_size=30))
def test_similarity_is_a_share(query, name):
    assert 0.0 <= name_similarity(query, name) <= 1.0


@given(st.text(max_size=30))
def test_words_are_lowercase_letters_and_digits(text):
    assert all(w == w.lower() and w.isalnum() for w in words(text))
