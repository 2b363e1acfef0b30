"""Every row of an import lies inside the uploader's region: outside rows are refused with
REGION_OUTSIDE_SCOPE, for creates and updates, households and persons, whoever imports."""

import pytest
from django.core.exceptions import PermissionDenied

from sejahtera.accounts import access
from sejahtera.accounts.models import Role
from sejahtera.registry.models import Household, Person

from .test_importing import errors, household, person, run_import

pytestmark = pytest.mark.django_db
BOGOR = "3201011002"  # Jawa Barat, Kabupaten Bogor
BANDUNG = "3273011001"  # Jawa Barat, Kota Bandung
ACEH = "1101012001"  # Aceh


@pytest.fixture
def registered(tmp_path_factory):
    """Households H-BDG (Bandung) and H-ACH (Aceh) with a person each, imported by the CLI
    (the administrator's, no scope)."""
    run_import(
        tmp_path_factory.mktemp("setup"),
        [household("H-BDG", region_code=BANDUNG), household("H-ACH", region_code=ACEH)],
        [person("P-BDG", "H-BDG", hiv="false"), person("P-ACH", "H-ACH", hiv="false")],
    )


def attack(tmp_path, actor):
    """One import that creates and updates in Bogor, Bandung and Aceh."""
    return run_import(
        tmp_path,
        [
            household("H-BOGOR", region_code=BOGOR),  # create
            household("H-NEW-BDG", region_code=BANDUNG),  # create
            household("H-NEW-ACH", region_code=ACEH),  # create
            household("H-BDG", region_code=BANDUNG, address="changed"),  # update in place
            household("H-ACH", region_code=BOGOR),  # take over: move into Bogor
        ],
        [
            person("P-BOGOR", "H-BOGOR"),
            person("P-BDG", "H-BDG", full_name="Changed", hiv="true"),  # update in place
            person("P-ACH", "H-BOGOR", relationship="other"),  # move out of Aceh into Bogor
            person("P-JOIN", "H-ACH", relationship="other"),  # join an Aceh household
        ],
        actor=actor,
    )


# Which of the attack's rows each scope may write.
ALLOWED = {
    "3201": {"H-BOGOR", "P-BOGOR"},
    "32": {"H-BOGOR", "H-NEW-BDG", "H-BDG", "P-BOGOR", "P-BDG"},
    None: {"H-BOGOR", "H-NEW-BDG", "H-NEW-ACH", "H-BDG", "H-ACH", "P-BOGOR", "P-BDG", "P-ACH"},
}
ATTACK_IDS = {"H-BOGOR", "H-NEW-BDG", "H-NEW-ACH", "H-BDG", "H-ACH"} | {
    "P-BOGOR",
    "P-BDG",
    "P-ACH",
    "P-JOIN",
}


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (Role.DISTRICT_OFFICE, "3201"),
        (Role.PROVINCIAL_OFFICE, "32"),
        (Role.ADMINISTRATOR, None),
    ],
)
def test_an_import_writes_only_inside_the_importers_region(
    tmp_path, make_user, registered, role, region
):
    summary, report = attack(tmp_path, make_user(role, region))
    refused = {
        record_id
        for (_file, record_id), codes in errors(report).items()
        if "REGION_OUTSIDE_SCOPE" in codes
    }
    allowed = ALLOWED[region]
    if region is None:
        allowed = allowed | {"P-JOIN"}  # the administrator may join an Aceh household
    assert refused == ATTACK_IDS - allowed
    assert summary.households.rejected + summary.persons.rejected == len(refused)
    outside = [r for r in report if r["code"] == "REGION_OUTSIDE_SCOPE"]
    assert all(r["column"] in ("region_code", "household_id") for r in outside)

    bandung_person = Person.objects.get(external_id="P-BDG")
    changed = "P-BDG" in allowed
    assert (bandung_person.full_name == "Changed") is changed
    assert (bandung_person.hiv is True) is changed
    aceh = Household.objects.get(external_id="H-ACH")
    assert (aceh.village_id == BOGOR) is ("H-ACH" in allowed)
    assert Person.objects.get(external_id="P-ACH").household.external_id == (
        "H-BOGOR" if "P-ACH" in allowed else "H-ACH"
    )
    created = set(Household.objects.values_list("external_id", flat=True))
    assert {"H-NEW-BDG", "H-NEW-ACH"} & created == {"H-NEW-BDG", "H-NEW-ACH"} & allowed


SCOPED_REGION = {Role.VILLAGE_OPERATOR: BOGOR, Role.SOCIAL_WORKER: "3201", Role.SUPERVISOR: "3201"}


@pytest.mark.parametrize("role", sorted(set(Role) - access.REGISTRY_IMPORTERS))
def test_roles_that_do_not_import_are_refused(tmp_path, make_user, role):
    with pytest.raises(PermissionDenied):
        attack(tmp_path, make_user(role, SCOPED_REGION.get(role)))
    assert not Household.objects.exists()


def test_the_web_upload_is_scoped_to_the_uploader(client, make_user, registered):
    from tests.web.test_imports import csv_upload

    from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES
    from sejahtera.registry.models import ImportRun

    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    upload = csv_upload(
        "households.csv",
        HOUSEHOLD_COLUMN_NAMES,
        [household("H-BDG", region_code=BANDUNG, address="changed")],
    )
    client.post("/imports/", {"households": upload})
    run = ImportRun.objects.latest("pk")
    assert run.summary["households"]["rejected"] == 1
    assert run.summary["issues_by_code"] == {"REGION_OUTSIDE_SCOPE": 1}
    assert Household.objects.get(external_id="H-BDG").address != "changed"


def test_the_command_line_without_a_user_imports_as_the_administrator(tmp_path, registered):
    summary, report = attack(tmp_path, None)
    assert not [r for r in report if r["code"] == "REGION_OUTSIDE_SCOPE"]
    assert summary.persons.rejected == 0
    assert Person.objects.get(external_id="P-BDG").full_name == "Changed"


def test_the_command_line_imports_as_a_user_when_asked(tmp_path, make_user, registered):
    from click.testing import CliRunner

    from sejahtera.cli import main
    from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES

    from .test_importing import write_csv

    office = make_user(Role.DISTRICT_OFFICE, "3201")
    households = write_csv(
        tmp_path / "h.csv",
        [household("H-BOGOR", region_code=BOGOR), household("H-BDG", region_code=BANDUNG)],
        HOUSEHOLD_COLUMN_NAMES,
    )
    args = ["import", "--households", str(households), "--report", str(tmp_path / "r.csv")]
    as_office = CliRunner().invoke(main, [*args, "--as-user", office.username])
    assert as_office.exit_code == 0, as_office.output
    assert "importing as district_office" in as_office.output
    assert "rejected" in as_office.output
    assert Household.objects.filter(external_id="H-BOGOR").exists()
    assert "REGION_OUTSIDE_SCOPE" in (tmp_path / "r.csv").read_text()

    as_admin = CliRunner().invoke(main, args)
    assert "importing as the administrator (no region limit)" in as_admin.output

    operator = make_user(Role.VILLAGE_OPERATOR, BOGOR)
    refused = CliRunner().invoke(main, [*args, "--as-user", operator.username])
    assert refused.exit_code == 2
    assert "may not import" in refused.output
