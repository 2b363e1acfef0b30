"""Rendering domain findings in the user's language (the domain core itself has no Django)."""

from django.utils.translation import gettext

from sejahtera.domain.findings import Finding, Refused


def render_finding(finding: Finding) -> str:
    return gettext(finding.template).format(**finding.params)


def render_refusal(refused: Refused) -> str:
    return gettext(refused.template).format(**refused.params)
