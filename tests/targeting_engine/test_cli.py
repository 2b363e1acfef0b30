import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.domain.targeting.pmt import CANDIDATES
from sejahtera.synth import SynthConfig, generate, write


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pop")
    write(generate(SynthConfig(persons=300, seed=4)), out)
    return out


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def evaluate(files: Path, *options: str):
    """``target evaluate`` on the module's population as of 2026-11-30."""
    return invoke(
        "target", "evaluate",
        "--households", str(files / "households.csv"),
        "--persons", str(files / "persons.csv"),
        "--as-of", "2026-11-30", *options,
    )  # fmt: skip


def test_evaluate_prints_one_object_per_household(files: Path):
    result = evaluate(files)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == len((files / "households.csv").read_text().splitlines()) - 1
    first = next(h for h in data if h["living_members"])
    assert {"household_id", "national_decile", "programmes", "persons"} <= set(first)
    assert set(first["programmes"]) == {"PKH", "SEMBAKO", "PBI_JK"}
    pkh = first["programmes"]["PKH"]
    assert set(pkh) == {"eligible", "components", "yearly_amount", "per_stage_amount", "reasons"}
    assert isinstance(pkh["yearly_amount"], int)
    assert set(first["programmes"]["SEMBAKO"]) >= {"eligible", "yearly_amount", "reasons"}
    assert set(first["programmes"]["PBI_JK"]) == {"eligible_persons", "monthly_amount"}
    member = first["persons"][0]
    assert {"person_id", "clusters", "programmes"} <= set(member)
    assert set(member["programmes"]) >= {"ATENSI", "PENA"}
    assert set(member["programmes"]["PENA"]) >= {"eligible", "reasons"}
    deciles = {h["national_decile"] for h in data if h["living_members"]}
    assert deciles == set(range(1, 11))


def test_evaluate_with_pinned_deciles_and_rules(files: Path, tmp_path: Path):
    deciles = tmp_path / "deciles.csv"
    deciles.write_text("household_id,national_decile\nH000001,2\n", encoding="utf-8")
    rules = Path(__file__).parents[2] / "src/sejahtera/data/rules/default.toml"
    result = evaluate(
        files, "--deciles", str(deciles), "--rules", str(rules), "--out", str(tmp_path / "out")
    )
    assert result.exit_code == 0, result.output
    data = {h["household_id"]: h for h in json.loads(result.stdout)}
    assert data["H000001"]["national_decile"] == 2
    assert data["H000002"]["national_decile"] is None
    assert (tmp_path / "out" / "decisions.parquet").exists()


def test_evaluate_counts_manual_clusters_and_refuses_an_unknown_one(files: Path, tmp_path: Path):
    person_id = (files / "persons.csv").read_text().splitlines()[1].split(",")[0]
    manual = tmp_path / "manual.csv"
    manual.write_text(f"person_id,cluster,reason\n{person_id},KORBAN_BENCANA,banjir\n")
    result = evaluate(files, "--manual-clusters", str(manual))
    assert result.exit_code == 0, result.output
    members = [p for h in json.loads(result.stdout) for p in h["persons"]]
    assert "KORBAN_BENCANA" in next(p for p in members if p["person_id"] == person_id)["clusters"]

    manual.write_text(f"person_id,cluster,reason\n{person_id},BANJIR,x\n")
    result = evaluate(files, "--manual-clusters", str(manual))
    assert result.exit_code != 0
    assert f"{person_id}: 'BANJIR'" in result.output


def test_evaluate_applies_a_reviewers_verdicts(files: Path, tmp_path: Path):
    household_id = (files / "households.csv").read_text().splitlines()[1].split(",")[0]
    verdicts = tmp_path / "overrides.csv"
    verdicts.write_text(
        "subject_type,subject_id,programme,verdict,reference\n"
        f"household,{household_id},SEMBAKO,eligible,TKO-1\n"
    )
    result = evaluate(files, "--overrides", str(verdicts))
    assert result.exit_code == 0, result.output
    decided = next(h for h in json.loads(result.stdout) if h["household_id"] == household_id)
    assert decided["programmes"]["SEMBAKO"]["eligible"] is True
    assert decided["programmes"]["SEMBAKO"]["reasons"][-1] == "eligible by human review TKO-1"

    verdicts.write_text(
        "subject_type,subject_id,programme,verdict,reference\n"
        f"household,{household_id},SEMBAKO,maybe,TKO-1\n"
    )
    result = evaluate(files, "--overrides", str(verdicts))
    assert result.exit_code != 0
    assert f"household {household_id} SEMBAKO: 'maybe'" in result.output


