"""The linkage model: what is compared between two person rows, which pairs are compared at
all, and how the model learns its weights. One definition, which Splink writes as DuckDB or
Spark SQL.

Each comparison's levels run from the closest agreement down to none; the words of a level
(``LEVEL_WORDS``) are the evidence a reviewer reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT

from sejahtera.domain.findings import gettext_noop

# What the matcher reads as evidence, per comparison, from the closest agreement down to none
# (a value missing on either side is ``MISSING_WORDS``).
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "name": (
        gettext_noop("same name"),
        gettext_noop("same name parts in another order"),
        gettext_noop("names one letter apart"),
        gettext_noop("names differ by a typo or a spelling"),
        gettext_noop("one name leaves out a part of the other"),
        gettext_noop("similar names"),
        gettext_noop("different names"),
    ),
    "birth_date": (
        gettext_noop("same birth date"),
        gettext_noop("birth dates one digit apart"),
        gettext_noop("day and month swapped"),
        gettext_noop("birth dates within a week"),
        gettext_noop("same birth year"),
        gettext_noop("different birth dates"),
    ),
    "sex": (
        gettext_noop("same sex"),
        gettext_noop("different sex"),
    ),
    "nik": (
        gettext_noop("same NIK"),
        gettext_noop("different NIKs"),
    ),
    "kk_number": (
        gettext_noop("same family card (KK)"),
        gettext_noop("different family cards"),
    ),
    "village": (
        gettext_noop("same village"),
        gettext_noop("same district"),
        gettext_noop("different districts"),
    ),
    "birth_place": (
        gettext_noop("same birth place"),
        gettext_noop("similar birth places"),
        gettext_noop("different birth places"),
    ),
}
COMPARISON_LABELS = {
    "name": gettext_noop("Full name"),
    "birth_date": gettext_noop("Birth date"),
    "sex": gettext_noop("Sex"),
    "nik": gettext_noop("NIK"),
    "kk_number": gettext_noop("Family card (KK)"),
    "village": gettext_noop("Village"),
    "birth_place": gettext_noop("Birth place"),
}
MISSING_WORDS = gettext_noop("missing on one side")


def evidence_words(comparison: str, level: int) -> str:
    """The words of a comparison's level as Splink numbers it (−1 a value missing, 0 the last
    level, the closest agreement the highest), untranslated."""
    words = LEVEL_WORDS[comparison]
    if level < 0:
        return MISSING_WORDS
    return words[len(words) - 1 - level]


def _levels(column: str, *levels: Any) -> cl.CustomComparison:
    labelled = [
        level.configure(label_for_charts=words)
        for level, words in zip(levels, LEVEL_WORDS[column], strict=True)
    ]
    return cl.CustomComparison(
        output_column_name=column, comparison_levels=[cll.NullLevel(column), *labelled]
    )


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    return [
        _levels(
            "name",
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_sorted"),
            # Short names: "Bagus" and "Bagos" are one letter apart but only 0.91 alike.
            cll.DamerauLevenshteinLevel("name", 1),
            cll.JaroWinklerLevel("name", 0.92),
            cll.ArraySubsetLevel("name_parts"),
            cll.JaroWinklerLevel("name", 0.80),
            cll.ElseLevel(),
        ),
        _levels(
            "birth_date",
            cll.ExactMatchLevel("birth_date"),
            cll.DamerauLevenshteinLevel("birth_date", 1),
            cll.And(
                cll.ExactMatchLevel("birth_year"),
                cll.ColumnsReversedLevel("birth_month", "birth_day", symmetrical=True),
            ),
            cll.AbsoluteDateDifferenceLevel(
                "birth_date", input_is_string=True, threshold=7, metric="day"
            ),
            cll.ExactMatchLevel("birth_year"),
            cll.ElseLevel(),
        ),
        _levels("sex", cll.ExactMatchLevel("sex"), cll.ElseLevel()),
        _levels(
            "nik",
            # Only the whole number is evidence of its own. A NIK spells out its district, birth
            # date and sex, and its serial is mostly 0001: two strangers born on one day, or a
            # few days apart, in one district or the next have NIKs one digit apart, and the
            # birth date and village comparisons already count what they share.
            cll.ExactMatchLevel("nik"),
            cll.ElseLevel(),
        ),
        _levels("kk_number", cll.ExactMatchLevel("kk_number"), cll.ElseLevel()),
        _levels(
            "village",
            cll.ExactMatchLevel("village"),
            cll.ExactMatchLevel("district"),
            cll.ElseLevel(),
        ),
        _levels(
            "birth_place",
            cll.ExactMatchLevel("birth_place"),
            cll.JaroWinklerLevel("birth_place", 0.88),
            cll.ElseLevel(),
        ),
    ]


# Which pairs are compared at all: each rule keeps the count of pairs near linear in the rows
# (a NIK; a birth date within a district; a normalised name within a district; the start of a
# name with the birth year within a district, or with the birth date anywhere, for a person
# registered again after a move), and together they catch a copy whatever single field it
# changed.
BLOCKING_RULES = (
    block_on("nik"),
    block_on("birth_date", "district"),
    block_on("name_sorted", "district"),
    block_on("name_start", "birth_year", "district"),
    block_on("name_start", "birth_date"),
)

# Training: the share of pairs that match is first estimated from the NIK rule (a shared NIK
# finds about this share of the duplicates that exist); u by random sampling; m by
# expectation maximisation twice, so each comparison is estimated while another one blocks: on
# the pairs sharing a NIK, and on those sharing both the normalised name and the birth date,
# where duplicates are the many. Not on the pairs sharing a birth date within a district:
# strangers there share most of their NIK and would teach the model that this is what a
# duplicate looks like; nor on those sharing a name within a district: in a registry of
# millions, namesakes there outnumber the duplicates and the model learns them instead.
NIK_RULE_RECALL = 0.7
# The m probability of a level no duplicate of the training pairs showed. Left unset, Splink
# falls back to a generic default; zero would make the level veto a match outright (a birth
# place spelled two ways, on real data). Small instead: strong evidence against, no veto.
UNSEEN_M = 0.001
TRAINING_RULES = (block_on("nik"), block_on("name_sorted", "birth_date"))


@dataclass(frozen=True)
class Training:
    u_max_pairs: float = 1e7
    seed: int = 2026


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="person_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=True,  # the gamma (level) of each comparison, for the evidence
    )


def train(linker: Any, training: Training) -> dict[str, Any]:
    """Estimate the model's parameters on the linker's rows; return the fit's diagnostics."""
    linker.training.estimate_probability_two_random_records_match(
        [BLOCKING_RULES[0]], recall=NIK_RULE_RECALL
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=training.u_max_pairs, seed=training.seed
    )
    sessions = []
    for rule in TRAINING_RULES:
        session = linker.training.estimate_parameters_using_expectation_maximisation(rule)
        iterations = len(session._core_model_settings_history) - 1
        max_iterations = linker._settings_obj.training_settings.max_iterations
        sessions.append(
            {
                "blocking_rule": rule.get_blocking_rule("duckdb").blocking_rule_sql,
                "iterations": iterations,
                "converged": iterations < max_iterations,
            }
        )
    unseen = []
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            # Private: the public value hides an unset m behind Splink's default.
            if level._m_probability in (None, 0.0, LEVEL_NOT_OBSERVED_TEXT):
                level.m_probability = UNSEEN_M
                unseen.append(f"{comparison.output_column_name}: {level.label_for_charts}")
    return {
        "u_max_pairs": training.u_max_pairs,
        "seed": training.seed,
        "nik_rule_recall": NIK_RULE_RECALL,
        "expectation_maximisation": sessions,
        "m_not_seen_set_to": {"m_probability": UNSEEN_M, "levels": unseen},
    }
