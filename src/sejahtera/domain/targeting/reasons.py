"""Why a person is in a cluster and why a programme decided as it did: stable codes with their
parameters, rendered at read time in the reader's language.

The engine writes each reason as a compact token, ``CODE`` or ``CODE:param:…`` (the last
parameter takes the rest of the token, so it may hold a colon); a list parameter is
comma-separated (``NONE_OF:drug_user,hiv``). One reason may hold several tokens joined by
``", "``: the facts of a PKH component (``COMPONENT:ELDERLY:P7, AGE_AT_LEAST:70:70``), or the
flags that hold (``FLAG:orphan, DISABILITY:physical``). A decision's reasons are a list of such
reasons; a person's cluster reasons a list of ``CLUSTER: reason; reason``.

``render`` turns a reason into words: by default the English templates with the codes as they
are (``sejahtera target evaluate``); the application passes ``gettext`` and a labeller for the
codes (``sejahtera.i18n``). Text that is not a known token (a social worker's words, reasons
stored before the codes) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sejahtera.domain.findings import gettext_noop

TOKEN_SEPARATOR = ", "  # between the tokens of one reason
PARAM_SEPARATOR = ":"
LIST_SEPARATOR = ","  # between the items of a list parameter
REASON_SEPARATOR = "; "  # between the reasons of one cluster

# What a parameter holds, for the labeller: a registry column (a person flag), a coded value
# (sex, employment, disability, …), or anything else shown as it is (numbers, dates, ids,
# cluster and programme codes).
Kind = Literal["column", "value", "plain"]
Translate = Callable[[str], str]
Label = Callable[[str, Kind], str]


@dataclass(frozen=True)
class Reason:
    template: str  # English, with {name} per parameter (and {facts}: the reason's other tokens)
    params: tuple[str, ...] = ()


# The parameters that name codes; every other parameter is plain.
PARAM_KINDS: dict[str, Kind] = {
    "flag": "column",
    "flags": "column",
    "disability": "value",
    "severity": "value",
    "status": "value",
    "school": "value",
    "employment": "value",
    "jobs": "value",
    "sex": "value",
    "required": "value",
}
LIST_PARAMS = frozenset({"flags", "jobs", "clusters"})

REASONS: dict[str, Reason] = {
    # who is a member at the run's date
    "NOT_MEMBER_BIRTH_DATE": Reason(gettext_noop("not a member: birth_date missing or not a date")),
    "NOT_MEMBER_HOUSEHOLD": Reason(
        gettext_noop("not a member: household {household} is not in the households table"),
        ("household",),
    ),
    "NOT_YET_BORN": Reason(gettext_noop("not a member: born {date} after as_of"), ("date",)),
    "DECEASED": Reason(gettext_noop("deceased {date} ≤ as_of"), ("date",)),
    "NO_LIVING_MEMBER": Reason(gettext_noop("no living member")),
    # welfare ranking
    "DECILE_WITHIN": Reason(gettext_noop("decile {decile} ≤ {limit}"), ("decile", "limit")),
    "DECILE_ABOVE": Reason(gettext_noop("decile {decile} > {limit}"), ("decile", "limit")),
    "DECILE_MISSING": Reason(gettext_noop("no national decile")),
    "DECILE_NOT_IN_FILE": Reason(
        gettext_noop("no national decile: household not in the deciles file")
    ),
    # a person's facts
    "AGE_BELOW": Reason(gettext_noop("age {age} < {limit}"), ("age", "limit")),
    "AGE_AT_LEAST": Reason(gettext_noop("age {age} ≥ {limit}"), ("age", "limit")),
    "AGE_AT_MOST": Reason(gettext_noop("age {age} ≤ {limit}"), ("age", "limit")),
    "AGE_ABOVE": Reason(gettext_noop("age {age} > {limit}"), ("age", "limit")),
    "AGE_IN": Reason(gettext_noop("age {age} in {low}–{high}"), ("age", "low", "high")),
    "AGE_OUTSIDE": Reason(gettext_noop("age {age} outside {low}–{high}"), ("age", "low", "high")),
    "SEX": Reason(gettext_noop("sex {sex}"), ("sex",)),
    "SEX_NOT": Reason(gettext_noop("sex {sex} is not {required}"), ("required", "sex")),
    "HEAD": Reason(gettext_noop("household head")),
    "NO_SPOUSE": Reason(gettext_noop("no spouse in the household")),
    "LIVES_ALONE": Reason(gettext_noop("lives alone")),
    "INCOME_BELOW": Reason(gettext_noop("income {income} < {limit}"), ("income", "limit")),
    "INCOME_BETWEEN": Reason(
        gettext_noop("income {low} < {income} < {high}"), ("income", "low", "high")
    ),
    "FLAG": Reason("{flag}", ("flag",)),
    "NONE_OF": Reason(gettext_noop("none of: {flags}"), ("flags",)),
    "DISABILITY": Reason(gettext_noop("disability {disability}"), ("disability",)),
    "DISABILITY_SEVERITY": Reason(gettext_noop("disability {severity}"), ("severity",)),
    "INMATE_STATUS": Reason(gettext_noop("inmate_status {status}"), ("status",)),
    "SCHOOL": Reason(gettext_noop("school {school}"), ("school",)),
    "EMPLOYMENT": Reason(gettext_noop("employment {employment}"), ("employment",)),
    "EMPLOYMENT_UNKNOWN": Reason(gettext_noop("employment unknown")),
    "EMPLOYMENT_NOT_IN": Reason(
        gettext_noop("employment {employment} not in {jobs}"), ("jobs", "employment")
    ),
    "EMPLOYMENT_EXCLUDED": Reason(
        gettext_noop("employment {employment} excluded"), ("employment",)
    ),
    "EMPLOYMENT_UNKNOWN_NOT_EXCLUDED": Reason(gettext_noop("employment unknown (not excluded)")),
    "MANUAL": Reason(gettext_noop("manual: {text}"), ("text",)),
    # a person's objection to the automated decision, decided by a reviewer
    "REVIEWED_ELIGIBLE": Reason(
        gettext_noop("eligible by human review {reference}"), ("reference",)
    ),
    "REVIEWED_NOT_ELIGIBLE": Reason(
        gettext_noop("not eligible by human review {reference}"), ("reference",)
    ),
    # clusters counted by a programme
    "CLUSTERS": Reason(gettext_noop("clusters {clusters}"), ("clusters",)),
    "IN_NO_CLUSTER": Reason(gettext_noop("in no cluster")),
    "ONLY_UNCOUNTED_CLUSTERS": Reason(
        gettext_noop("only clusters not counted for {programme}: {clusters}"),
        ("programme", "clusters"),
    ),
    "NO_CLUSTER_COUNTED": Reason(
        gettext_noop("no cluster is counted for {programme}"), ("programme",)
    ),
    "ALL_CLUSTERS_EXCLUDED": Reason(
        gettext_noop("every cluster is excluded ({clusters})"), ("clusters",)
    ),
    "ASSESSMENT_REQUIRED": Reason(gettext_noop("assessment required")),
    # PKH-style components: the member's facts follow as the reason's other tokens
    "COMPONENT": Reason("{component} {person} ({facts})", ("component", "person")),
    "COMPONENT_OVER_CAP": Reason(
        gettext_noop("{component} {person} ({facts}) not counted: cap {cap} reached"),
        ("component", "cap", "person"),
    ),
    "COMPONENT_OVER_MAX": Reason(
        gettext_noop("{component} {person} ({facts}) not counted: at most {max} components"),
        ("component", "max", "person"),
    ),
    "NO_COMPONENT": Reason(
        gettext_noop("no member qualifies for a {programme} component"), ("programme",)
    ),
    # a run's quotas and budget (``targeting.limits``)
    "QUOTA_REACHED": Reason(
        gettext_noop("quota {region}: {quota} reached (rank {rank}, poorest first)"),
        ("region", "quota", "rank"),
    ),
    "BUDGET_REACHED": Reason(
        gettext_noop("budget {budget} reached ({spent} allocated; rank {rank}, poorest first)"),
        ("budget", "spent", "rank"),
    ),
    "RANK_WITHIN_LIMITS": Reason(
        gettext_noop("rank {rank} by welfare score (poorest first) within the limits"), ("rank",)
    ),
}


def token(code: str, *params: object) -> str:
    """The token of a reason (what the engine's SQL builds, for the reasons made in Python)."""
    reason = REASONS[code]
    if len(params) != len(reason.params):
        raise ValueError(f"{code} takes {len(reason.params)} parameters, got {len(params)}")
    return PARAM_SEPARATOR.join([code, *(str(p) for p in params)])


def _same(text: str) -> str:
    return text


def _as_is(value: str, kind: Kind) -> str:
    return value


def render(reason: str, translate: Translate = _same, label: Label = _as_is) -> str:
    """One reason in words (see the module's docstring); unknown text as it is."""
    tokens = reason.split(TOKEN_SEPARATOR)
    head = _parsed(tokens[0])
    if head is not None and "{facts}" in head[0].template:
        facts = TOKEN_SEPARATOR.join(_rendered(t, translate, label) for t in tokens[1:])
        return _words(*head, translate, label, facts=facts)
    return TOKEN_SEPARATOR.join(_rendered(t, translate, label) for t in tokens)


def render_cluster_reason(reasons: str, translate: Translate = _same, label: Label = _as_is) -> str:
    """A cluster's reasons (``reason; reason``) in words."""
    return REASON_SEPARATOR.join(
        render(r, translate, label) for r in reasons.split(REASON_SEPARATOR)
    )


def render_clusters(entry: str, translate: Translate = _same, label: Label = _as_is) -> str:
    """One item of a person's cluster reasons (``CLUSTER: reason; reason``) in words."""
    cluster, found, reasons = entry.partition(": ")
    if not found:
        return render_cluster_reason(entry, translate, label)
    return f"{cluster}: {render_cluster_reason(reasons, translate, label)}"


def _parsed(text: str) -> tuple[Reason, dict[str, str]] | None:
    code, _, rest = text.partition(PARAM_SEPARATOR)
    reason = REASONS.get(code)
    if reason is None:
        return None
    if not reason.params:
        return (reason, {}) if not rest and PARAM_SEPARATOR not in text else None
    values = rest.split(PARAM_SEPARATOR, len(reason.params) - 1)
    if len(values) != len(reason.params):
        return None
    return reason, dict(zip(reason.params, values, strict=True))


def _rendered(text: str, translate: Translate, label: Label) -> str:
    parsed = _parsed(text)
    return text if parsed is None else _words(*parsed, translate, label)


def _words(
    reason: Reason, values: dict[str, str], translate: Translate, label: Label, **extra: str
) -> str:
    shown = {}
    for name, value in values.items():
        kind = PARAM_KINDS.get(name, "plain")
        if name in LIST_PARAMS:
            items = value.split(LIST_SEPARATOR) if value else []
            shown[name] = TOKEN_SEPARATOR.join(label(item, kind) for item in items)
        else:
            shown[name] = label(value, kind)
    return translate(reason.template).format(**shown, **extra)
