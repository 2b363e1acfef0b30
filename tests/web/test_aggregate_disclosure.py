"""Statistical disclosure through the figures (aggregates) shown to roles that may not read
specific personal data: ministry analysts, programme managers and auditors.

The registry of ``tests/web/test_access_matrix_privacy.py``: in one Bogor village (district
Cibinong, 320101) Agus is recorded with HIV, drug use and violence and his daughter Ani with
drug use; the rest of the registry is well-off. Each attack below combines a count with a
filter (a region drill-down, a region scope, a what-if run, a flag of the error audit) so that
a small count (1–4) of a vulnerable cluster, or of ATENSI (which reveals one), points at an
identifiable family. The safe behaviour is the statistics offices' small-cell rule: for these
roles a count of 1–4 persons of a specific cluster (or of a programme that reveals one) is
never shown, nor a change of 1–4 between two runs.

Also kept here: what was withstood (no figures below a district for national roles, no region
outside the scope, no cluster drill-down and no cluster columns in the exports)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from tests.targeting.conftest import AS_OF

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.programmes.coverage import refresh_cluster_coverage
from sejahtera.registry.services.statistics import refresh_figures
from sejahtera.targeting import selectors
from sejahtera.targeting.services import run_targeting_for_registry

from .test_access_matrix_privacy import recorded, registered, runs  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

DISTRICT = "320101"  # Cibinong, Kabupaten Bogor: Agus's and Ani's district
VILLAGE = "3201011002"
# The clusters that are specific personal data (UU 27/2022): children, health and disability,
# criminal records, violence, drug use and HIV.
SPECIFIC_CLUSTERS = ("ANAK_RENTAN", "DISABILITAS", "WARGA_BINAAN", "KORBAN_KEKERASAN", "NAPZA_HIV")
SMALL = range(1, 5)  # a cell of 1–4 persons points at someone
AGGREGATE_ROLES = (Role.MINISTRY_ANALYST, Role.PROGRAMME_MANAGER, Role.AUDITOR)


@pytest.fixture
def current(recorded):  # noqa: F811
    """The current run after the vulnerability was recorded, with the dashboard's figures."""
    run = run_targeting_for_registry(AS_OF)
    refresh_figures()
    refresh_cluster_coverage()
    return {**recorded, "run": run}


def _csv(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _small_cluster_cells(rows, fields):
    """(cluster, field, value) of every count of 1–4 of a specific cluster."""
    return [
        (row["cluster"], name, row[name])
        for row in rows
        if row["cluster"] in SPECIFIC_CLUSTERS
        for name in fields
        if row[name] in SMALL
    ]


# -- the dashboard ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_dashboard_district_drilldown_shows_no_small_specific_cluster_count(
    client, make_user, current, role
):
    """Attack: a national role drills the dashboard down to the district of a family it
    suspects (?region=320101) and reads the cluster table and its chart: NAPZA/HIV 2 and
    victims of violence 1 in Cibinong name Agus's family (the only ATENSI family there)."""
    client.force_login(make_user(role))
    page = client.get("/dashboard/", {"region": DISTRICT})
    assert page.status_code == 200
    counts = ("persons", "eligible_persons", "enrolled_persons")
    assert _small_cluster_cells(page.context["clusters"], counts) == []
    chart = page.context["charts"]["clusters"]
    labels = [c["cluster"] for c in page.context["clusters"]]
    charted = [
        {"cluster": cluster, "persons": persons, "enrolled": enrolled}
        for cluster, persons, enrolled in zip(
            labels, chart["persons"], chart["enrolled"], strict=True
        )
    ]
    assert _small_cluster_cells(charted, ("persons", "enrolled")) == []


def test_dashboard_district_drilldown_shows_no_small_atensi_count(client, make_user, current):
    """Attack: the dashboard's programme figures for Cibinong give ATENSI eligible = 3. ATENSI
    is decided on the vulnerable clusters (its decrees are hidden from this role for that
    reason), so a count of 3 in a district tells the analyst that three persons there, of the
    two poor families the district has, are in a vulnerable cluster."""
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get("/dashboard/", {"region": DISTRICT})
    atensi = {p["programme"]: p for p in page.context["run"]["programmes"]}["ATENSI"]
    assert atensi["eligible"] not in SMALL
    assert atensi["decided"] not in SMALL


# -- a run's figures for a region-scoped auditor -----------------------------------------------


