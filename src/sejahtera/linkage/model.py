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

# What the matcher reads as evidence, per comparison, from the closest agreement down to none;
# ``None`` for a comparison whose value is missing on either side.
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "name": (
        "same name",
        "same name parts in another order",
        "names one letter apart",
        "names differ by a typo or a spelling",
        "one name leaves out a part of the other",
        "similar names",
        "different names",
    ),
    "birth_date": (
        "same birth date",
        "birth dates one digit apart",
        "day and month swapped",
        "birth dates within a week",
        "same birth year",
        "different birth dates",
    ),
    "sex": ("same sex", "different sex"),
    "nik": ("same NIK", "different NIKs"),
    "kk_number": ("same family card (KK)", "different family cards"),
    "village": ("same village", "same district", "different districts"),
    "birth_place": ("same birth place", "similar birth places", "different birth places"),
}


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
# expectation maximisation twice, so each comparison is estimated while another one blocks.
# Not by birth date within a district: the NIK encodes both, so strangers in that block share
# most of their NIK and would teach the model that this is what a duplicate looks like.
NIK_RULE_RECALL = 0.7
TRAINING_RULES = (block_on("nik"), block_on("name_sorted", "district"))


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
    return {
        "u_max_pairs": training.u_max_pairs,
        "seed": training.seed,
        "nik_rule_recall": NIK_RULE_RECALL,
        "expectation_maximisation": sessions,
    }
