"""Who of the 12 clusters is served: the current run's cluster members, eligible and enrolled,
per cluster and per area (the dashboard's figures, kept per district and rebuilt after a run
and after a decree; counted on the spot below a district)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from sejahtera.accounts.models import Role
from sejahtera.domain.disclosure import SMALL_CELL, SPECIFIC_CLUSTERS
from sejahtera.domain.targeting.rules import CLUSTER_CODES
from sejahtera.programmes.coverage import (
    cluster_coverage,
    coverage_by_area,
    refresh_cluster_coverage,
)
from sejahtera.programmes.models import ClusterCoverage, Enrolment
from sejahtera.targeting.models import Decision, PersonCluster

pytestmark = pytest.mark.django_db


def _covered(model, run=None, **extra):
    """The cluster memberships covered by ``model`` rows (the person's or the household's)."""

    def covers(member):
        rows = model.objects.filter(household=member.household_id, **extra).filter(
            Q(person__isnull=True) | Q(person=member.person_id)
        )
        return rows.filter(run=run).exists() if run else rows.exists()

    return covers


def test_each_cluster_counts_its_members_the_eligible_and_the_enrolled(enrolled, make_user):
    rows = {r["cluster"]: r for r in cluster_coverage(make_user(Role.ADMINISTRATOR), "")}
    assert list(rows) == list(CLUSTER_CODES)
    eligible = _covered(Decision, run=enrolled, eligible=True)
    active = _covered(Enrolment, status=Enrolment.Status.ACTIVE)
    for code, row in rows.items():
        members = list(PersonCluster.objects.filter(run=enrolled, cluster=code))
        assert row["persons"] == len(members), code
        assert row["eligible_persons"] == sum(map(eligible, members)), code
        assert row["enrolled_persons"] == sum(map(active, members)), code
    poor = rows["FAKIR_MISKIN"]
    assert poor["enrolled_persons"] > 0  # SEMBAKO enrolled the poorest households
    assert poor["enrolled_percent"] == round(100 * poor["enrolled_persons"] / poor["persons"])


def test_a_suspended_enrolment_does_not_serve(enrolled, make_user):
    analyst = make_user(Role.MINISTRY_ANALYST)
    before = {r["cluster"]: r["enrolled_persons"] for r in cluster_coverage(analyst, "")}
    Enrolment.objects.update(status=Enrolment.Status.SUSPENDED)
    refresh_cluster_coverage()
    after = {r["cluster"]: r["enrolled_persons"] for r in cluster_coverage(analyst, "")}
    assert before["FAKIR_MISKIN"] > 0
    assert set(after.values()) == {0}


def test_an_office_counts_its_own_region_whatever_it_asks_for(enrolled, make_user):
    bandung = make_user(Role.DISTRICT_OFFICE, "3273")
    own = cluster_coverage(bandung, "3273")
    assert cluster_coverage(bandung, "3201") == own  # outside its scope: its own region
    assert (
        sum(r["persons"] for r in own)
        == PersonCluster.objects.filter(run=enrolled, region_code__startswith="3273").count()
    )
    assert sum(r["persons"] for r in own) < PersonCluster.objects.filter(run=enrolled).count()


def test_areas_count_each_person_once_and_their_share_enrolled(enrolled, make_user):
    areas = coverage_by_area(make_user(Role.MINISTRY_ANALYST), "32", 4)
    assert set(areas) == {"3201", "3273"}
    for code, area in areas.items():
        persons = (
            PersonCluster.objects.filter(run=enrolled, region_code__startswith=code)
            .values("person")
            .distinct()
            .count()
        )
        assert area["cluster_persons"] == persons
        assert 0 <= area["cluster_enrolled_percent"] <= 100


def test_before_any_run_there_is_nothing_to_count(population, make_user):
    analyst = make_user(Role.MINISTRY_ANALYST)
    assert cluster_coverage(analyst, "") == []
    assert coverage_by_area(analyst, "", 2) == {}


def test_partner_agencies_may_not_read_the_figures(enrolled, make_user):
    with pytest.raises(PermissionDenied):
        cluster_coverage(make_user(Role.PARTNER_AGENCY), "")


def test_a_run_and_a_decree_rebuild_the_figures(population, manager, approver, make_user):
    from datetime import date

    from sejahtera.programmes import services
    from sejahtera.targeting.services import run_targeting_for_registry

    analyst = make_user(Role.MINISTRY_ANALYST)
    run = run_targeting_for_registry(date(2026, 7, 1))
    assert set(ClusterCoverage.objects.values_list("run", flat=True)) == {run.pk}
    poor = next(r for r in cluster_coverage(analyst, "") if r["cluster"] == "FAKIR_MISKIN")
    assert (poor["persons"] > 0, poor["enrolled_persons"]) == (True, 0)
    decree = services.prepare_decree(manager, "SEMBAKO", date(2026, 7, 1), run)
    services.approve_decree(approver, decree)
    poor = next(r for r in cluster_coverage(analyst, "") if r["cluster"] == "FAKIR_MISKIN")
    assert poor["enrolled_persons"] > 0


def test_a_village_is_counted_on_the_spot_as_the_districts_are_stored(enrolled, make_user):
    village = make_user(Role.VILLAGE_OPERATOR, "3201011002")
    district = make_user(Role.DISTRICT_OFFICE, "3201")
    ClusterCoverage.objects.all().delete()  # stale or missing: the village does not read them
    here = {r["cluster"]: r for r in cluster_coverage(village, "")}
    assert (
        here["FAKIR_MISKIN"]["persons"]
        == PersonCluster.objects.filter(
            run=enrolled, cluster="FAKIR_MISKIN", region_code="3201011002"
        ).count()
    )
    assert cluster_coverage(district, "") == []  # the district's figures are not built
    refresh_cluster_coverage()
    stored = {r["cluster"]: r for r in cluster_coverage(district, "")}
    assert stored["FAKIR_MISKIN"] == here["FAKIR_MISKIN"]  # all of Bogor's poor live there
    assert set(coverage_by_area(village, "", 10)) == {"3201011002"}


def test_an_analyst_reads_no_small_count_of_a_specific_cluster(enrolled, make_user):
    """A count of one to four persons of a cluster that is specific data is withheld (None,
    "fewer than five") from a role that may not read specific data, with its share enrolled;
    other clusters' counts and larger ones are shown (domain.disclosure)."""
    full = {r["cluster"]: r for r in cluster_coverage(make_user(Role.ADMINISTRATOR), "")}
    masked = {r["cluster"]: r for r in cluster_coverage(make_user(Role.MINISTRY_ANALYST), "")}
    for code, row in full.items():
        small = code in SPECIFIC_CLUSTERS and 0 < row["persons"] < SMALL_CELL
        if small:
            assert masked[code]["persons"] is None
            assert masked[code]["enrolled_percent"] is None
        else:
            assert masked[code]["persons"] == row["persons"], code
    assert any(
        code in SPECIFIC_CLUSTERS and 0 < row["persons"] < SMALL_CELL for code, row in full.items()
    )  # the fixture has a small cell to withhold