def test_run_figures_show_a_district_auditor_no_small_specific_cluster_count(
    client, make_user, current
):
    """Attack: an auditor given a district (auditors may be scoped to any region) opens the
    current run's page and its API detail: the cluster table counts NAPZA/HIV 2 and victims of
    violence 1 in that district alone."""
    auditor = make_user(Role.AUDITOR, DISTRICT)
    run = current["run"]
    client.force_login(auditor)
    page = client.get(f"/targeting/runs/{run.pk}/")
    assert page.status_code == 200
    assert _small_cluster_cells(page.context["clusters"], ("persons", "manual")) == []

    _token, secret = create_token(auditor, "t", list(ApiToken.Scope))
    detail = client.get(
        f"/api/v1/targeting/runs/{run.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).json()
    assert detail["region"] == DISTRICT
    assert _small_cluster_cells(detail["clusters"], ("persons", "manual")) == []


def test_run_region_table_shows_a_district_auditor_no_small_atensi_count_per_village(
    client, make_user, current
):
    """Attack: the same auditor reads the run page's table of regions one level down, which
    for a district are its villages: ATENSI eligible = 3 in Karadenan, whose only poor
    families are Agus's and his neighbour's."""
    client.force_login(make_user(Role.AUDITOR, DISTRICT))
    run = current["run"]
    page = client.get(f"/targeting/runs/{run.pk}/")
    atensi = list(selectors.programme_codes(run)).index("ATENSI")
    per_village = {row["code"]: row["eligible"][atensi] for row in page.context["regions"]}
    assert VILLAGE in per_village
    assert [code for code, n in per_village.items() if n in SMALL] == []


# -- what-if and diff: differencing two runs -------------------------------------------------


def test_what_if_comparison_shows_no_small_specific_cluster_cell_or_change(
    client, make_user, current
):
    """Differencing attack: an analyst starts a what-if run from the current one with a PENA
    budget of 0 (PENA is not a revealing programme, so the diff lists who leaves it: Agus).
    The comparison's cluster × programme table (page and CSV) then shows NAPZA/HIV × PENA
    1 → 0 and victims of violence × PENA 1 → 0: the one person who left PENA has HIV or uses
    drugs and is a victim of violence."""
    analyst = make_user(Role.MINISTRY_ANALYST)
    base = current["run"]
    simulation = run_targeting_for_registry(
        AS_OF, actor=analyst, simulation=True, base_run=base, limits={"PENA": {"budget": 0}}
    )
    client.force_login(analyst)

    page = client.get(f"/targeting/runs/{simulation.pk}/compare/")
    assert page.status_code == 200
    leaks = []
    for row in page.context["comparison"].clusters:
        if row["cluster"] in SPECIFIC_CLUSTERS:
            for values in [row["persons"], *row["eligible"]]:
                shown = (values["base"], values["simulation"], abs(values["change"]))
                leaks += [
                    (row["cluster"], values.get("programme", "")) for n in shown if n in SMALL
                ]
    assert leaks == []

    rows = _csv(client, f"/targeting/runs/{simulation.pk}/compare.csv")
    exported = [
        (r["key"], r["programme"])
        for r in rows
        if r["section"] in ("cluster_persons", "cluster_eligible")
        and r["key"] in SPECIFIC_CLUSTERS
        and any(abs(int(r[c])) in SMALL for c in ("base", "simulation", "change"))
    ]
    assert exported == []


def test_diff_shows_no_small_flow_of_a_programme_that_reveals_a_cluster(client, make_user, runs):  # noqa: F811
    """Differencing attack: between the run before and the run after one family's record was
    edited (the analyst sees in the household's history that Agus's and Ani's records
    changed), a count of those entering ATENSI (2: the two persons whose records changed)
    would tell that they are in a vulnerable cluster. The diff and the comparison leave the
    programmes that reveal a cluster out for this role, as they leave out who enters them."""
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    run, base = runs["run"], runs["base"]
    page = client.get(f"/targeting/runs/{run.pk}/diff/", {"base": base.pk})
    assert page.status_code == 200
    flows = {f.programme: f for f in page.context["diff"].flows}
    assert "ATENSI" not in flows  # a difference of two counts: withheld, small or not
    assert "SEMBAKO" in flows
    rows = _csv(client, f"/targeting/runs/{run.pk}/compare.csv?base={base.pk}")
    assert [r for r in rows if r["programme"] == "ATENSI"] == []


# -- the error audit -------------------------------------------------------------------------


def test_audit_shows_no_small_specific_cluster_count_of_a_flag(client, make_user, runs):  # noqa: F811
    """Attack: the audit CSV names the households whose eligible decisions are flagged (here
    Agus's family, recorded as civil servants, for PBI-JK), and the audit page counts the
    flagged households per cluster: CIVIL_SERVANT → NAPZA/HIV 1, victims of violence 1. A flag
    holds few households by nature, so the count says which listed family has a member with
    HIV or drug use and a victim of violence."""
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    run = runs["run"]
    listed = _csv(client, f"/targeting/runs/{run.pk}/audit.csv")
    assert {r["household_id"] for r in listed if r["flag"] == "CIVIL_SERVANT"} == {
        runs["family"].external_id
    }
    flags = client.get(f"/targeting/runs/{run.pk}/audit/").context["audit"].flags
    leaks = [
        (flag, cluster, n)
        for flag, figures in flags.items()
        for cluster, n in figures["by_cluster"]
        if cluster in SPECIFIC_CLUSTERS and n in SMALL
    ]
    assert leaks == []


def test_audit_shows_no_small_count_of_a_programme_that_reveals_a_cluster(
    client,
    make_user,
    runs,  # noqa: F811
):
    """Attack: the audit page's per-programme count of the CIVIL_SERVANT flag gives ATENSI 2,
    while the CSV withholds ATENSI and lists Agus and Ani for PBI-JK under that flag: both are
    in a vulnerable cluster."""
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    flags = client.get(f"/targeting/runs/{runs['run'].pk}/audit/").context["audit"].flags
    leaks = [
        (flag, n)
        for flag, figures in flags.items()
        for programme, n in figures["by_programme"]
        if programme == "ATENSI" and n in SMALL
    ]
    assert leaks == []


# -- withstood ---------------------------------------------------------------------------------


def test_national_roles_get_no_dashboard_figures_below_a_district(client, make_user, current):
    """Attack: an analyst asks the dashboard (page and map data) for Agus's village; the
    figures stay those of the district (cluster coverage is counted per village only for a
    village operator, who reads specific data)."""
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get("/dashboard/", {"region": VILLAGE})
    assert page.context["figures"].total.code == DISTRICT
    village_figures = client.get("/dashboard/", {"region": DISTRICT}).context["clusters"]
    assert page.context["clusters"] == village_figures
    areas = client.get("/dashboard/regions.json", {"region": VILLAGE}).json()["areas"]
    assert list(areas) == [DISTRICT]


def test_dashboard_links_and_exports_carry_no_cluster(client, make_user, current):
    """Attack: look for a drill-down from a cluster figure to the persons behind it, or
    cluster figures in the dashboard's CSV and XLSX exports and the map's data."""
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get("/dashboard/", {"region": DISTRICT}).content.decode()
    links = re.findall(r'href="([^"]*)"', page)
    assert [link for link in links if "cluster" in link] == []
    assert 'href="/registry/households/' not in page
    exported = _csv(client, f"/dashboard/export.csv?region={DISTRICT}")
    assert list(exported[0]) == [
        "code",
        "name",
        "persons",
        "households",
        "without_nik",
        "nik_warnings",
        "deceased",
        "possible_duplicates",
    ]
    area = client.get("/dashboard/regions.json", {"region": "32"}).json()["areas"]["3201"]
    assert not any(cluster in key for key in area for cluster in SPECIFIC_CLUSTERS)


def test_region_scoped_figures_never_include_another_regency(client, make_user, runs):  # noqa: F811
    """Attack: an auditor given Kota Bandung asks for Bogor's figures on the dashboard, reads
    the run page and its API detail, the what-if comparison CSV and the error audit: nothing
    of Bogor (where Agus's family lives) is counted or named."""
    auditor = make_user(Role.AUDITOR, "3273")
    run, base = runs["run"], runs["base"]
    refresh_figures()
    refresh_cluster_coverage()
    client.force_login(auditor)

    dashboard = client.get("/dashboard/", {"region": DISTRICT})
    assert dashboard.context["figures"].total.code == "3273"
    assert {c["cluster"]: c["persons"] for c in dashboard.context["clusters"]}["NAPZA_HIV"] == 0
    assert all(
        code.startswith("3273")
        for code in client.get("/dashboard/regions.json", {"region": "3201"}).json()["areas"]
    )

    page = client.get(f"/targeting/runs/{run.pk}/")
    assert {c["cluster"]: c["persons"] for c in page.context["clusters"]}["NAPZA_HIV"] == 0
    assert all(r["code"].startswith("3273") for r in page.context["regions"])
    _token, secret = create_token(auditor, "t", list(ApiToken.Scope))
    detail = client.get(
        f"/api/v1/targeting/runs/{run.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).json()
    assert {c["cluster"]: c["persons"] for c in detail["clusters"]}["NAPZA_HIV"] == 0

    rows = _csv(client, f"/targeting/runs/{run.pk}/compare.csv?base={base.pk}")
    assert all(r["key"].startswith("3273") for r in rows if r["section"] == "region_eligible")
    assert all(
        r["base"] == r["simulation"] == "0"
        for r in rows
        if r["section"] == "cluster_persons" and r["key"] in SPECIFIC_CLUSTERS
    )
    flags = client.get(f"/targeting/runs/{run.pk}/audit/").context["audit"].flags
    assert flags["CIVIL_SERVANT"]["total"] == 0
    assert all(
        code.startswith("3273") for f in flags.values() for code, _name, _n in f["by_region"]
    )
