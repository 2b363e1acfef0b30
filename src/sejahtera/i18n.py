"""Rendering domain findings, refusals and targeting reasons in the user's language (the domain
core itself has no Django)."""

import contextlib
import re
from datetime import date
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from sejahtera.domain.findings import Finding, Refused
from sejahtera.domain.targeting import reasons
from sejahtera.labels import column_label, value_label

# "Rp{wage}": an amount of money, written as the reader's language groups thousands
_MONEY = re.compile(r"Rp\{(\w+)\}")


# A date the domain keeps as ISO (2030-02-01), which nobody types or reads on a page.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shown(template: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters as the reader writes them: amounts grouped, dates as "1 Feb 2030"."""
    shown = dict(params)
    for name in _MONEY.findall(template):
        if isinstance(shown.get(name), int):
            shown[name] = number_format(shown[name], use_l10n=True, force_grouping=True)
    for name, value in shown.items():
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            with contextlib.suppress(ValueError):  # not a date (2026-13-45): as given
                shown[name] = date_format(date.fromisoformat(value))
    return shown


def render_finding(finding: Finding) -> str:
    return gettext(finding.template).format(**_shown(finding.template, finding.params))


def render_refusal(refused: Refused) -> str:
    return gettext(refused.template).format(**_shown(refused.template, refused.params))


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
