"""Journey reports on four hand-built cases with known dates (every step through the services,
each with its own date), checked to the exact figure.

    case   region          worker  steps (date)
    c1     Bogor 3201      A       opened 2025-01-10, protection 01-20, graduated 03-01,
                                   monitoring 04-01, re-entry to protection 06-01
    c2     Bogor 3201      A       opened 2025-02-01, protection 02-11, graduated 2026-01-15
    c3     Kota Bandung    A       opened 2026-01-05 (still registered)
    c4     Aceh 1101       B       opened 2025-05-01, protection 05-05, terminated 07-01,
                                   closed 08-01
The reports are read on 2026-03-02.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from sejahtera.cases import reports, services
from sejahtera.cases.models import Case
from sejahtera.domain.cases import GraduationType, Stage
from sejahtera.targeting.models import ManualClusterMembership, PersonCluster, TargetingRun

pytestmark = pytest.mark.django_db
PNM = "PT Permodalan Nasional Madani (PNM)"  # the Mekaar programme's agency

TODAY = date(2026, 3, 2)
D = date


def _family(household_factory, village, number):
    return household_factory(
        village,
        members=[
            {
                "full_name": f"Ibu {number}",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "nik": f"32010145089000{number:02d}",
            }
        ],
    )


def _move(case, stage, actor, day, reason="", **extra):
    case.refresh_from_db()
    services.move_case(
        case=case,
        to_stage=stage,
        actor=actor,
        reason=reason,
        expected_version=case.version,
        today=day,
        **extra,
    )


def _graduate(case, worker, supervisor, day, **proposal):
    request = services.propose_graduation(actor=worker, case=case, today=day, **proposal)
    case.refresh_from_db()
    services.decide_graduation(
        actor=supervisor,
        request=request,
        approve=True,
        expected_version=case.version,
        today=day,
    )


def _referral(case, worker, programme, day, *steps):
    referral = services.send_referral(
        actor=worker,
        case=case,
        programme=programme,
        consent_method="signed",
        today=day,
    )
    for actor, status in steps:
        services.update_referral(
            actor=actor, referral=referral, status=status, outcome=f"{status} in test", today=day
        )
    return referral


@pytest.fixture
def world(make_user, household_factory):
    worker_a = make_user("social_worker", "32", first_name="Ani", last_name="Pendamping")
    worker_b = make_user("social_worker", "11")  # Aceh
    supervisor = make_user("supervisor", "32")
    supervisor_b = make_user("supervisor", "11")
    bri = make_user("partner_agency", organisation=PNM)
    umkm = make_user("partner_agency", organisation="Kementerian UMKM")

    def open_(village, number, worker, sup, day):
        family = _family(household_factory, village, number)
        return services.open_case(
            actor=worker, household=family, social_worker=worker, supervisor=sup, today=day
        )

    c1 = open_("3201011002", 1, worker_a, supervisor, D(2025, 1, 10))
    c2 = open_("3201011002", 2, worker_a, supervisor, D(2025, 2, 1))
    c3 = open_("3273011001", 3, worker_a, supervisor, D(2026, 1, 5))
    c4 = open_("1101012001", 4, worker_b, supervisor_b, D(2025, 5, 1))

    _move(c1, Stage.PROTECTION, worker_a, D(2025, 1, 20))
    _graduate(
        c1, worker_a, supervisor, D(2025, 3, 1), type=GraduationType.MANDIRI, signed_statement=True
    )
    _move(c1, Stage.MONITORING, worker_a, D(2025, 4, 1))
    _move(c1, Stage.PROTECTION, worker_a, D(2025, 6, 1), reason="harvest lost")

    _move(c2, Stage.PROTECTION, worker_a, D(2025, 2, 11))
    _graduate(c2, worker_a, supervisor, D(2026, 1, 15), type=GraduationType.PAKSA, evidence="ok")

    _move(c4, Stage.PROTECTION, worker_b, D(2025, 5, 5))
    _referral(c4, worker_b, "KUR_MIKRO", D(2025, 6, 20), (umkm, "accepted"))
    _move(c4, Stage.TERMINATED, supervisor_b, D(2025, 7, 1), termination_reason="long_term_care")
    _move(c4, Stage.CLOSED, worker_b, D(2025, 8, 1), reason="moved away")

    # referrals: BRI 3 (waiting 1, rejected 1, completed 1), UMKM 2 (accepted 1, revoked 1)
    _referral(c1, worker_a, "PNM_MEKAAR", D(2025, 2, 1), (bri, "rejected"))
    _referral(c2, worker_a, "PNM_MEKAAR", D(2025, 3, 1))
    _referral(c3, worker_a, "PNM_MEKAAR", D(2026, 1, 6), (bri, "accepted"), (bri, "completed"))
    _referral(c2, worker_a, "KUR_MIKRO", D(2025, 3, 1), (worker_a, "revoked"))

    # clusters: c1's head by the latest run (and by hand: counted once), c2's head by an
    # assessment; c3's head only by an older run and an expired manual membership (ignored)
    def head(case):
        return case.household.members.get(relationship="head")

    older = TargetingRun.objects.create(
        as_of=D(2025, 1, 1), rules_text="-", status="completed", finished_at=timezone.now()
    )
    latest = TargetingRun.objects.create(
        as_of=D(2026, 1, 1), rules_text="-", status="completed", finished_at=timezone.now()
    )
    TargetingRun.objects.create(  # a what-if run is never the latest
        as_of=D(2026, 2, 1),
        rules_text="-",
        status="completed",
        finished_at=timezone.now(),
        is_simulation=True,
    )
    for run, case, cluster in [
        (older, c3, "ANAK_RENTAN"),
        (latest, c1, "FAKIR_MISKIN"),
    ]:
        PersonCluster.objects.create(
            run=run,
            person=head(case),
            household=case.household,
            region_code=case.region_code,
            cluster=cluster,
        )
    services.record_assessment(
        actor=worker_a,
        case=c2,
        members=[services.MemberAssessment(head(c2), ("PEREMPUAN_RENTAN",))],
        today=D(2025, 2, 5),
    )
    services.record_assessment(
        actor=worker_a,
        case=c1,
        members=[services.MemberAssessment(head(c1), ("FAKIR_MISKIN",))],
        today=D(2025, 2, 5),
    )
    ManualClusterMembership.objects.create(
        person=head(c3),
        cluster="DISABILITAS",
        reason="old",
        valid_from=D(2024, 1, 1),
        valid_until=D(2025, 12, 31),
        created_by=worker_a,
    )
    for case in (c1, c2, c3, c4):
        case.refresh_from_db()
    return {
        "cases": (c1, c2, c3, c4),
        "worker_a": worker_a,
        "worker_b": worker_b,
        "admin": make_user("administrator"),
    }


def test_the_world_is_what_the_docstring_says(world):
    assert [c.stage for c in world["cases"]] == ["protection", "graduated", "registered", "closed"]


def test_funnel_by_region_province_then_regency(world):
    rows = reports.funnel_by_region(world["admin"], TODAY).dicts()
    assert [(r["level"], r["code"], r["total"]) for r in rows] == [
        ("province", "11", 1),
        ("regency", "1101", 1),
        ("province", "32", 3),
        ("regency", "3201", 2),
        ("regency", "3273", 1),
    ]
    bogor = rows[3]
    assert (bogor["protection"], bogor["graduated"], bogor["registered"]) == (1, 1, 0)
    assert rows[4]["registered"] == 1
    assert rows[0]["closed"] == 1
    assert [r["name"] for r in rows] == [
        "Aceh",
        "Kabupaten Aceh Selatan",
        "Jawa Barat",
        "Kabupaten Bogor",
        "Kota Bandung",
    ]


def test_funnel_by_region_stays_in_the_users_scope(world, make_user):
    rows = reports.funnel_by_region(make_user("district_office", "3201"), TODAY).dicts()
    assert [(r["code"], r["total"]) for r in rows] == [("32", 2), ("3201", 2)]
    # a social worker sees their own cases only
    mine = reports.funnel_by_region(world["worker_b"], TODAY).dicts()
    assert [(r["code"], r["closed"]) for r in mine] == [("11", 1), ("1101", 1)]


def test_funnel_by_cluster_latest_run_and_active_manual_memberships(world):
    rows = {r["cluster"]: r for r in reports.funnel_by_cluster(world["admin"], TODAY).dicts()}
    assert (rows["FAKIR_MISKIN"]["protection"], rows["FAKIR_MISKIN"]["total"]) == (1, 1)
    assert (rows["PEREMPUAN_RENTAN"]["graduated"], rows["PEREMPUAN_RENTAN"]["total"]) == (1, 1)
    assert (rows["-"]["registered"], rows["-"]["closed"], rows["-"]["total"]) == (1, 1, 2)
    assert rows["ANAK_RENTAN"]["total"] == 0  # only in an older run
    assert rows["DISABILITAS"]["total"] == 0  # manual membership expired
    assert sum(r["total"] for r in rows.values()) == 4


def test_median_days_in_each_stage(world):
    rows = {r["stage"]: r for r in reports.stage_durations(world["admin"], TODAY).dicts()}
    # registered 10, 10, 56 (open, up to today), 4
    assert (rows["registered"]["stays"], rows["registered"]["median_days"]) == (4, 10)
    # protection 40, 338, 274 (the re-entry stay, open), 57 → (57 + 274) / 2
    assert (rows["protection"]["stays"], rows["protection"]["median_days"]) == (4, 165.5)
    # graduated 31 and 46 (open); monitoring 61; terminated 31; closed is not a stay
    assert rows["graduated"]["median_days"] == 38.5
    assert rows["monitoring"]["median_days"] == 61
    assert rows["terminated"]["median_days"] == 31
    assert (rows["assessed"]["stays"], rows["assessed"]["median_days"]) == (0, None)
    assert "closed" not in rows


def test_stays_never_go_below_zero():
    steps = [(1, D(2025, 1, 10), "registered"), (1, D(2025, 1, 5), "protection")]
    assert reports.stays(steps, D(2025, 1, 15)) == {"registered": [0], "protection": [10]}


def test_graduation_rate_per_year(world):
    rows = reports.graduation_by_year(world["admin"], TODAY).rows
    # 2025: c1, c2, c4 handled (c3 opened 2026), c1 graduated; 2026: c1, c2, c3 (c4 closed
    # 2025), c2 graduated
    assert rows == [(2025, 3, 1, 0.3333), (2026, 3, 1, 0.3333)]


def test_graduation_rate_per_social_worker(world):
    rows = reports.graduation_by_worker(world["admin"], TODAY).dicts()
    assert [(r["username"], r["handled"], r["graduated"], r["rate"]) for r in rows] == sorted(
        [
            (world["worker_a"].username, 3, 2, 0.6667),
            (world["worker_b"].username, 1, 0, 0.0),
        ]
    )
    assert "Ani Pendamping" in [r["social_worker"] for r in rows]


def test_referral_uptake_per_partner_programme(world):
    rows = reports.referral_uptake(world["admin"], TODAY).rows
    # organisation, programme, referred, waiting, accepted, rejected, completed, revoked, uptake
    assert rows == [
        ("Kementerian UMKM", "Kredit Usaha Rakyat (KUR) Mikro", 2, 0, 1, 0, 0, 1, 0.5),
        (PNM, "Membina Ekonomi Keluarga Sejahtera (Mekaar)", 3, 1, 0, 1, 1, 0, 0.3333),
    ]


def test_reentry_after_graduation(world):
    assert reports.reentry_after(world["admin"], TODAY).rows == [
        ("graduated", 2, 1, 0.5),
        ("terminated", 1, 0, 0.0),
    ]


def test_empty_reports(make_user):
    admin = make_user("administrator")
    assert reports.graduation_by_year(admin, TODAY).rows == []
    assert reports.referral_uptake(admin, TODAY).rows == []
    assert reports.reentry_after(admin, TODAY).rows == [
        ("graduated", 0, 0, None),
        ("terminated", 0, 0, None),
    ]
    assert Case.objects.count() == 0


def test_the_report_page_and_a_csv_per_table(client, world, django_assert_max_num_queries):
    client.force_login(world["admin"])
    with django_assert_max_num_queries(40):
        page = client.get("/cases/report/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    names = [t["name"] for t in page.context["tables"]]
    assert names == list(reports.REPORTS)
    html = page.content.decode()
    for name in names:
        assert f'href="/cases/report/{name}.csv"' in html
    assert "<td>33.3%</td>" in html  # Mekaar's uptake, a share of 0.3333 in the CSV
    assert "<th>Registered</th>" in html  # stage columns by their names, not their codes
    csv = b"".join(client.get("/cases/report/referrals.csv").streaming_content).decode()
    assert csv.splitlines() == [
        "organisation,programme,referred,now_sent,now_accepted,now_rejected,now_completed,"
        "now_revoked,uptake",
        "Kementerian UMKM,Kredit Usaha Rakyat (KUR) Mikro,2,0,1,0,0,1,0.5",
        f"{PNM},Membina Ekonomi Keluarga Sejahtera (Mekaar),3,1,0,1,1,0,0.3333",
    ]
    durations = b"".join(client.get("/cases/report/durations.csv").streaming_content).decode()
    assert "assessed,0,\n" in durations
    assert client.get("/cases/report/bogus.csv").status_code == 404


def test_partners_may_not_read_reports(client, make_user):
    client.force_login(make_user("partner_agency", organisation=PNM))
    assert client.get("/cases/report/").status_code == 403
    assert client.get("/cases/report/stages.csv").status_code == 403


def test_the_dashboards_journey_counts_every_case_of_the_region(case, make_user, move):
    from django.core.exceptions import PermissionDenied

    from sejahtera.cases.reports import region_journey

    stages, graduation = region_journey(make_user("ministry_analyst"), "", TODAY)
    assert dict(stages.rows)["registered"] == 1
    assert [row["handled"] for row in graduation.dicts()] == [1]
    bandung = make_user("district_office", "3273")
    assert dict(region_journey(bandung, "", TODAY)[0].rows)["registered"] == 0
    assert dict(region_journey(bandung, "3201", TODAY)[0].rows)["registered"] == 0  # not hers
    with pytest.raises(PermissionDenied):
        region_journey(make_user("village_operator", "3201011002"), "", TODAY)
