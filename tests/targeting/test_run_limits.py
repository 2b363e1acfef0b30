"""A real run carries its quotas and budget ceilings, from the web page, the API and the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.cli import main
from sejahtera.targeting.models import Decision, TargetingRun

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)
QUOTA = '[SEMBAKO]\nquotas = { "3201" = 2 }\n'


def limited(run: TargetingRun, by: str) -> int:
    return Decision.objects.filter(run=run, programme="SEMBAKO", limited_by=by).count()


def test_the_run_page_takes_a_limits_file_and_typed_budgets(client, analyst, population):
    client.force_login(analyst)
    response = client.post(
        "/targeting/",
        {
            "as_of": AS_OF.isoformat(),
            "engine": "duckdb",
            "limits_file": SimpleUploadedFile("limits.toml", QUOTA.encode()),
            "budget_PKH": "Rp 3.000.000",
        },
    )
    run = TargetingRun.objects.get()
    assert response.status_code == 302
    assert not run.is_simulation
    assert run.limits == {"SEMBAKO": {"quotas": {"3201": 2}}, "PKH": {"budget": 3_000_000}}
    assert limited(run, "quota") > 0


def test_the_run_page_explains_a_broken_limits_file(client, analyst, population):
    client.force_login(analyst)
    page = client.post(
        "/targeting/",
        {
            "as_of": AS_OF.isoformat(),
            "engine": "duckdb",
            "limits_file": SimpleUploadedFile("limits.toml", b"[SEMBAKO\n"),
        },
    ).content.decode()
    assert "batasan bukan TOML" in page
    assert not TargetingRun.objects.exists()


def test_the_api_starts_a_run_with_limits(client, make_user, population):
    _token, secret = create_token(make_user(Role.MINISTRY_ANALYST), "t", [ApiToken.Scope.TARGETING])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "content_type": "application/json"}
    body = {"as_of": AS_OF.isoformat(), "limits": {"SEMBAKO": {"quotas": {"3201": 2}}}}
    response = client.post("/api/v1/targeting/runs", json.dumps(body), **auth)
    assert response.status_code == 202
    assert limited(TargetingRun.objects.get(), "quota") > 0
    body["limits"] = {"SEMBAKO": {"quotas": {"32x": 2}}}
    refused = client.post("/api/v1/targeting/runs", json.dumps(body), **auth)
    assert refused.status_code == 422
    assert "SEMBAKO.quotas.32x" in refused.content.decode()


def test_the_cli_runs_with_a_limits_file(population, tmp_path):
    limits = tmp_path / "limits.toml"
    limits.write_text(QUOTA)
    result = CliRunner().invoke(
        main, ["target", "run", "--as-of", AS_OF.isoformat(), "--limits", str(limits)]
    )
    assert result.exit_code == 0, result.output
    assert limited(TargetingRun.objects.get(), "quota") > 0


@pytest.mark.parametrize("code", ["9999", "99", "6404", "320199"])
def test_a_quota_names_a_region_that_exists(population, code):
    """A code of the right shape that no region has (a typo, a regency's code before a province
    split) would limit nobody while the analyst believes a quota applies."""
    from sejahtera.targeting.limits import LimitsInvalid
    from sejahtera.targeting.services import run_targeting_for_registry

    limits = {"SEMBAKO": {"quotas": {"3201": 2}}, "PKH": {"quotas": {"3273": 1, code: 10}}}
    with pytest.raises(LimitsInvalid, match=rf"PKH\.quotas\.{code}: no region has this code"):
        run_targeting_for_registry(AS_OF, limits=limits)
    assert not TargetingRun.objects.exists()


def test_the_run_page_refuses_a_quota_of_no_region(client, analyst, population):
    client.force_login(analyst)
    nowhere = QUOTA.replace("3201", "9999").encode()
    page = client.post(
        "/targeting/",
        {
            "as_of": AS_OF.isoformat(),
            "engine": "duckdb",
            "limits_file": SimpleUploadedFile("limits.toml", nowhere),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "SEMBAKO.quotas.9999: no region has this code" in page
    assert not TargetingRun.objects.exists()
