"""Deployment checks (``sejahtera manage check --deploy``) of what Django's own do not know."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_required(**_kwargs: Any) -> list[Warning]:
    if settings.SEJAHTERA_REQUIRE_TWO_FACTOR:
        return []
    return [
        Warning(
            "Two-step verification is not required (SEJAHTERA_REQUIRE_TWO_FACTOR=0): "
            "administrators, analysts, auditors and programme managers sign in with a "
            "password only.",
            hint="Unset SEJAHTERA_REQUIRE_TWO_FACTOR on any server that holds real data.",
            id="sejahtera.W001",
        )
    ]
