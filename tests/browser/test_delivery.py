"""Programme delivery in a real browser, in Indonesian: a programme manager prepares a decree
from a run, an administrator approves it (the preparer cannot), the manager opens its first payment
cycle, builds its disbursement batch, downloads the file, imports the channel's result and
reads the reconciliation. Screenshots: artifacts/screenshots/delivery-*.png."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role
from sejahtera.programmes.models import Enrolment
from sejahtera.targeting.services import run_targeting_for_registry

from ..targeting.conftest import POOR

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_decree_is_prepared_approved_by_another_and_paid_in_a_cycle(
    page_for, shoot, live_server, make_user, household_factory, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    for i in range(4):
        head = {
            "full_name": f"Ibu {i}",
            "sex": "P",
            "birth_date": "1980-01-01",
            "relationship": "head",
            "employment": "informal",
            "monthly_income_idr": "500000",
        }
        household_factory("3201011002", members=[head], **POOR)
    run = run_targeting_for_registry(date.today())
    manager = make_user(Role.PROGRAMME_MANAGER, first_name="Budi", last_name="Pengelola")
    administrator = make_user(Role.ADMINISTRATOR, first_name="Sari", last_name="Admin")

    page = page_for(manager)
    page.goto(f"{live_server.url}/programmes/decrees/")
    page.select_option("#id_programme", "SEMBAKO")
    page.fill("#id_period_start", "2027-01-01")
    page.select_option("#id_run", str(run.pk))
    page.click("#prepare button.primary")
    page.wait_for_url(re.compile(r"/programmes/decrees/\d+/$"))
    assert "Rancangan" in page.locator("#decree-status").inner_text()
    expect(page.locator("#decide")).to_have_count(0)  # the preparer does not decide
    new = int(page.locator("[data-change=new] .value").inner_text())
    assert new > 0
    shoot(page, "delivery-01-draft")
    decree_url = page.url

    second = page_for(administrator)
    second.goto(decree_url)
    second.confirms = False  # asked first, the approver thinks again: nothing happens
    second.click("#decide button[value=approve]")
    assert second.confirmations[0].startswith("Setujui penetapan ini? Kepesertaan langsung")
    assert not Enrolment.objects.exists()
    second.confirms = True
    with second.expect_navigation():
        second.click("#decide button[value=approve]")
    assert "Disetujui" in second.locator("#decree-status").inner_text()
    assert Enrolment.objects.filter(programme="SEMBAKO", ended_on=None).count() == new
    shoot(second, "delivery-02-approved")

    page.goto(f"{live_server.url}/programmes/cycles/")
    page.select_option("#id_programme", "SEMBAKO")
    page.fill("#id_period_start", "2027-01-01")
    page.click("#open-cycle button.primary")
    page.wait_for_url(re.compile(r"/programmes/cycles/\d+/$"))
    assert page.locator("[data-status=payable] .value").inner_text() == str(new)
    owed = f"Rp\u00a0{new * 400_000:,}".replace(",", ".")  # two months of Rp 200.000 each
    assert owed in page.locator("#cycle-regions").inner_text()
    shoot(page, "delivery-03-cycle")

    page.click("#build-batches")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-batch='POS-1']")).to_have_count(1)
    shoot(page, "delivery-04-batches")
    page.click("[data-batch='POS-1'] a")
    page.wait_for_url(re.compile(r"/programmes/batches/\d+/$"))
    with page.expect_download() as download:
        page.click("#batch-file")
    sent = Path(download.value.path()).read_text().splitlines()
    assert sent[0] == "reference,nik,name,region,amount,period"
    assert len(sent) == new + 1
    references = [line.split(",")[0] for line in sent[1:]]
    result = tmp_path / "hasil-pos.csv"
    rows = [f"{ref},400000,paid,,2027-01-20" for ref in references[1:]]
    rows.append(f"{references[0]},400000,failed,tidak diambil,")
    result.write_text("reference,amount,status,reason,paid_on\n" + "\n".join(rows) + "\n")
    page.set_input_files("#id_file", str(result))
    page.click("#result-import button.primary")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-status=paid] .value").inner_text() == str(new - 1)
    assert page.locator("[data-status=failed] .value").inner_text() == "1"
    assert page.locator("[data-status=mismatches] .value").inner_text() == "0"
    assert "diselesaikan" in page.locator(".messages, [role=status], body").first.inner_text()
    shoot(page, "delivery-05-reconciliation")

    page.click(".breadcrumbs a >> nth=1")
    page.click("#build-batches")  # the failed line, sent again
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-batch='POS-2']")).to_have_count(1)
    assert page.locator("#reconciliation [data-status=issued] .value").inner_text() == "1"
    shoot(page, "delivery-06-reissued")
