"""``sejahtera dedupe links`` on registry-format files."""

import csv
from datetime import date

from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.synth import SynthConfig, generate, write


def links(folder, out, *options: str, households="households.csv", persons="persons.csv"):
    """``sejahtera dedupe links`` on the files of ``folder``."""
    return CliRunner().invoke(
        main,
        [
            "dedupe", "links",
            "--households", str(folder / households),
            "--persons", str(folder / persons),
            "--out", str(out),
            *options,
        ],
    )  # fmt: skip


def test_links_the_files_and_leaves_out_what_the_import_rejects(tmp_path):
    config = SynthConfig(persons=1_500, seed=5, invalid_rate=0.02, as_of=date(2026, 12, 1))
    counts = write(generate(config), tmp_path / "in")
    out, report = tmp_path / "out", tmp_path / "rejected.csv"
    result = links(tmp_path / "in", out, "--report", str(report))
    assert result.exit_code == 0, result.output
    with report.open(encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert f"{len({(r['file'], r['line']) for r in rejected})} row(s) left out" in result.output
    with (out / "clusters.csv").open(encoding="utf-8") as handle:
        clustered = {row["person_id"] for row in csv.DictReader(handle)}
    rejected_persons = {r["record_id"] for r in rejected if r["file"] == "persons.csv"}
    assert rejected_persons
    assert not clustered & rejected_persons
    assert len(clustered) < counts["persons"]
    assert f"{len(clustered)} persons" in result.output
    assert (out / "pairs.csv").exists()
    assert (out / "model.json").exists()


def test_a_model_that_does_not_fit_is_a_clear_error(tmp_path):
    write(generate(SynthConfig(persons=200, seed=1, as_of=date(2026, 12, 1))), tmp_path)
    (tmp_path / "model.json").write_text(
        '{"comparisons": [], "probability_two_random_records_match": 0.001}', encoding="utf-8"
    )
    result = links(tmp_path, tmp_path / "out", "--model", str(tmp_path / "model.json"))
    assert result.exit_code == 2
    assert "comparison 'name' differs" in result.output


def test_too_few_persons_to_train_on_is_a_clear_error(tmp_path):
    (tmp_path / "h.csv").write_text("household_id,region_code\nH1,3201011002\n", encoding="utf-8")
    (tmp_path / "p.csv").write_text(
        "person_id,household_id,full_name,sex,birth_date,relationship\n", encoding="utf-8"
    )
    result = links(tmp_path, tmp_path / "out", households="h.csv", persons="p.csv")
    assert result.exit_code == 2
    assert "too few to train a model" in result.output


def test_a_file_that_is_no_model_is_a_clear_error(tmp_path):
    write(generate(SynthConfig(persons=200, seed=1, as_of=date(2026, 12, 1))), tmp_path)
    (tmp_path / "model.json").write_text("{not json", encoding="utf-8")
    result = links(tmp_path, tmp_path / "out", "--model", str(tmp_path / "model.json"))
    assert result.exit_code == 2
    assert "not a model saved by sejahtera dedupe" in result.output
