"""An import in a real browser: files uploaded through the form, the import followed until it
ends, its rejected rows listed on the page in Indonesian, then its warnings.
Screenshots: artifacts/screenshots/import-*.png."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role
from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES

pytestmark = pytest.mark.django_db(transaction=True)


def households_csv(path) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HOUSEHOLD_COLUMN_NAMES, restval="")
    writer.writeheader()
    writer.writerow({"household_id": "H-OK", "region_code": "3201011002"})
    writer.writerow({"household_id": "H-BAD", "region_code": "9999999999"})
    writer.writerow({"household_id": "H-FAR", "region_code": "3273011001"})  # Bandung
    path.write_text(buffer.getvalue())
    return str(path)


def test_an_office_sees_the_rows_its_import_rejected(
    page_for, shoot, live_server, make_user, tmp_path
):
    page = page_for(make_user(Role.DISTRICT_OFFICE, "3201"))
    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("#id_households", households_csv(tmp_path / "rumah-tangga-desa.csv"))
    page.click("button.primary[type=submit]")
    page.wait_for_url("**/imports/*/")
    page.locator("#import-state", has_text="Selesai").wait_for(timeout=60_000)
    page.reload()  # the finished page lists the report
    rows = page.locator("#report-lines tbody tr")
    expect(rows).to_have_count(2)
    text = page.locator("#report-lines").inner_text()
    assert "H-BAD" in text
    assert "bukan kode desa/kelurahan dalam daftar resmi" in text
    assert "H-FAR" in text
    assert "di luar wilayah Anda" in text
    assert "rumah-tangga-desa.csv" in text
    shoot(page, "import-rejected-rows")

    page.click("nav.tabs a:has-text('Peringatan')")
    page.wait_for_url("**show=warnings")
    assert "Tidak ada peringatan." in page.locator("#report-lines").inner_text()
