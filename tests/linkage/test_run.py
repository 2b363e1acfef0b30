"""Linking a synthetic population whose duplicates are known: how many it finds, how few it
invents, and the same answer from a saved model and from Spark."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from sejahtera.linkage import link_persons
from sejahtera.linkage.model import LEVEL_WORDS, Training
from sejahtera.linkage.run import LEVEL_COLUMNS, ModelError, trained_settings
from sejahtera.synth import SynthConfig, generate, write

# Smaller than the default sample: the test checks the workings, bench/dedupe.py the accuracy.
TRAINING = Training(u_max_pairs=1e6)


@pytest.fixture(scope="module")
def population(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("population")
    config = SynthConfig(
        persons=6_000, seed=11, duplicate_rate=0.03, invalid_rate=0.0, as_of=date(2026, 12, 1)
    )
    write(generate(config), folder)
    return folder


@pytest.fixture(scope="module")
def linked(population, tmp_path_factory):
    out = tmp_path_factory.mktemp("linked")
    return link_persons(
        population / "households.csv", population / "persons.csv", out, training=TRAINING
    )


def pairs_of(path: Path) -> set[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return {
            tuple(sorted((row["person_id_l"], row["person_id_r"])))
            for row in csv.DictReader(handle)
        }


def true_pairs(population: Path) -> dict[tuple[str, str], str]:
    with (population / "truth" / "duplicates.csv").open(encoding="utf-8") as handle:
        return {
            tuple(sorted((row["person_id"], row["original_person_id"]))): row["changes"]
            for row in csv.DictReader(handle)
        }


def test_finds_the_duplicates_and_few_others(population, linked):
    truth = true_pairs(population)
    found = pairs_of(linked.pairs)
    right = found & truth.keys()
    precision, recall = len(right) / len(found), len(right) / len(truth)
    assert len(truth) == 180
    assert precision >= 0.95, precision
    assert recall >= 0.9, recall
    other_nik = [pair for pair, changes in truth.items() if "nik_" in changes]
    assert len(other_nik) > 40
    assert sum(pair in found for pair in other_nik) / len(other_nik) >= 0.8


def test_pairs_carry_each_comparisons_level(linked):
    with linked.pairs.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["person_id_l", "person_id_r", "match_probability", *LEVEL_COLUMNS]
    probabilities = [float(row["match_probability"]) for row in rows]
    assert probabilities == sorted(probabilities, reverse=True)
    assert min(probabilities) >= 0.9
    for row in rows:
        for field, column in zip(LEVEL_WORDS, LEVEL_COLUMNS, strict=True):
            assert -1 <= int(row[column]) < len(LEVEL_WORDS[field])


def test_every_person_has_a_cluster_and_linked_pairs_share_one(population, linked):
    with linked.clusters.open(encoding="utf-8") as handle:
        cluster_of = {row["person_id"]: row["cluster_id"] for row in csv.DictReader(handle)}
    with (population / "persons.csv").open(encoding="utf-8") as handle:
        assert set(cluster_of) == {row["person_id"] for row in csv.DictReader(handle)}
    for left, right in pairs_of(linked.pairs):
        assert cluster_of[left] == cluster_of[right]
    assert linked.persons == len(cluster_of)
    assert linked.clusters_of_several == len(
        {c for c in cluster_of.values() if list(cluster_of.values()).count(c) > 1}
    )
    assert linked.comparisons > linked.linked_pairs


def test_the_saved_model_is_versioned_and_gives_the_same_links(population, linked, tmp_path):
    saved = json.loads(linked.model.read_text(encoding="utf-8"))
    ours = saved["sejahtera"]
    assert ours["model_version"] == linked.model_version
    assert [s["converged"] for s in ours["fit"]["expectation_maximisation"]] == [True, True]
    again = link_persons(
        population / "households.csv", population / "persons.csv", tmp_path, model=linked.model
    )
    assert again.model_version == linked.model_version
    assert pairs_of(again.pairs) == pairs_of(linked.pairs)
    assert again.clusters.read_text() == linked.clusters.read_text()


def test_a_model_of_other_comparisons_is_refused(linked, tmp_path):
    saved = json.loads(linked.model.read_text(encoding="utf-8"))
    saved["comparisons"][0]["comparison_levels"][1]["label_for_charts"] = "same surname"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(ModelError, match="'name'"):
        trained_settings(other, "duckdb")


def test_a_higher_threshold_links_fewer(population, linked, tmp_path):
    strict = link_persons(
        population / "households.csv",
        population / "persons.csv",
        tmp_path,
        model=linked.model,
        threshold=0.999,
    )
    assert pairs_of(strict.pairs) < pairs_of(linked.pairs)


def test_duckdb_and_spark_link_identically(population, linked, spark, tmp_path):
    on_spark = link_persons(
        population / "households.csv",
        population / "persons.csv",
        tmp_path,
        engine="spark",
        model=linked.model,
        spark=spark,
    )
    assert on_spark.pairs.read_text() == linked.pairs.read_text()
    assert on_spark.clusters.read_text() == linked.clusters.read_text()
