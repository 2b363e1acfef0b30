"""Rehabilitation that is measured: social functioning scored domain by domain before, during
and after ATENSI services, the change shown on the case page and in the journey report, and
the practice steps of ATENSI on the timeline."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.cases import reports, services
from sejahtera.cases.models import Case
from sejahtera.domain.cases import Stage

from .conftest import TODAY

pytestmark = pytest.mark.django_db
BEFORE = {
    "self_care": 3,
    "family_role": 2,
    "social_participation": 2,
    "economic_activity": 1,
    "emotional_stability": 2,
}
AFTER = {**BEFORE, "family_role": 4, "social_participation": 3, "economic_activity": 2}


@pytest.fixture
def in_rehabilitation(case, assess):
    assess(case)
    Case.objects.filter(pk=case.pk).update(stage=Stage.REHABILITATION)
    case.refresh_from_db()
    return case


def test_scores_are_checked_domain_by_domain_and_nothing_is_kept_when_wrong(
    api_post, in_rehabilitation, worker
):
    case = in_rehabilitation
    body = {
        "assessed_on": "2026-01-05",
        "phase": "before",
        "scores": {**BEFORE, "self_care": 7, "hope": 3},
    }
    refused = api_post(worker, f"/api/v1/cases/{case.pk}/functioning", body, "f-1")
    assert refused.status_code == 422
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        ("case.self_care", "CASE_FUNCTIONING_SCORES_INVALID"),
        ("case.hope", "CASE_FUNCTIONING_SCORES_INVALID"),
    }
    assert not case.functioning.exists()
    assert not case.events.filter(kind="functioning").exists()


def test_the_case_page_shows_each_score_and_the_change(client, in_rehabilitation, worker):
    case = in_rehabilitation
    head = case.household.members.get(relationship="head")
    for on, phase, scores in ((date(2026, 1, 5), "before", BEFORE), (TODAY, "after", AFTER)):
        services.record_functioning(
            actor=worker, case=case, person=head, assessed_on=on, phase=phase, scores=scores
        )
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("data-functioning=") == 2
    assert "<strong>10</strong>/25" in page
    assert "<strong>14</strong>/25" in page
    assert 'data-functioning-change="4"' in page
    assert "Family role +2" in page
    assert "Self-care 0" in page
    assert case.events.filter(kind="functioning").count() == 2


def test_the_form_scores_every_domain_on_the_scale(client, in_rehabilitation, worker):
    case = in_rehabilitation
    client.force_login(worker)
    form = client.get(f"/cases/{case.pk}/functioning/", HTTP_ACCEPT_LANGUAGE="id")
    html = form.content.decode()
    assert "Perawatan diri" in html
    assert "5 — melakukannya secara mandiri" in html
    saved = client.post(
        f"/cases/{case.pk}/functioning/",
        {"assessed_on": "2026-01-05", "phase": "before", "notes": "awal", **BEFORE},
    )
    assert saved.status_code == 302
    record = case.functioning.get()
    assert (record.total, record.person, record.scores) == (10, None, BEFORE)


def test_the_practice_steps_of_atensi_are_on_the_timeline(
    api_post, client, in_rehabilitation, worker
):
    case = in_rehabilitation
    for step in ("engagement", "assessment", "plan"):
        body = {"step": step, "on": "2026-01-05", "note": f"{step} done"}
        assert (
            api_post(worker, f"/api/v1/cases/{case.pk}/atensi-steps", body, step).status_code == 201
        )
    bad = {"step": "prayer", "on": "2026-01-05"}
    assert api_post(worker, f"/api/v1/cases/{case.pk}/atensi-steps", bad, "x").status_code == 422
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert 'data-atensi-step="engagement"' in page
    assert "Tahap praktik ATENSI: Keterlibatan" in page  # on the timeline, in words
    steps = [e.facts["step"] for e in case.events.filter(kind="atensi_step").order_by("id")]
    assert steps == ["engagement", "assessment", "plan"]
    detail = api_post(
        worker,
        f"/api/v1/cases/{case.pk}/atensi-steps",
        {"step": "intervention", "on": "2026-01-06"},
        "i",
    ).json()["case"]
    assert [s["step"] for s in detail["records"]["atensi_steps"]] == [
        "engagement",
        "assessment",
        "plan",
        "intervention",
    ]
    assert detail["records"]["atensi_steps"][0]["note"] == "engagement done"


def test_the_report_shows_the_change_per_domain(in_rehabilitation, worker, make_user):
    case = in_rehabilitation
    services.record_functioning(
        actor=worker, case=case, assessed_on=date(2026, 1, 5), phase="before", scores=BEFORE
    )
    services.record_functioning(
        actor=worker, case=case, assessed_on=TODAY, phase="after", scores=AFTER
    )
    rows = {row[0]: row[1:] for row in reports.functioning_change(worker, TODAY).rows}
    assert rows["family_role"] == (1, 2.0, 4.0, 2.0, 1.0)
    assert rows["self_care"] == (1, 3.0, 3.0, 0.0, 0.0)
    assert rows["total"] == (1, 10.0, 14.0, 4.0, 1.0)
    elsewhere = make_user("district_office", "3273")
    assert reports.functioning_change(elsewhere, TODAY).rows[-1] == (
        "total",
        0,
        None,
        None,
        None,
        None,
    )


def test_each_score_stands_under_its_domain_whatever_order_the_database_keeps(
    client, in_rehabilitation, worker
):
    case = in_rehabilitation
    record = services.record_functioning(
        actor=worker,
        case=case,
        assessed_on=TODAY,
        phase="before",
        scores={"self_care": 1, "family_role": 2, "social_participation": 3,
                "economic_activity": 4, "emotional_stability": 5},
    )  # fmt: skip
    # PostgreSQL's jsonb keeps keys by length, not in the order written
    type(record).objects.filter(pk=record.pk).update(
        scores={"self_care": 1, "family_role": 2, "economic_activity": 4,
                "emotional_stability": 5, "social_participation": 3}
    )  # fmt: skip
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    row = page.split('data-functioning="before">')[1].split("</tr>")[0]
    assert "<td>1</td><td>2</td><td>3</td><td>4</td><td>5</td>" in row
