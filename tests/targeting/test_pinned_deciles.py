"""A registry run can pin the official deciles (DTSEN) from a file instead of the PMT."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.targeting.models import HouseholdResult, TargetingRun
from sejahtera.targeting.services import TargetingFailed, pinned_deciles_path

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def deciles_file(tmp_path, population, decile_of):
    households = population["poor"] + population["rich"]
    rows = [f"{h.external_id},{decile_of(i)}" for i, h in enumerate(households)]
    rows.append("NOT-IN-THE-REGISTRY,1")  # left out
    path = tmp_path / "dtsen-2026.csv"
    path.write_text("household_id,national_decile\n" + "\n".join(rows) + "\n")
    return path


def test_the_cli_pins_official_deciles_and_records_them_on_the_run(
    client, analyst, population, tmp_path
):
    # The file ranks the "rich" households poorest, the opposite of what the PMT would say.
    path = deciles_file(tmp_path, population, lambda i: 9 if i < 16 else 1)
    result = CliRunner().invoke(
        main, ["target", "run", "--as-of", AS_OF.isoformat(), "--deciles", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "official deciles dtsen-2026.csv" in result.output
    run = TargetingRun.objects.get()
    assert run.deciles_file == "dtsen-2026.csv"
    assert pinned_deciles_path(run).read_bytes() == path.read_bytes()
    deciles = dict(
        HouseholdResult.objects.filter(run=run).values_list("household_id", "national_decile")
    )
    assert {deciles[h.pk] for h in population["poor"]} == {9}
    assert {deciles[h.pk] for h in population["rich"]} == {1}
    client.force_login(analyst)
    page = client.get(f"/targeting/runs/{run.pk}/").content.decode()
    assert 'id="pinned-deciles"' in page


def test_a_changed_deciles_file_fails_the_run(population, tmp_path):
    from sejahtera.targeting.services import create_run, execute_run

    path = deciles_file(tmp_path, population, lambda i: 1)
    run = create_run(AS_OF, deciles=path)
    pinned_deciles_path(run).write_text("household_id,national_decile\n")
    with pytest.raises(TargetingFailed, match="changed or lost"):
        execute_run(run)
