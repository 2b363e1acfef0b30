"""A referral shares a person's data with a partner only with a consent record: the person's
own, or for a child (and a person whose disability calls for it) a named adult parent's or
guardian's. The partner sees who it is for and who consented; withdrawing the consent revokes
the referral."""

from __future__ import annotations

import pytest

from sejahtera.accounts.models import Role
from sejahtera.cases import selectors, services
from sejahtera.cases.models import ConsentRecord, Referral
from sejahtera.registry.services.records import update_person

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def codes(refused):
    return [f.code for f in refused.value.findings]


@pytest.fixture
def members(family):
    return {p.full_name: p for p in family.members.all()}


def refer(worker, case, **consent):
    return services.send_referral(actor=worker, case=case, programme="PIP", today=TODAY, **consent)


def test_a_childs_referral_needs_a_parents_consent(case, worker, members, make_user):
    child, mother = members["Budi"], members["Siti Aminah"]
    with pytest.raises(services.TransitionRefused) as refused:
        refer(worker, case, person=child, consent_method="signed")
    assert codes(refused) == ["CONSENT_GUARDIAN_NEEDED"]
    with pytest.raises(services.TransitionRefused) as refused:
        refer(worker, case, person=child, consent_method="signed", consent_by="parent")
    assert codes(refused) == ["CONSENT_GIVER_NAME_MISSING"]
    with pytest.raises(services.TransitionRefused) as refused:
        refer(worker, case, person=mother, consent_by="guardian", consent_giver_name="X",
              consent_method="signed")  # fmt: skip
    assert codes(refused) == ["CONSENT_NOT_OWN"]
    assert not Referral.objects.exists()

    referral = refer(
        worker,
        case,
        person=child,
        consent_method="thumbprint",
        consent_by="parent",
        consent_giver=mother,
    )
    consent = referral.consent
    assert (consent.subject, consent.given_by, consent.giver, consent.giver_name) == (
        child,
        "parent",
        mother,
        "Siti Aminah",
    )
    assert (consent.method, consent.given_on, consent.recorded_by) == ("thumbprint", TODAY, worker)

    partner = make_user(Role.PARTNER_AGENCY, organisation=referral.organisation)
    [seen] = selectors.referrals_for_partner(partner)
    view = selectors.partner_view(seen)
    assert (view["name"], view["consent_by"], view["guardian"]) == ("Budi", "parent", "Siti Aminah")

    services.update_referral(
        actor=worker, referral=referral, status="revoked", outcome="ibu menarik", today=TODAY
    )
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY
    assert selectors.partner_view(Referral.objects.get())["guardian"] == ""


def test_a_guardian_consents_for_an_adult_whose_disability_calls_for_it(
    case, worker, members, family, make_user
):
    mother = members["Siti Aminah"]
    admin = make_user(Role.ADMINISTRATOR)
    cells = {
        "full_name": mother.full_name,
        "nik": mother.nik,
        "sex": "P",
        "birth_date": "1990-08-05",
        "relationship": "head",
        "disability": "intellectual",
        "disability_severity": "severe",
    }
    update_person(actor=admin, person=mother, cells=cells, expected_version=mother.version)
    with pytest.raises(services.TransitionRefused) as refused:
        refer(worker, case, consent_method="signed")  # the head, consenting alone
    assert codes(refused) == ["CONSENT_GUARDIAN_NEEDED"]
    with pytest.raises(services.TransitionRefused) as refused:
        refer(worker, case, consent_method="signed", consent_by="guardian",
              consent_giver=members["Budi"])  # fmt: skip
    assert codes(refused) == ["CONSENT_GIVER_UNFIT"]
    with pytest.raises(services.TransitionRefused) as refused:
        refer(worker, case, consent_method="signed", consent_by="guardian",
              consent_giver=mother)  # fmt: skip
    assert codes(refused) == ["CONSENT_GIVER_UNFIT"]  # her own guardian
    referral = refer(
        worker, case, consent_method="signed", consent_by="guardian",
        consent_giver_name="Ahmad (adik, wali)",
    )  # fmt: skip
    assert referral.consent.subject == mother
    assert ConsentRecord.objects.count() == 1


def test_the_api_records_consent_for_a_member(api_post, case, worker, members):
    path = f"/api/v1/cases/{case.pk}/referrals"
    child, mother = members["Budi"], members["Siti Aminah"]
    body = {"programme": "PIP", "person_id": child.pk, "consent_method": "signed"}
    refused = api_post(worker, path, body, "c-1")
    assert refused.status_code == 422
    assert "CONSENT_GUARDIAN_NEEDED" in refused.content.decode()
    body |= {"consent_by": "parent", "consent_giver_id": mother.pk}
    sent = api_post(worker, path, body, "c-2")
    assert sent.status_code == 201, sent.content
    assert Referral.objects.get().consent.giver == mother
    elsewhere = api_post(worker, path, body | {"person_id": 10**9}, "c-3")
    assert elsewhere.status_code in (404, 422)


def test_the_referral_form_records_a_parents_consent(client, case, worker, members, make_user):
    child, mother = members["Budi"], members["Siti Aminah"]
    client.force_login(worker)
    form = {
        "programme": "PIP",
        "person": child.pk,
        "consent_method": "signed",
        "consent_by": "self",
    }
    refused = client.post(f"/cases/{case.pk}/referral/", form, HTTP_ACCEPT_LANGUAGE="id")
    assert "persetujuan orang tua atau wali" in refused.content.decode()
    saved = client.post(
        f"/cases/{case.pk}/referral/",
        form | {"consent_by": "parent", "consent_giver": mother.pk},
    )
    assert saved.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-consent="parent"' in page
    partner = make_user(Role.PARTNER_AGENCY, organisation=Referral.objects.get().organisation)
    client.force_login(partner)
    assert "data-guardian" in client.get("/partner/").content.decode()


def test_the_childs_and_the_parents_data_copies_hold_the_consent(client, case, worker, members):
    child, mother = members["Budi"], members["Siti Aminah"]
    refer(worker, case, person=child, consent_method="signed", consent_by="parent",
          consent_giver=mother)  # fmt: skip
    client.force_login(worker)
    for person in (child, mother):
        copy = client.get(f"/registry/persons/{person.pk}/personal-data.json").json()
        [consent] = copy["consents"]
        assert (consent["subject_id"], consent["giver_name"]) == (child.pk, "Siti Aminah")
        assert consent["programme"] == "Program Indonesia Pintar (PIP)"


def test_the_partner_sees_whom_the_consent_covers_after_the_family_changes_head(
    case, worker, members, make_user
):
    mother = members["Siti Aminah"]
    referral = refer(worker, case, consent_method="signed")  # the head, her own consent
    assert referral.person == mother
    admin = make_user(Role.ADMINISTRATOR)
    cells = {
        "full_name": "Budi", "sex": "L", "birth_date": "2015-01-01", "relationship": "head",
    }  # fmt: skip
    update_person(actor=admin, person=members["Budi"], cells=cells,
                  expected_version=members["Budi"].version)  # fmt: skip
    assert selectors.partner_view(Referral.objects.get())["name"] == "Siti Aminah"
