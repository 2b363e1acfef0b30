"""A referral sent twice (the form posted twice, the API request retried with its
Idempotency-Key) is sent once."""

import pytest

from sejahtera.cases.models import Referral

pytestmark = pytest.mark.django_db


def test_a_referral_posted_twice_sends_one_referral(client, case, worker, one_time_key):
    client.force_login(worker)
    key = one_time_key(client.get(f"/cases/{case.pk}/referral/").content.decode())
    form = {"programme": "KUR_MIKRO", "consent_method": "signed", "consent_by": "self"}
    for _ in range(2):
        response = client.post(f"/cases/{case.pk}/referral/", {**form, "submission_key": key})
        assert response.status_code == 302
    assert Referral.objects.filter(case=case).count() == 1


def test_an_api_referral_retried_with_its_key_is_sent_once(api_post, case, worker):
    body = {"programme": "KUR_MIKRO", "consent_method": "signed"}
    path = f"/api/v1/cases/{case.pk}/referrals"
    answers = [api_post(worker, path, body, "ref-1") for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Referral.objects.filter(case=case).count() == 1


def test_a_refused_api_request_stores_nothing(api_post, case, worker):
    path = f"/api/v1/cases/{case.pk}/referrals"
    body = {"programme": "KUR_MIKRO", "consent_method": "none"}
    assert api_post(worker, path, body, "ref-2").status_code == 422
    fixed = api_post(worker, path, {**body, "consent_method": "signed"}, "ref-3")
    assert fixed.status_code == 201
