"""``sejahtera`` as an operator meets it: messages instead of tracebacks, exit codes, audit
entries for what changes or reads data (even when a command ends with an error), and what the
docs promise."""

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sejahtera.cli import main

BOGOR_REGENCY = "3201"
BOGOR_VILLAGE = "3201011002"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_no_traceback(result) -> None:
    """A refusal is a message and an exit code, never an uncaught exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {type(result.exception).__name__}: {result.exception}\n{result.output}"
    )


@pytest.fixture(scope="module")
def population(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pop")
    result = run("synth", "--persons", "60", "--seed", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def invalid_population(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("badpop")
    result = run(
        "synth", "--persons", "60", "--seed", "3", "--invalid-rate", "0.3", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    return out


def command_entries(entity: str):
    from sejahtera.accounts.models import AuditEntry

    return AuditEntry.objects.filter(action=AuditEntry.Action.COMMAND, entity=entity)


# -- synthetic data, files ----------------------------------------------------------------


def test_synth_unknown_regency_is_a_message_not_a_traceback(tmp_path):
    result = run("synth", "--persons", "10", "--out", str(tmp_path / "p"), "--regency", "9999")
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert "9999" in result.output


def test_synth_regency_code_of_wrong_length_is_a_message(tmp_path):
    result = run("synth", "--persons", "10", "--out", str(tmp_path / "p"), "--regency", "32")
    assert_no_traceback(result)
    assert result.exit_code == 2


def test_target_evaluate_writes_its_report_into_a_new_folder(invalid_population, tmp_path):
    """As the import's report: the folder is made (it was a traceback, the result lost)."""
    result = run(
        "target", "evaluate",
        "--households", str(invalid_population / "households.csv"),
        "--persons", str(invalid_population / "persons.csv"),
        "--as-of", "2026-01-01",
        "--report", str(tmp_path / "missing-folder" / "rejected.csv"),
    )  # fmt: skip
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "missing-folder" / "rejected.csv").read_text().startswith("file,")


def test_pmt_calibrate_writes_its_model_into_a_new_folder(tmp_path):
    """Fitting takes seconds to minutes; an --out in a folder not made yet must not end it in
    a traceback that loses the fitted model."""
    population = tmp_path / "pop"
    made = run("synth", "--persons", "1500", "--seed", "3", "--survey-share", "0.6",
               "--out", str(population))  # fmt: skip
    assert made.exit_code == 0, made.output
    result = run(
        "pmt", "calibrate",
        "--households", str(population / "households.csv"),
        "--persons", str(population / "persons.csv"),
        "--out", str(tmp_path / "missing-folder" / "model.json"),
    )  # fmt: skip
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "missing-folder" / "model.json").exists()


# -- a database that is not there yet -----------------------------------------------------


def _sejahtera(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SEJAHTERA_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "sejahtera", *args], env=env, capture_output=True, text=True
    )


def test_a_command_on_an_unmigrated_database_says_to_migrate(tmp_path):
    done = _sejahtera(tmp_path, "figures", "refresh")
    assert "Traceback" not in done.stderr, done.stderr[-600:]
    assert done.returncode != 0
    assert "migrate" in done.stderr


# -- the demo ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_without_demo_setting_writes_nothing_to_the_registry(settings, tmp_path):
    """`sejahtera demo refuses to create demo users unless SEJAHTERA_DEMO=1` ... `never run the
    demo against a production database`: the refusal must come before synthetic people are
    imported into the registry, and be a message."""
    from sejahtera.registry.models import Household

    settings.DEMO = False
    settings.HOME_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    result = run("demo", "--persons", "100")
    assert result.exit_code != 0
    assert_no_traceback(result)
    assert not Household.objects.exists(), "synthetic households were imported"


# -- audit of commands that changed data but end with exit 1 --------------------------------


@pytest.mark.django_db
def test_reference_import_with_a_bad_row_still_audits_the_rows_it_kept(tmp_path):
    from sejahtera.registry.models import ReferenceList

    listed = tmp_path / "civil.csv"
    listed.write_text("nik\n3201014508900001\n12345\n", encoding="utf-8")
    result = run("reference", "import", str(listed), "--kind", "civil_servants")
    assert result.exit_code == 1, result.output
    assert "1 NIKs kept" in result.output
    assert ReferenceList.objects.exists()
    assert command_entries("reference import").exists(), "data changed without an audit entry"


@pytest.mark.django_db
def test_wages_load_with_a_bad_row_still_audits_the_rows_it_loaded(tmp_path):
    from sejahtera.cases.models import MinimumWage

    table = tmp_path / "wages.csv"
    table.write_text(
        "region_code,year,amount,kind,instrument,source_url\n"
        "3201,2025,5000000,umk,Kepgub 1/2024,https://example.org/umk\n"
        "3201,twenty,5000000,umk,Kepgub 1/2024,https://example.org/umk\n",
        encoding="utf-8",
    )
    result = run("wages", "load", str(table))
    assert result.exit_code == 1, result.output
    assert MinimumWage.objects.exists()
    assert command_entries("wages load").exists(), "data changed without an audit entry"


# -- permissions and users -----------------------------------------------------------------


@pytest.mark.django_db
def test_conditionality_import_by_a_role_that_may_not_is_a_message(make_user, tmp_path):
    from sejahtera.accounts.models import Role

    operator = make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE)
    listed = tmp_path / "school.csv"
    listed.write_text("nik,month,obligation,value\n3201014508900001,2026-01,school,90\n")
    result = run("conditionality", "import", str(listed), "--as-user", operator.username)
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert operator.username in result.output


