"""Decree pages: prepared by one person, read as a diff by region, approved by another."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format

from sejahtera.accounts.models import Role
from sejahtera.programmes.models import Decree, Enrolment
from sejahtera.registry.models import Person
from sejahtera.targeting.services import run_targeting_for_registry
from sejahtera.web.templatetags.sejahtera import rupiah

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_a_decree_is_prepared_read_and_approved_by_a_second_person(
    client, make_user, manager, population
):
    run = run_targeting_for_registry(AS_OF)
    client.force_login(manager)
    assert 'href="/programmes/decrees/"' in client.get("/targeting/").content.decode()  # menu
    response = client.post(
        "/programmes/decrees/",
        {"programme": "SEMBAKO", "period_start": "2026-07-01", "run": run.pk},
    )
    decree = Decree.objects.get()
    assert response.url == f"/programmes/decrees/{decree.pk}/"
    page = client.get(response.url).content.decode()
    assert "Rancangan ini menunggu orang kedua" in page
    assert 'id="decide"' not in page  # the preparer does not decide
    assert 'data-line-change="new"' in page
    line = decree.lines.filter(person__isnull=True).first()
    assert f">{line.household.members.get(relationship='head').full_name}</a>" in page
    assert 'data-region="32"' in page
    bogor = client.get(response.url, {"region": "32"}).content.decode()
    assert 'data-region="3201"' in bogor

    refused = client.post(
        f"/programmes/decrees/{decree.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert (
        "Anda menyusun atau mengubah penetapan ini: orang kedua yang menyetujuinya."
        in refused.content.decode()
    )
    assert not Enrolment.objects.exists()

    client.force_login(make_user(Role.ADMINISTRATOR))
    to_decide = client.get(response.url).content.decode()
    assert 'id="decide"' in to_decide
    # approving asks first, naming what it does
    enrolled, cost = decree.totals["enrolled"], rupiah(decree.totals["yearly_cost"])
    assert (
        f'data-confirm="Setujui penetapan ini? Kepesertaan langsung berubah: {enrolled} peserta '
        f'sesudahnya, {cost} setahun."'
    ) in to_decide
    client.post(f"/programmes/decrees/{decree.pk}/decide/", {"decision": "approve"})
    decree.refresh_from_db()
    assert decree.status == Decree.Status.APPROVED
    assert Enrolment.objects.count() == decree.totals["enrolled"]


def test_a_decree_is_prepared_by_default_for_the_first_of_next_month(client, manager):
    client.force_login(manager)
    page = client.get("/programmes/decrees/").content.decode()
    today = date.today()
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert f'name="period_start" value="{first.isoformat()}"' in page


def test_the_pages_refuse_a_period_years_away_or_mid_month(client, manager, population):
    """The decree and cycle forms refuse what the API refuses, on the page, not with a 500."""
    from sejahtera.programmes.models import Cycle

    run = run_targeting_for_registry(AS_OF)
    client.force_login(manager)
    for start in ("2026-07-15", "9999-12-01", "0001-01-01"):
        body = {"programme": "SEMBAKO", "period_start": start, "run": run.pk}
        page = client.post("/programmes/decrees/", body, **EN)
        assert page.status_code == 200
        assert start in page.content.decode()
    for start in ("9999-10-01", "1999-12-01"):
        page = client.post("/programmes/cycles/", {"programme": "PKH", "period_start": start}, **EN)
        assert page.status_code == 200
        assert "a period starts from Jan. 1, 2000 to " in page.content.decode()
    assert not Decree.objects.exists()
    assert not Cycle.objects.exists()


def test_an_office_reads_its_regions_lines_only(client, make_user, manager, population):
    from sejahtera.programmes import services

    decree = services.prepare_decree(manager, "SEMBAKO", AS_OF, run_targeting_for_registry(AS_OF))
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    page = client.get(f"/programmes/decrees/{decree.pk}/").content.decode()
    assert 'data-region="32"' in page
    bandung = client.get(f"/programmes/decrees/{decree.pk}/", {"region": "32"}).content.decode()
    assert 'data-region="3273"' in bandung
    assert 'data-region="3201"' not in bandung
    assert client.post("/programmes/decrees/", {"programme": "SEMBAKO"}).status_code == 403
    assert (
        client.post(f"/programmes/decrees/{decree.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )


@pytest.mark.parametrize("role", [Role.VILLAGE_OPERATOR, Role.SOCIAL_WORKER, Role.PARTNER_AGENCY])
def test_roles_without_delivery_work_do_not_see_decrees(client, make_user, role):
    client.force_login(
        make_user(
            role,
            "3201011002"
            if role == Role.VILLAGE_OPERATOR
            else "3201"
            if role == Role.SOCIAL_WORKER
            else None,
            organisation="Bank BRI",
        )
    )
    assert client.get("/programmes/decrees/").status_code == 403


def test_the_household_page_shows_what_the_family_receives(client, make_user, manager, population):
    from sejahtera.programmes import cycles, services

    run = run_targeting_for_registry(AS_OF)
    draft = services.prepare_decree(manager, "SEMBAKO", AS_OF, run)
    services.approve_decree(make_user(Role.ADMINISTRATOR), draft)
    cycles.open_cycle(manager, "SEMBAKO", AS_OF)
    enrolled = Enrolment.objects.filter(region_code__startswith="3201").first()
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/households/{enrolled.household_id}/").content.decode()
    assert 'data-enrolment="SEMBAKO" data-status="active"' in page
    assert "Rp\u00a0200.000 per bulan" in page
    assert 'data-entitlement="payable"' in page
    assert "Rp\u00a0400.000" in page


def test_an_analyst_reads_no_pkh_amount_on_the_household_page(client, make_user, enrolled):
    """A PKH amount is the sum of the components the members match (a severe disability, a
    pregnancy): withheld, as the components are, from a role that may not read them."""
    enrolment = Enrolment.objects.filter(
        programme="PKH", household__in=Enrolment.objects.filter(programme="SEMBAKO").values(
            "household_id")
    ).first()  # fmt: skip
    household = f"/registry/households/{enrolment.household_id}/"
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get(household, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = re.search(r'<tr data-enrolment="PKH".*?</tr>', page, re.S).group(0)
    assert "withheld" in row
    assert "Rp" not in row.replace("Amounts (Rp)", "")
    sembako = re.search(r'<tr data-enrolment="SEMBAKO".*?</tr>', page, re.S).group(0)
    assert "Rp\u00a0200,000" in sembako
    client.force_login(make_user(Role.DISTRICT_OFFICE, enrolment.region_code[:4]))
    page = client.get(household, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = re.search(r'<tr data-enrolment="PKH".*?</tr>', page, re.S).group(0)
    assert "withheld" not in row
    assert "Rp\u00a0" in row


def test_a_cycle_is_opened_on_its_page_and_read_by_region(client, make_user, manager, population):
    from sejahtera.programmes import services
    from sejahtera.programmes.models import Cycle

    draft = services.prepare_decree(manager, "SEMBAKO", AS_OF, run_targeting_for_registry(AS_OF))
    services.approve_decree(make_user(Role.ADMINISTRATOR), draft)
    client.force_login(manager)
    response = client.post(
        "/programmes/cycles/", {"programme": "SEMBAKO", "period_start": "2026-07-01"}
    )
    cycle = Cycle.objects.get()
    assert response.url == f"/programmes/cycles/{cycle.pk}/"
    page = client.get(response.url).content.decode()
    assert 'data-region="3201"' in page
    assert f"{cycle.totals['payable']['lines']}</div>" in page
    again = client.post(
        "/programmes/cycles/", {"programme": "SEMBAKO", "period_start": "2026-07-15"}
    )
    assert "siklus dimulai pada tanggal 1" in again.content.decode()  # in Indonesian
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    bandung = client.get(response.url).content.decode()
    assert 'data-region="3201"' not in bandung
    assert client.post("/programmes/cycles/", {"programme": "SEMBAKO"}).status_code == 403


def test_the_annex_lists_a_regencys_beneficiaries_as_pdf_and_csv(
    client, make_user, manager, population
):
    import io

    import pypdf

    from sejahtera.accounts.models import SensitiveAccess
    from sejahtera.programmes import services

    draft = services.prepare_decree(manager, "SEMBAKO", AS_OF, run_targeting_for_registry(AS_OF))
    decree = services.approve_decree(
        make_user(Role.ADMINISTRATOR, first_name="Sari", last_name="Admin"), draft
    )
    bogor = Enrolment.objects.filter(region_code__startswith="3201")
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    assert (
        f"/programmes/decrees/{decree.pk}/annex.pdf?regency=3201"
        in client.get(f"/programmes/decrees/{decree.pk}/", {"region": "32"}).content.decode()
    )
    pdf = client.get(f"/programmes/decrees/{decree.pk}/annex.pdf", {"regency": "3201"})
    pages = pypdf.PdfReader(io.BytesIO(pdf.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())  # no-break spaces too
    assert "Republik Indonesia KEMENTERIAN SOSIAL" in text
    assert "LAMPIRAN: PENERIMA MANFAAT SEMBAKO" in text
    assert f"Nomor: {decree.pk}/SK-SEMBAKO/" in text
    total = f"{bogor.count() * 2_400_000:,}".replace(",", ".")
    assert f"Penerima manfaat : {bogor.count()} · Rp {total} per tahun" in text
    assert "Sari Admin" in text
    assert "Halaman 1 / 1" in text
    exported = SensitiveAccess.objects.get(user=office, entity="household_export")
    assert (exported.action, len(exported.record_ids)) == ("export", bogor.count())
    csv = b"".join(
        client.get(
            f"/programmes/decrees/{decree.pk}/annex.csv", {"regency": "3201"}
        ).streaming_content
    ).decode()
    assert len(csv.splitlines()) == bogor.count() + 1
    assert (
        client.get(f"/programmes/decrees/{decree.pk}/annex.pdf", {"regency": "3273"}).status_code
        == 404
    )


def test_a_programme_that_reveals_a_cluster_stays_with_readers_of_specific_data(
    client, make_user, manager, approver, population
):
    from django.core.exceptions import PermissionDenied

    from sejahtera.programmes import services

    run = run_targeting_for_registry(AS_OF)
    with pytest.raises(PermissionDenied):  # managers may not read who is in ATENSI
        services.prepare_decree(manager, "ATENSI", AS_OF, run)
    decree = services.prepare_decree(approver, "ATENSI", AS_OF, run)
    services.approve_decree(make_user(Role.ADMINISTRATOR), decree)
    enrolled = Enrolment.objects.filter(programme="ATENSI", region_code__startswith="3201").first()
    assert enrolled is not None
    household = f"/registry/households/{enrolled.household_id}/"

    client.force_login(manager)
    assert f'data-decree="{decree.pk}"' not in client.get("/programmes/decrees/").content.decode()
    assert client.get(f"/programmes/decrees/{decree.pk}/").status_code == 404
    assert 'data-enrolment="ATENSI"' not in client.get(household).content.decode()
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert 'data-enrolment="ATENSI"' in client.get(household).content.decode()
    assert client.get(f"/programmes/decrees/{decree.pk}/").status_code == 200


def test_the_change_counts_are_those_of_the_readers_region(client, make_user, manager, population):
    from sejahtera.programmes import services
    from sejahtera.programmes.models import DecreeLine

    decree = services.prepare_decree(manager, "SEMBAKO", AS_OF, run_targeting_for_registry(AS_OF))
    bandung = DecreeLine.objects.filter(decree=decree, region_code__startswith="3273").count()
    assert 0 < bandung < decree.totals["by_change"]["new"]
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    page = client.get(f"/programmes/decrees/{decree.pk}/").content.decode()
    assert f'data-change="new"><div class="value">{bandung}</div>' in page


def test_reasons_read_in_indonesian(client, make_user, manager, approver, population):
    from sejahtera.domain.delivery import Suspension
    from sejahtera.programmes import cycles, services

    run = run_targeting_for_registry(AS_OF)
    services.approve_decree(approver, services.prepare_decree(manager, "SEMBAKO", AS_OF, run))
    enrolment = Enrolment.objects.filter(region_code__startswith="3201").first()
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    cycles.suspend(office, enrolment, Suspension.CONDITIONALITY)
    cycles.open_cycle(manager, "SEMBAKO", AS_OF)
    client.force_login(office)
    page = client.get(f"/registry/households/{enrolment.household_id}/").content.decode()
    assert "Ditangguhkan (komitmen PKH tidak dipenuhi)" in page
    assert "conditionality" not in page


@pytest.fixture
def sent_cycle(settings, tmp_path, manager, enrolled):
    """The July SEMBAKO cycle, opened and its batches built (files under ``tmp_path``)."""
    from sejahtera.programmes import cycles, disbursement

    settings.MEDIA_ROOT = tmp_path
    cycle = cycles.open_cycle(manager, "SEMBAKO", AS_OF)
    disbursement.build_batches(manager, cycle)
    return cycle


def test_batches_are_built_downloaded_and_settled_from_their_pages(
    client, settings, tmp_path, manager, enrolled
):
    from sejahtera.accounts.models import SensitiveAccess
    from sejahtera.domain.disbursement import reference
    from sejahtera.programmes import cycles
    from sejahtera.programmes.models import Batch, Payment

    settings.MEDIA_ROOT = tmp_path
    cycle = cycles.open_cycle(manager, "SEMBAKO", AS_OF)
    client.force_login(manager)
    page = client.get(f"/programmes/cycles/{cycle.pk}/").content.decode()
    assert 'data-status="not_issued"' in page
    assert "1 Juli 2026 – 31 Agustus 2026" in page  # its last day, not the first day after
    built = client.post(f"/programmes/cycles/{cycle.pk}/batches/", follow=True)
    assert "1 batch dibuat" in built.content.decode()
    batch = Batch.objects.get()
    assert 'data-batch="POS-1"' in built.content.decode()

    file = client.get(f"/programmes/batches/{batch.pk}/file/")
    assert file.content.startswith(b"reference,nik,name,region,amount,period\n")
    assert SensitiveAccess.objects.filter(entity="disbursement_batch").exists()
    manifest = client.get(f"/programmes/batches/{batch.pk}/manifest/").content.decode()
    assert manifest == f"{batch.sha256}  {batch.file_name}\n"

    first, *rest = Payment.objects.filter(batch=batch).order_by("id")
    rows = ["reference,amount,status,reason,paid_on"]
    rows += [f"{reference(p.pk)},{p.amount},paid,,2026-07-21" for p in rest]
    rows += ["SJT0000000999,400000,paid,,", f"{reference(first.pk)},400000,lost,,"]
    upload = SimpleUploadedFile("pos.csv", "\n".join(rows).encode(), "text/csv")
    settled = client.post(f"/programmes/batches/{batch.pk}/", {"file": upload}, follow=True)
    body = settled.content.decode()
    assert f"{len(rest)} baris diselesaikan, 1 ditolak, 1 tidak cocok" in body
    assert "“lost” bukan hasil" in body  # the rejected row, by line and column
    assert 'data-mismatch="extra"' in body
    assert 'data-mismatch="missing"' in body
    # the family is named by its head, as on its household page (a village code said nothing)
    missing = body[body.index('data-mismatch="missing"') :].split("</tr>")[0]
    head = first.household.members.get(relationship="head")
    assert f"{head.full_name}</a>" in missing


def test_offices_read_batches_of_their_region_but_not_their_files(client, make_user, sent_cycle):
    batch = sent_cycle.batches.get()
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    page = client.get(f"/programmes/batches/{batch.pk}/").content.decode()
    assert 'id="result-import"' not in page
    assert 'data-region="3273"' in page
    assert 'data-region="3201"' not in page
    assert client.get(f"/programmes/batches/{batch.pk}/file/").status_code == 403
    assert client.post(f"/programmes/cycles/{sent_cycle.pk}/batches/").status_code == 403


def test_the_household_and_case_pages_show_the_payment_ledger(
    client, make_user, served_case, sent_cycle
):
    from sejahtera.programmes.models import Payment

    payment = Payment.objects.filter(region_code__startswith="3201").first()
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/households/{payment.household_id}/").content.decode()
    assert 'data-ledger="entitled"' in page
    assert 'data-ledger="issued"' in page
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    case = served_case(payment.household, worker, make_user(Role.SUPERVISOR, "3201"))
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-enrolment="SEMBAKO"' in page
    assert 'data-ledger="issued"' in page


READ, SEND = "read", "send"
DELIVERY_ACCESS = [
    (Role.PROGRAMME_MANAGER, None, {READ, SEND}),
    (Role.ADMINISTRATOR, None, {READ, SEND}),
    (Role.MINISTRY_ANALYST, None, {READ}),  # analysts target; managers pay
    (Role.AUDITOR, None, {READ}),
    (Role.PROVINCIAL_OFFICE, "32", {READ}),
    (Role.DISTRICT_OFFICE, "3273", {READ}),
    (Role.SUPERVISOR, "3201", set()),
    (Role.SOCIAL_WORKER, "3201", set()),
    (Role.VILLAGE_OPERATOR, "3201011002", set()),
    (Role.PARTNER_AGENCY, None, set()),
]


@pytest.mark.parametrize(("role", "region", "may"), DELIVERY_ACCESS)
def test_disbursement_access_matrix(client, make_user, sent_cycle, role, region, may):
    """Every disbursement page and download, for every role: read within the region, send
    money (build, download, import) only as a decree maker."""
    batch = sent_cycle.batches.get()
    client.force_login(make_user(role, region, organisation="BRI"))
    reads = [
        f"/programmes/cycles/{sent_cycle.pk}/",
        f"/programmes/batches/{batch.pk}/",
        "/programmes/enrolments/",
    ]
    sends = [f"/programmes/batches/{batch.pk}/file/", f"/programmes/batches/{batch.pk}/manifest/"]
    for path in reads:
        assert client.get(path).status_code == (200 if READ in may else 403), path
    for path in sends:
        assert client.get(path).status_code == (200 if SEND in may else 403), path
    posts = [
        f"/programmes/cycles/{sent_cycle.pk}/batches/",
        f"/programmes/batches/{batch.pk}/",
    ]
    for path in posts:
        assert client.post(path).status_code in ((302, 200) if SEND in may else (403,)), path


def test_an_office_suspends_and_resumes_its_regions_enrolments(client, make_user, enrolled):
    from sejahtera.programmes.models import Enrolment

    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    page = client.get("/programmes/enrolments/", {"programme": "SEMBAKO"}).content.decode()
    assert 'data-waiting="SEMBAKO"' in page
    ours = Enrolment.objects.filter(programme="SEMBAKO", region_code__startswith="3201").first()
    theirs = Enrolment.objects.filter(region_code__startswith="3273").first()
    assert f'data-enrolment="{ours.pk}"' in page
    assert f'data-enrolment="{theirs.pk}"' not in page
    head = ours.household.members.get(relationship="head")
    assert f">{head.full_name}</a>" in page  # whom it pays, by name
    done = client.post(
        f"/programmes/enrolments/{ours.pk}/suspend/",
        {"reason": "conditionality", "query": "programme=SEMBAKO"},
    )
    assert done.url == "/programmes/enrolments/?programme=SEMBAKO"
    ours.refresh_from_db()
    assert (ours.status, ours.suspension) == ("suspended", "conditionality")
    listed = client.get("/programmes/enrolments/", {"status": "suspended"}).content.decode()
    assert "(komitmen PKH tidak dipenuhi)" in listed
    row = re.search(rf'data-enrolment="{ours.pk}".*?</tr>', listed, re.S).group()
    assert date_format(timezone.localdate()) in row  # suspended since today, not since July
    client.post(f"/programmes/enrolments/{ours.pk}/resume/")
    ours.refresh_from_db()
    assert ours.status == "active"
    assert client.post(f"/programmes/enrolments/{theirs.pk}/suspend/").status_code == 404
    for reason in ("whim", ""):  # no reason is chosen for the officer: they choose one
        bad = client.post(f"/programmes/enrolments/{ours.pk}/suspend/", {"reason": reason})
        assert bad.status_code == 302
        ours.refresh_from_db()
        assert ours.status == "active"
        after = client.get(bad.url).content.decode()
        assert "Pilih alasan penangguhan." in after
    assert 'data-confirm="Tangguhkan kepesertaan ini?' in page
    assert '<option value="">— alasan —</option>' in page


def test_an_enrolment_list_is_filtered_by_a_region_name(client, make_user, enrolled):
    """An officer types the name of a place, not its code; a name that means nothing or
    several places finds nothing and says why."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    page = client.get("/programmes/enrolments/", {"region": "karadenan"}).content.decode()
    assert 'value="3201011002"' in page
    assert "Tidak ada wilayah" not in page
    nothing = client.get("/programmes/enrolments/", {"region": "Atlantis"}).content.decode()
    assert "Tidak ada wilayah di area Anda yang bernama “Atlantis”." in nothing
    assert "data-enrolment=" not in nothing
    # Bandung's villages are outside the office's area: not found, not shown
    outside = client.get("/programmes/enrolments/", {"region": "Kota Bandung"}).content.decode()
    assert "data-enrolment=" not in outside