def test_evaluate_leaves_out_what_the_import_rejects(files: Path, tmp_path: Path):
    """A head whose row the import rejects does not count as a member, nor does a household
    with a malformed region (its persons go with it)."""
    households = (files / "households.csv").read_text().splitlines()
    persons = (files / "persons.csv").read_text().splitlines()
    header = households[0].split(",")
    region = header.index("region_code")
    broken_household = households[1].split(",")
    broken_household[region] = "32O1"  # a letter O, not a zero
    households[1] = ",".join(broken_household)
    person_header = persons[0].split(",")
    employment = person_header.index("employment")
    other = next(
        i for i, row in enumerate(persons[1:], 1) if row.split(",")[1] != broken_household[0]
    )
    broken_person = persons[other].split(",")
    broken_person[employment] = "astronaut"
    persons[other] = ",".join(broken_person)
    (tmp_path / "households.csv").write_text("\n".join(households) + "\n")
    (tmp_path / "persons.csv").write_text("\n".join(persons) + "\n")
    report = tmp_path / "rejected.csv"
    result = CliRunner().invoke(
        main,
        [
            "target", "evaluate",
            "--households", str(tmp_path / "households.csv"),
            "--persons", str(tmp_path / "persons.csv"),
            "--as-of", "2026-11-30", "--report", str(report),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "left out: the import would reject them" in result.stderr
    decided = {h["household_id"]: h for h in json.loads(result.stdout)}
    assert broken_household[0] not in decided
    members = [p["person_id"] for h in decided.values() for p in h["persons"]]
    assert broken_person[0] not in members
    rows = report.read_text().splitlines()
    assert rows[0] == "file,line,record_id,column,code,severity,message"
    assert any(f",2,{broken_household[0]},region_code," in row for row in rows)
    assert any(f",{other + 1},{broken_person[0]},employment," in row for row in rows)
    # the household's persons are rejected with it, each with the import's code
    assert any("HOUSEHOLD_REJECTED" in row for row in rows)


def test_evaluate_rejects_broken_rules_clearly(files: Path, tmp_path: Path):
    rules = tmp_path / "rules.toml"
    rules.write_text('version = "x"\n', encoding="utf-8")
    result = evaluate(files, "--rules", str(rules))
    assert result.exit_code == 2
    assert "effective_from: missing" in result.output


def test_pmt_calibrate_prints_fit_and_writes_the_model(tmp_path: Path):
    write(generate(SynthConfig(persons=12_000, seed=9)), tmp_path)
    result = invoke(
        "pmt", "calibrate",
        "--households", str(tmp_path / "households.csv"),
        "--persons", str(tmp_path / "persons.csv"),
        "--as-of", "2026-11-30", "--out", str(tmp_path / "model.json"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {"method", "r2", "n", "inclusion_error", "exclusion_error"} <= set(summary)
    table = result.stderr.splitlines()  # the candidates side by side
    assert table[0].split()[:2] == ["model", "features"]
    assert [line.split()[0] for line in table[1:5]] == list(CANDIDATES)
    assert sum("← chosen" in line for line in table) == 1
    assert table[-1].startswith(f"chosen: {summary['method']}")
    assert 0.3 < summary["r2"] < 0.9
    assert json.loads((tmp_path / "model.json").read_text())["n"] == summary["n"]


def test_pmt_calibrate_with_too_little_data_fails_clearly(files: Path):
    result = invoke(
        "pmt", "calibrate",
        "--households", str(files / "households.csv"),
        "--persons", str(files / "persons.csv"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "calibration needs at least" in result.output


def test_evaluate_shows_the_programmes_the_rules_define(files: Path, tmp_path: Path):
    shipped = Path(__file__).parents[2] / "src/sejahtera/data/rules"
    (tmp_path / "pmt-default.json").write_bytes((shipped / "pmt-default.json").read_bytes())
    rules = tmp_path / "rules.toml"
    rules.write_text(
        (shipped / "default.toml").read_text(encoding="utf-8")
        + """
[programmes.PKH_BALITA]
name = "PKH balita"
unit = "household"
max_decile = 10
stages_per_year = 4
components = [{ code = "BALITA", max_age = 4, yearly_amount = 400_000 }]

[programmes.LANSIA]
name = "Bantuan lansia"
unit = "person"
min_age = 60
monthly_amount = 100_000
""",
        encoding="utf-8",
    )
    result = evaluate(files, "--rules", str(rules))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    toddlers = [h["programmes"]["PKH_BALITA"] for h in data if h["living_members"]]
    paid = [p for p in toddlers if p["eligible"]]
    assert paid
    for programme in paid:  # one BALITA per child under 5 (no cap)
        children = len(programme["components"])
        assert children >= 1
        assert set(programme["components"]) == {"BALITA"}
        assert programme["yearly_amount"] == 400_000 * children
        assert programme["per_stage_amount"] == 100_000 * children
    persons = [p for h in data for p in h["persons"] if p["status"] == "member"]
    elderly = [p["programmes"]["LANSIA"] for p in persons if p["age"] >= 60]
    assert elderly
    assert all(e["eligible"] and e["monthly_amount"] == 100_000 for e in elderly)
    assert set(elderly[0]) == {"eligible", "monthly_amount", "yearly_amount", "reasons"}
    assert not any(p["programmes"]["LANSIA"]["eligible"] for p in persons if p["age"] < 60)
