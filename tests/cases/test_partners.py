"""Referrals go to programmes of the partner catalogue: the form offers the ones the family
fits first, an unknown code is refused, the agency and programme are copied as they read, an
office may ship its own catalogue, and the uptake report is per programme."""

from __future__ import annotations

import pytest

from sejahtera.cases import services
from sejahtera.cases.partners import SHIPPED_CATALOGUE, catalogue, programmes_for

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def codes(refused):
    return [f.code for f in refused.value.findings]


def test_a_referral_names_a_catalogue_programme_and_copies_it(case, worker):
    referral = services.send_referral(
        actor=worker, case=case, programme="PBK_BLK", consent_method="signed", today=TODAY
    )
    assert (referral.programme_code, referral.organisation, referral.programme) == (
        "PBK_BLK",
        "Kementerian Ketenagakerjaan",
        "Pelatihan Berbasis Kompetensi di Balai Latihan Kerja",
    )
    assert case.events.get(kind="referral").facts["programme"] == "PBK_BLK"
    with pytest.raises(services.TransitionRefused) as refused:
        services.send_referral(
            actor=worker, case=case, programme="KUR", consent_method="signed", today=TODAY
        )
    assert codes(refused) == ["REFERRAL_PROGRAMME_UNKNOWN"]
    assert case.referrals.count() == 1


def test_the_family_is_offered_the_programmes_it_fits_first(case, on_track):
    # Siti (35, a woman) and Budi (11): no targeting run yet, so no decile
    on_track(case, "business")
    fits = programmes_for(case, TODAY)
    fitting = [f.programme.code for f in fits if f.fits]
    assert fitting == ["KUR_MIKRO", "UMI"]  # Mekaar and the decile programmes need a decile
    assert [f.programme.code for f in fits][: len(fitting)] == fitting
    unmet = {f.programme.code: f.unmet for f in fits}
    assert unmet["PRAKERJA"] == ("PARTNER_TRACK",)
    assert unmet["PNM_MEKAAR"] == ("PARTNER_DECILE",)
    assert unmet["PIP"] == ("PARTNER_DECILE",)  # Budi is of school age


def test_the_referral_page_groups_the_programmes_and_shows_who_they_are_for(
    client, case, worker, on_track
):
    on_track(case, "employment")
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/referral/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    fits_group = page.index('label="Cocok untuk keluarga ini"')
    others_group = page.index('label="Program lain"')
    assert fits_group < page.index('value="PRAKERJA"') < others_group
    assert others_group < page.index('value="KUR_MIKRO"')
    assert 'data-programme="PRAKERJA" data-fits="yes"' in page
    assert "jalur kerja pemberdayaan" in page
    saved = client.post(
        f"/cases/{case.pk}/referral/",
        {"programme": "PRAKERJA", "consent_method": "signed", "consent_by": "self"},
    )
    assert saved.status_code == 302
    assert case.referrals.get().organisation == "Manajemen Pelaksana Program Kartu Prakerja"


def test_an_office_may_ship_its_own_catalogue(settings, tmp_path, case, worker):
    own = tmp_path / "programmes.toml"
    own.write_text(
        '[[programme]]\ncode = "BEDAH_RUMAH"\nagency = "Dinas Perumahan Kabupaten Bogor"\n'
        'name = "Bedah rumah"\ngives = "Perbaikan rumah tidak layak huni"\n'
        'contact = "Dinas Perumahan"\n',
        encoding="utf-8",
    )
    settings.SEJAHTERA_PARTNER_PROGRAMMES = str(own)
    assert [p.code for p in catalogue()] == ["BEDAH_RUMAH"]
    referral = services.send_referral(
        actor=worker, case=case, programme="BEDAH_RUMAH", consent_method="signed", today=TODAY
    )
    assert referral.organisation == "Dinas Perumahan Kabupaten Bogor"
    settings.SEJAHTERA_PARTNER_PROGRAMMES = ""
    assert catalogue()[0].code == "KUR_MIKRO"
    assert SHIPPED_CATALOGUE.exists()