def test_an_enrolment_is_found_by_a_members_name_or_nik(client, make_user, enrolled):
    """A family asks at the office: the officer types its name, as on the registry search."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    enrolment = Enrolment.objects.filter(region_code__startswith="3201", person__isnull=True)[0]
    head = enrolment.household.members.get(relationship="head")
    if not head.nik:
        Person.objects.filter(pk=head.pk).update(nik="3201014508900077")
        head.refresh_from_db()
    by_name = client.get("/programmes/enrolments/", {"q": head.full_name.upper()})
    assert f'data-enrolment="{enrolment.pk}"' in by_name.content.decode()
    # a NIK typed in groups, as on the KTP, finds the family's enrolments and no other
    by_nik = client.get("/programmes/enrolments/", {"q": f"{head.nik[:4]} {head.nik[4:]}"})
    listed = set(re.findall(r'data-enrolment="(\d+)"', by_nik.content.decode()))
    household_units = Enrolment.objects.filter(household=enrolment.household)
    assert str(enrolment.pk) in listed
    assert listed <= {str(pk) for pk in household_units.values_list("pk", flat=True)}
    nobody = client.get("/programmes/enrolments/", {"q": "Tidak Ada Orang Ini"}).content.decode()
    assert "data-enrolment=" not in nobody


@pytest.mark.parametrize(
    ("role", "region", "status"),
    [
        (Role.AUDITOR, None, 403),  # reads, does not act
        (Role.SOCIAL_WORKER, "3201", 403),
        (Role.VILLAGE_OPERATOR, "3201011002", 403),
    ],
)
def test_only_offices_and_managers_suspend(client, make_user, enrolled, role, region, status):
    from sejahtera.programmes.models import Enrolment

    enrolment = Enrolment.objects.filter(region_code__startswith="3201").first()
    client.force_login(make_user(role, region))
    response = client.post(f"/programmes/enrolments/{enrolment.pk}/suspend/", {"reason": "moved"})
    assert response.status_code == status
    enrolment.refresh_from_db()
    assert enrolment.status == "active"


def test_a_long_step_shows_its_progress_until_it_is_done(
    client, settings, tmp_path, make_user, manager, enrolled
):
    from sejahtera.programmes import jobs
    from sejahtera.programmes.models import DeliveryJob

    settings.MEDIA_ROOT = tmp_path
    job = DeliveryJob.objects.create(  # as queued for a worker that has not taken it yet
        kind="open_cycle", programme="SEMBAKO", period_start=AS_OF, started_by=manager
    )
    client.force_login(manager)
    page = client.get(f"/programmes/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "<progress" in page

    jobs.run_delivery_job.func(job.pk)  # what the worker does
    job.refresh_from_db()
    assert (job.status, job.progress["stage"]) == ("done", "done")
    polled = client.get(f"/programmes/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert polled["HX-Redirect"] == f"/programmes/cycles/{job.cycle_id}/"

    client.force_login(make_user(Role.ADMINISTRATOR))  # someone else's job
    assert client.get(f"/programmes/jobs/{job.pk}/").status_code == 404
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert client.get(f"/programmes/jobs/{job.pk}/").status_code == 403


def test_a_failed_step_says_why(client, make_user, manager, enrolled, monkeypatch):
    from sejahtera.programmes import cycles, jobs
    from sejahtera.programmes.models import DeliveryJob

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(cycles, "open_cycle", broken)
    job = DeliveryJob.objects.create(
        kind="open_cycle", programme="SEMBAKO", period_start=AS_OF, started_by=manager
    )
    jobs.run_delivery_job.func(job.pk)
    client.force_login(manager)
    page = client.get(f"/programmes/jobs/{job.pk}/").content.decode()
    assert "the database went away" in page
    assert 'hx-trigger="every 2s"' not in page
