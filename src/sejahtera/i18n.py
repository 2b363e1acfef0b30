"""Rendering domain findings, refusals and targeting reasons in the user's language (the domain
core itself has no Django)."""

from django.utils.translation import gettext

from sejahtera.domain.findings import Finding, Refused
from sejahtera.domain.targeting import reasons
from sejahtera.labels import column_label, value_label


def render_finding(finding: Finding) -> str:
    return gettext(finding.template).format(**finding.params)


def render_refusal(refused: Refused) -> str:
    return gettext(refused.template).format(**refused.params)


def _label(value: str, kind: reasons.Kind) -> str:
    if kind == "column":
        return column_label(value).lower()
    if kind == "value":
        return value_label(value).lower()
    return value


def render_reason(reason: str) -> str:
    """One reason of a targeting decision (a code with its parameters) in words."""
    return reasons.render(reason, gettext, _label)


def render_reasons(items: list[str] | None) -> list[str]:
    return [render_reason(r) for r in items or []]


def render_cluster_reason(text: str) -> str:
    """Why a person is in a cluster (``reason; reason``) in words."""
    return reasons.render_cluster_reason(text, gettext, _label)
