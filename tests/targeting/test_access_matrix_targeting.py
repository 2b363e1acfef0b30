"""Access matrix of the targeting diff and audit: for every role, whether the per-person
decisions that reveal a vulnerable cluster (ATENSI for drug use or HIV) and the reasons behind
decisions reach it, on the pages and in the CSVs."""

from __future__ import annotations

import csv
import io

import pytest

from sejahtera.accounts import access
from sejahtera.accounts.models import Role, SensitiveAccess
from sejahtera.registry.models import Person
from sejahtera.targeting.services import run_targeting_for_registry

from .conftest import AS_OF

pytestmark = pytest.mark.django_db
REGIONS = {
    Role.VILLAGE_OPERATOR: "3201011002",
    Role.DISTRICT_OFFICE: "3201",
    Role.PROVINCIAL_OFFICE: "32",
    Role.SOCIAL_WORKER: "3201",
    Role.SUPERVISOR: "3201",
}


@pytest.fixture
def runs(population):
    """Two runs: between them a poor child in Bogor is recorded as using drugs (so she enters
    ATENSI, for NAPZA_HIV) and then, wrongly, as a civil servant (so the audit flags her)."""
    base = run_targeting_for_registry(AS_OF)
    ani = Person.objects.get(full_name="Ani 0")
    Person.objects.filter(pk=ani.pk).update(drug_user=True)
    run = run_targeting_for_registry(AS_OF)
    Person.objects.filter(pk=ani.pk).update(employment="civil_servant")
    return base, run, ani


def _csv(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("role", sorted(access.TARGETING_READERS))
def test_diff_and_audit_reveal_clusters_only_to_readers_of_specific_data(
    client, make_user, runs, role
):
    base, run, ani = runs
    client.force_login(make_user(role, REGIONS.get(role)))
    reads_specific = role in access.SPECIFIC_DATA_READERS

    diff = _csv(client, f"/targeting/runs/{run.pk}/diff.csv?base={base.pk}")
    atensi = [r for r in diff if r["programme"] == "ATENSI" and r["person_id"] == ani.external_id]
    assert bool(atensi) is reads_specific
    assert any("NAPZA_HIV" in r["reasons"] for r in diff) is reads_specific
    assert all(r["reasons"] == "" for r in diff) is not reads_specific
    page = client.get(f"/targeting/runs/{run.pk}/diff/?base={base.pk}").content.decode()
    assert ("NAPZA_HIV" in page) is reads_specific

    audit = _csv(client, f"/targeting/runs/{run.pk}/audit.csv")
    logged = {
        household
        for entry in SensitiveAccess.objects.filter(entity="targeting_export")
        for household in entry.record_ids
    }
    assert ani.household_id in logged  # every export is logged with what it held
    flagged = {(r["flag"], r["programme"]) for r in audit if r["person_id"] == ani.external_id}
    assert (("CIVIL_SERVANT", "ATENSI") in flagged) is reads_specific
    assert ("CIVIL_SERVANT", "PBI_JK") in flagged  # what is not specific stays auditable


@pytest.mark.parametrize("role", [Role.PARTNER_AGENCY])
def test_roles_outside_targeting_get_neither(client, make_user, runs, role):
    base, run, _ani = runs
    client.force_login(make_user(role, organisation="Bank BRI"))
    assert client.get(f"/targeting/runs/{run.pk}/diff.csv?base={base.pk}").status_code == 403
    assert client.get(f"/targeting/runs/{run.pk}/audit.csv").status_code == 403
