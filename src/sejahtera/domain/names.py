"""How closely a typed name matches a registered one, for a search that forgives small typos.

The measure is PostgreSQL pg_trgm's *word similarity*, so the embedded SQLite database finds
what production finds: the share of the query's trigrams (each word padded with two spaces in
front and one behind) found in the best stretch of as many consecutive words of the name.
"Siti Aminh" keeps 9 of its 11 trigrams in "Siti Aminah" (0.82); "Budi" keeps none in "Siti".
"""

import re

# pg_trgm's default threshold for word similarity, so that both databases find the same names.
MIN_NAME_SIMILARITY = 0.6

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in words(text):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def search_trigrams(query: str) -> set[str]:
    """The trigrams inside the query's words (no padding): what a trigram index can look up."""
    return {w[i : i + 3] for w in words(query) for i in range(len(w) - 2)}


def name_similarity(query: str, name: str) -> float:
    """0 (nothing in common) to 1 (the query is a stretch of whole words of the name)."""
    wanted = trigrams(query)
    if not wanted:
        return 0.0
    name_words = words(name)
    span = max(1, min(len(words(query)), len(name_words)))
    best = 0
    for start in range(max(1, len(name_words) - span + 1)):
        best = max(best, len(wanted & trigrams(" ".join(name_words[start : start + span]))))
    return best / len(wanted)


# --- matching two registrations of one person (record linkage) ------------------------------

# Titles and honorifics written into a name on one registration and not on another ("H. Ahmad",
# "Hj. Siti", "Drs. Budi", "Agus, S.Pd."). Lower case, as whole words after punctuation is gone.
HONORIFICS = (
    "h", "hj", "haji", "hajah", "hajjah", "kh", "ust", "ustadz", "ustazah",
    "dr", "drs", "dra", "ir", "prof", "st", "se", "sh", "spd", "pd", "amd", "mm", "mpd",
    "bpk", "bapak", "pak", "ibu", "bu", "sdr", "sdri", "alm", "almh", "almarhum", "almarhumah",
)  # fmt: skip

# Spellings of the same sound before and after the 1972 reform (EYD) and common variants, as
# (older, newer): "Soeharto" and "Suharto", "Djoko" and "Joko", "Tjipto" and "Cipto". Applied
# in this order, so "tj" becomes "c" before "j" is looked at.
SPELLING_VARIANTS = (
    ("tj", "c"),
    ("dj", "j"),
    ("sj", "sy"),
    ("nj", "ny"),
    ("oe", "u"),
    ("ch", "kh"),
)