@pytest.mark.django_db
def test_token_create_for_an_inactive_user_is_refused(make_user):
    from sejahtera.accounts.models import ApiToken, Role

    analyst = make_user(Role.MINISTRY_ANALYST, is_active=False)
    result = run("token", "create", "--user", analyst.username, "--name", "etl",
                 "--scope", "registry:read")  # fmt: skip
    assert result.exit_code == 2, result.output
    assert not ApiToken.objects.filter(user=analyst).exists()


@pytest.mark.django_db(transaction=True)  # a manage command closes the connection
def test_manage_dumpdata_of_persons_is_an_audited_export(tmp_path, population):
    """`Every read and export of specific personal data ... is an entry of the audit trail`;
    `sejahtera manage dumpdata` writes every person (names, NIKs) to a file and leaves none."""
    imported = run("import", "--households", str(population / "households.csv"),
                   "--persons", str(population / "persons.csv"))  # fmt: skip
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "persons.json"
    result = run("manage", "dumpdata", "registry.person", "--output", str(out))
    assert result.exit_code == 0, result.output
    first_nik = (population / "persons.csv").read_text().splitlines()[1].split(",")[2]
    assert first_nik in out.read_text()  # personal data left the system
    assert command_entries("manage").exists(), "a whole-table export left no audit entry"


@pytest.mark.django_db(transaction=True)  # a manage command closes the connection
def test_manage_shell_is_audited_even_when_it_ends_with_an_error():
    result = run("manage", "shell", "-c", "raise SystemExit(3)")
    assert result.exit_code == 3
    assert command_entries("manage").exists(), "a shell on the database left no audit entry"


@pytest.mark.django_db(transaction=True)  # a manage command closes the connection
def test_manage_addstatictoken_a_second_factor_bypass_is_audited(make_user):
    """`addstatictoken` makes a one-time code that passes an administrator's two-step
    verification: a change to a credential, so an entry of the audit trail like
    `changepassword` is."""
    from sejahtera.accounts.models import Role

    admin = make_user(Role.ADMINISTRATOR)
    result = run("manage", "addstatictoken", admin.username)
    assert result.exit_code == 0, result.output
    assert command_entries("manage").exists(), "a second-factor code was made unaudited"


@pytest.mark.django_db(transaction=True)  # a manage command closes the connection
def test_manage_axes_reset_lifting_lockouts_is_audited():
    result = run("manage", "axes_reset")
    assert result.exit_code == 0, result.output
    assert command_entries("manage").exists(), "every login lockout lifted, unaudited"


# -- SEJAHTERA_DATA_KEYS -------------------------------------------------------------------


@pytest.mark.django_db
def test_import_with_a_malformed_data_key_stops_before_writing(settings, population):
    """operations.md: `a malformed entry stops every command, naming its position`. Today the
    import writes the households, then dies in a traceback at the persons (a half import)."""
    from sejahtera.registry.models import Household

    settings.SEJAHTERA_DATA_KEYS = "bogus"
    result = run("import", "--households", str(population / "households.csv"),
                 "--persons", str(population / "persons.csv"))  # fmt: skip
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert "entry 1" in result.output
    assert not Household.objects.exists(), "households written before the key was refused"


def test_a_command_with_an_unreachable_database_is_a_message(tmp_path):
    env = {**os.environ, "SEJAHTERA_HOME": str(tmp_path),
           "DATABASE_URL": "postgres://nobody@127.0.0.1:1/sejahtera"}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "-m", "sejahtera", "audit", "head"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-600:]
    assert done.returncode != 0
    assert "127.0.0.1" in done.stderr


# -- output --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_target_run_prints_only_its_result_on_stdout():
    """The progress display belongs on standard error: a script reading `run N: ...` from
    standard output gets a blank line first today."""
    result = run("target", "run", "--as-of", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("run "), repr(result.stdout[:40])


def test_nik_check_shows_the_value_as_typed():
    """Rich markup in the value is interpreted: `[b]1` is shown as `1`."""
    result = run("nik", "check", "[b]1")
    assert result.exit_code == 1
    assert "[b]1" in result.output


@pytest.mark.django_db
def test_target_run_names_the_rules_file_it_refuses(tmp_path):
    """`target evaluate` says `rules /path/bad.toml are invalid`; `target run` says
    `rules rules are invalid`, naming no file."""
    bad = tmp_path / "bad-rules.toml"
    bad.write_text("not toml at all\n", encoding="utf-8")
    result = run("target", "run", "--as-of", "2026-01-01", "--rules", str(bad))
    assert result.exit_code == 2, result.output
    assert "bad-rules.toml" in result.output


@pytest.mark.django_db
def test_target_run_names_the_deciles_file_it_cannot_read(tmp_path):
    bad = tmp_path / "dtsen.csv"
    bad.write_bytes(b"\xff\xfe\x00household_id")
    result = run("target", "run", "--as-of", "2026-01-01", "--deciles", str(bad))
    assert result.exit_code == 2, result.output
    assert "dtsen.csv" in result.output


def _commands(group: click.Group, path: str = "sejahtera"):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, f"{path} {name}")
        else:
            yield f"{path} {name}", command


def test_every_option_says_what_it_is_for():
    """An operator reads `--help` at a server's console: an option named only by its flag
    (`--invalid-rate`, `--batch-size`) leaves them to read the code."""
    unexplained = [
        f"{path} {option.opts[0]}"
        for path, command in _commands(main)
        for option in command.params
        if isinstance(option, click.Option) and not option.help and option.name != "help"
    ]
    assert unexplained == []
