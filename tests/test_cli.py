import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sejahtera.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_nik_check_valid_prints_parts_and_exits_zero():
    result = run("nik", "check", "3201014508900001", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["valid"] is True
    assert (data["birth_date"], data["sex"], data["regency_code"]) == ("1990-08-05", "P", "3201")


def test_nik_check_mismatch_is_a_warning_not_an_error():
    result = run(
        "nik", "check", "3201014508900001", "--sex", "L", "--birth-date", "1990-08-06", "--json"
    )
    assert result.exit_code == 0
    codes = [w["code"] for w in json.loads(result.output)["warnings"]]
    assert codes == ["NIK_SEX_MISMATCH", "NIK_BIRTHDATE_MISMATCH"]


def test_nik_check_invalid_exits_one_with_the_error_code():
    result = run("nik", "check", "3201019902900000", "--json")
    assert result.exit_code == 1
    codes = {e["code"] for e in json.loads(result.output)["errors"]}
    assert codes == {"NIK_BIRTHDATE_INVALID", "NIK_SERIAL_ZERO"}


def test_nik_check_human_output_names_the_problem():
    result = run("nik", "check", "12345")
    assert result.exit_code == 1
    assert "NIK_LENGTH" in result.output


def test_kk_check():
    assert run("kk", "check", "3201010101200001").exit_code == 0
    result = run("kk", "check", "3201013201200001", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["errors"][0]["code"] == "KK_DATE_INVALID"


def test_synth_says_a_regency_code_is_none(tmp_path):
    result = run("synth", "--persons", "10", "--out", str(tmp_path), "--regency", "9999")
    assert result.exit_code == 2
    assert "--regency" in result.output
    assert "9999" in result.output


@pytest.mark.django_db
def test_the_demo_writes_nothing_without_the_demo_setting(settings):
    """It imported 20,000 synthetic people before refusing to make the demo accounts."""
    from sejahtera.registry.models import Household

    settings.DEMO = False
    result = run("demo", "--persons", "100")
    assert result.exit_code == 2
    assert "SEJAHTERA_DEMO=1" in result.output
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_demo_prepares_registry_users_cases_and_a_targeting_run(settings, tmp_path):
    from sejahtera.accounts.models import User
    from sejahtera.cases.models import Case
    from sejahtera.programmes.models import Decree, Entitlement, Payment, ResultImport
    from sejahtera.registry.models import DuplicateCandidate, Household
    from sejahtera.targeting.models import TargetingRun

    settings.DEMO = True
    settings.HOME_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    result = run("demo", "--persons", "300", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert Household.objects.exists()
    assert User.objects.filter(username="demo_social_worker").exists()
    assert Case.objects.exists()
    assert TargetingRun.objects.get().status == "completed"
    assert Decree.objects.filter(status="approved").count() == 2
    assert Entitlement.objects.filter(status="payable").exists()
    assert Payment.objects.filter(status="paid").exists()  # a paid cycle
    assert ResultImport.objects.exists()  # and its reconciliation
    assert DuplicateCandidate.objects.exclude(match_probability=None).exists()  # scored pairs
    from sejahtera.grievances.models import Complaint, Objection, Proposal

    stages = set(Proposal.objects.values_list("stage", flat=True))
    assert stages == {
        "submitted",
        "verified",
        "deliberated",
        "validated",
        "approved",
        "decided",
        "rejected",
    }
    assert set(Objection.objects.values_list("status", flat=True)) == {
        "filed",
        "confirmed",
        "dismissed",
        "lapsed",
    }
    assert Complaint.objects.filter(status="resolved").exists()
    assert Complaint.objects.filter(escalations__gt=0).exists()
    from sejahtera.targeting.models import DecisionReview

    assert set(DecisionReview.objects.values_list("status", flat=True)) == {
        "open",
        "upheld",
        "overturned",
    }
    assert "possible duplicates to review" in result.output
    assert "demo_administrator!2026" in result.output
    again = run("demo", "--persons", "300")
    assert again.exit_code == 0
    assert "possible duplicates to review" not in again.output  # linked once
    assert TargetingRun.objects.count() == 1
    assert Decree.objects.count() == 2
    assert Proposal.objects.count() == len(stages) + 4  # made once


@pytest.mark.django_db
def test_token_create_offers_every_scope_the_account_page_offers(make_user):
    from sejahtera.accounts.models import ApiToken, Role

    analyst = make_user(Role.MINISTRY_ANALYST)
    scopes = [arg for scope in ApiToken.Scope.values for arg in ("--scope", scope)]
    result = run("token", "create", "--user", analyst.username, "--name", "etl", *scopes)
    assert result.exit_code == 0, result.output
    assert ApiToken.objects.get(user=analyst).scopes == sorted(ApiToken.Scope.values)


@pytest.mark.django_db
def test_imports_purge_reports_what_it_removed():
    result = run("imports", "purge", "--days", "30")
    assert result.exit_code == 0, result.output
    assert "purged the uploads of 0 import(s) older than 30 day(s)" in result.output


def _processes_with_home(home: str) -> list[int]:
    """Processes whose environment names this SEJAHTERA_HOME (the serve and its children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"SEJAHTERA_HOME={home}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def test_serve_says_where_it_serves_and_stops_everything_on_sigterm(tmp_path):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    home = str(tmp_path)
    env = {**os.environ, "SEJAHTERA_HOME": home}
    env.pop("DATABASE_URL", None)  # the embedded SQLite database under SEJAHTERA_HOME
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "sejahtera", "manage", "migrate", "-v0"], env=env, check=True
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = subprocess.Popen(
        [sys.executable, "-m", "sejahtera", "serve", "--host", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert serve.stdout is not None
    assert (
        serve.stdout.readline().strip()
        == f"Serving Sejahtera at http://127.0.0.1:{port}/ (Ctrl-C stops it)"
    )
    deadline = time.monotonic() + 30
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline, "the server never listened"
        time.sleep(0.2)
    assert len(_processes_with_home(home)) >= 3  # serve, the worker, the server (and reloader)

    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=20)
    deadline = time.monotonic() + 10
    while _processes_with_home(home):
        assert time.monotonic() < deadline, f"left behind: {_processes_with_home(home)}"
        time.sleep(0.2)
