"""The demo's delivery: approved SEMBAKO and PKH decrees from the current run and their first
payment cycles, so that `make run` has something to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sejahtera.accounts.models import User
from sejahtera.programmes import cycles, services
from sejahtera.programmes.models import Decree
from sejahtera.targeting.selectors import latest_run

DEMO_PROGRAMMES = ("SEMBAKO", "PKH")


def ensure_demo_delivery(*, echo: Callable[[str], None], today: date | None = None) -> None:
    """Prepared by the demo analyst, approved by the demo administrator (four eyes); reused
    when it exists."""
    run = latest_run()
    if run is None or Decree.objects.exists():
        return
    analyst = User.objects.get(username="demo_ministry_analyst")
    administrator = User.objects.get(username="demo_administrator")
    start = (today or date.today()).replace(day=1)
    quarter = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    for programme in DEMO_PROGRAMMES:
        decree = services.approve_decree(
            administrator, services.prepare_decree(analyst, programme, start, run)
        )
        cycle = cycles.open_cycle(analyst, programme, quarter if programme == "PKH" else start)
        echo(
            f"Decree #{decree.pk} {programme}: {decree.totals['enrolled']} enrolled; cycle from "
            f"{cycle.period_start}: {cycle.totals.get('payable', {}).get('lines', 0)} payable"
        )
