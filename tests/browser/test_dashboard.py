"""The ministry's dashboard in a real browser: the 12 clusters and who of them is served,
programmes, deciles and the journey, drawn as charts beside their tables. Screenshot:
artifacts/screenshots/dashboard-clusters.png."""

from datetime import date

import pytest

from sejahtera.accounts.models import Role

from ..targeting.conftest import population  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)
JULY = date(2026, 7, 1)


def _bars(page, canvas_id):
    """The values a drawn Chart.js chart shows, per dataset (None if nothing was drawn)."""
    return page.evaluate(
        """(id) => {
            const chart = window.Chart && Chart.getChart(document.getElementById(id));
            return chart ? chart.data.datasets.map((d) => d.data) : null;
        }""",
        canvas_id,
    )


def test_the_ministry_reads_who_of_the_clusters_is_served(
    page_for,
    shoot,
    make_user,
    population,  # noqa: F811
):
    from sejahtera.programmes import services
    from sejahtera.registry.services.statistics import refresh_figures
    from sejahtera.targeting.services import run_targeting_for_registry

    run = run_targeting_for_registry(JULY)
    manager, approver = make_user(Role.PROGRAMME_MANAGER), make_user(Role.ADMINISTRATOR)
    services.approve_decree(approver, services.prepare_decree(manager, "SEMBAKO", JULY, run))
    refresh_figures()

    page = page_for(make_user(Role.MINISTRY_ANALYST))
    page.goto(page.url.split("/dashboard")[0] + "/dashboard/?indicator=cluster_enrolled_percent")
    page.get_by_role("heading", name="12 klaster PAS: terdata dan terlayani").wait_for()
    page.locator("#map path.leaflet-interactive").first.wait_for()
    persons, enrolled = _bars(page, "cluster-chart")
    assert len(persons) == 12
    row = page.locator("#cluster-table tr[data-cluster=FAKIR_MISKIN] td")
    poor_persons = int(row.nth(1).inner_text().replace(".", ""))
    assert persons[11] == poor_persons > 0  # the chart draws the table's figures
    assert 0 < enrolled[11] <= poor_persons  # SEMBAKO serves some of the poor
    assert _bars(page, "programme-chart") is not None
    assert sum(_bars(page, "decile-chart")[0]) == 24
    assert _bars(page, "stage-chart") is not None
    assert "Fakir miskin" in page.locator("#cluster-table").inner_text()
    shoot(page, "dashboard-clusters")
