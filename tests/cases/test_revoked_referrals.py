"""After a referral is revoked (the family withdrew consent) the partner agency sees that it
was revoked, and nothing more of the family: not on its page, not through the API."""

import pytest

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.cases import services
from sejahtera.cases.models import Referral

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrals(case, worker):
    def send(programme):
        return services.send_referral(
            actor=worker,
            case=case,
            programme=programme,
            consent_method="signed",
            today=TODAY,
        )

    active, revoked = send("PNM_MEKAAR"), send("PNM_MEKAAR")
    services.update_referral(actor=worker, referral=revoked, status="revoked", today=TODAY)
    return active, revoked


@pytest.fixture
def partner(make_user):
    return make_user(Role.PARTNER_AGENCY, organisation="PT Permodalan Nasional Madani (PNM)")


def test_the_partner_page_shows_only_that_a_referral_was_revoked(client, partner, referrals):
    active, revoked = referrals
    client.force_login(partner)
    rows = {r["id"]: r for r in client.get("/partner/").context["referrals"]}
    assert rows[active.pk]["name"] == "Siti Aminah"
    assert rows[revoked.pk]["status"] == Referral.Status.REVOKED
    assert rows[revoked.pk]["name"] == rows[revoked.pk]["region"] == ""
    page = client.get("/partner/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("Siti Aminah") == 1
    assert "withdrew its consent" in page


def test_the_api_shows_only_that_a_referral_was_revoked(client, partner, referrals):
    _active, revoked = referrals
    _token, secret = create_token(partner, "t", [ApiToken.Scope.CASES])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    items = {r["id"]: r for r in client.get("/api/v1/referrals", **auth).json()["items"]}
    gone = items[revoked.pk]
    assert gone["status"] == "revoked"
    assert (gone["name"], gone["region"], gone["region_code"]) == ("", "", "")
    assert "Bogor" not in str(gone)
    # and it can no longer be acted on
    answer = client.post(
        f"/api/v1/referrals/{revoked.pk}",
        {"status": "accepted", "outcome": ""},
        content_type="application/json",
        **auth,
    )
    assert answer.status_code == 422
    assert "Siti" not in answer.content.decode()
