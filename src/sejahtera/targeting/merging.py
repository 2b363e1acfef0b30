"""What of a run follows a person's merge (``registry.services.deduplication``): the current
run's clusters and decisions about the merged record become the kept record's, unless that
record has its own; earlier runs stay as the record of their day. A row keeps the household
and region the run scored it in (the decree ranks a waiting person by that household's
score): only the person changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from sejahtera.registry.models import Person
from sejahtera.registry.services.deduplication import PartFollows
from sejahtera.targeting.models import Decision, PersonCluster
from sejahtera.targeting.selectors import latest_run


def _in_current_run(
    model: type[Decision] | type[PersonCluster], same: str
) -> Callable[[Person, Person], QuerySet[Any]]:
    """The merged record's rows of the current run whose ``same`` the survivor has none of."""

    def rows(merged: Person, survivor: Person) -> QuerySet[Any]:
        run = latest_run()
        if run is None:
            return model.objects.none()
        own = model.objects.filter(run=run, person=survivor).values(same)
        return model.objects.filter(run=run, person=merged).exclude(**{f"{same}__in": own})

    return rows


def _the_survivors(survivor: Person) -> dict[str, Any]:
    return {"person_id": survivor.pk}


DECISIONS = PartFollows(Decision, _in_current_run(Decision, "programme"), _the_survivors)
CLUSTERS = PartFollows(PersonCluster, _in_current_run(PersonCluster, "cluster"), _the_survivors)
