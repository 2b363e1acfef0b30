"""Comparing runs and auditing one: who enters and leaves each programme, decile changes, the
what-if report, and likely inclusion and exclusion errors.

Every report is limited to a region prefix (the user's scope) and computed in the database from
the result tables; CSV rows come from the same querysets as the pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db.models import Count, Exists, F, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.targeting.rules import Rules
from sejahtera.i18n import render_reasons
from sejahtera.registry.models import DuplicateCandidate, Person
from sejahtera.registry.services import exports
from sejahtera.targeting import selectors
from sejahtera.targeting.models import Decision, HouseholdResult, PersonCluster, TargetingRun

LIST_LIMIT = 100  # rows shown on a page; the CSV has them all

# -- diff --------------------------------------------------------------------------------------


def _eligible(run: TargetingRun, programme: str, prefix: str) -> QuerySet[Decision]:
    return selectors.decisions_in(run, prefix).filter(programme=programme, eligible=True)


def _same_subject(other: TargetingRun, programme: str) -> QuerySet[Decision]:
    key = "household" if selectors.is_household_programme(other, programme) else "person"
    return Decision.objects.filter(run=other, programme=programme, **{key: OuterRef(key)})


def entering(
    run: TargetingRun, base: TargetingRun, programme: str, prefix: str
) -> QuerySet[Decision]:
    """Decisions eligible in ``run`` whose subject was not eligible in ``base``."""
    return _eligible(run, programme, prefix).filter(
        ~Exists(_same_subject(base, programme).filter(eligible=True))
    )


def leaving(
    run: TargetingRun, base: TargetingRun, programme: str, prefix: str
) -> QuerySet[Decision]:
    """Decisions eligible in ``base`` whose subject is not eligible in ``run``; ``reasons_now``
    holds why not (empty when the subject is no longer in the registry's run)."""
    return (
        _eligible(base, programme, prefix)
        .filter(~Exists(_same_subject(run, programme).filter(eligible=True)))
        .annotate(
            reasons_now=Subquery(
                _same_subject(run, programme).values("reasons")[:1], output_field=JSONField()
            )
        )
    )


@dataclass
class ProgrammeFlow:
    programme: str
    entering: int
    leaving: int


@dataclass
class Diff:
    base: TargetingRun
    run: TargetingRun
    flows: list[ProgrammeFlow]
    # (decile in base, decile in run) → households; None = no decile / not in that run
    decile_moves: list[dict[str, Any]]
    moved_up: int  # to a higher decile (richer)
    moved_down: int
    unchanged: int


def diff(user: User, base: TargetingRun, run: TargetingRun) -> Diff:
    """Who enters and leaves each programme, and decile moves, within ``user``'s region."""
    prefix = access.region_prefix(user)
    flows = [
        ProgrammeFlow(
            p, entering(run, base, p, prefix).count(), leaving(run, base, p, prefix).count()
        )
        for p in selectors.programmes_counted_for(user, base, run)
    ]
    before = HouseholdResult.objects.filter(run=base, household=OuterRef("household")).values(
        "national_decile"
    )[:1]
    moves = list(
        HouseholdResult.objects.filter(run=run, region_code__startswith=prefix)
        .annotate(before=Subquery(before))
        .values("before", "national_decile")
        .annotate(households=Count("id"))
        .order_by("before", "national_decile")
    )
    up = sum(m["households"] for m in moves if _known(m) and m["national_decile"] > m["before"])
    down = sum(m["households"] for m in moves if _known(m) and m["national_decile"] < m["before"])
    same = sum(m["households"] for m in moves if _known(m) and m["national_decile"] == m["before"])
    changed = [m for m in moves if m["before"] != m["national_decile"]]
    return Diff(base, run, flows, changed, up, down, same)


def _known(move: dict[str, Any]) -> bool:
    return move["before"] is not None and move["national_decile"] is not None


DIFF_HEADER = [
    "change",
    "programme",
    "household_id",
    "person_id",
    "region_code",
    "decile",
    "reasons",
]


@dataclass(frozen=True)
class Change:
    """One subject entering or leaving a programme, as the reader may see it."""

    direction: str  # "enters" or "leaves"
    programme: str
    household_pk: int
    household_id: str
    person_id: str
    region_code: str
    decile: int | None
    reasons: list[str]  # in words, in the active language


def changes(
    user: User, base: TargetingRun, run: TargetingRun, limit: int | None = None
) -> Iterator[Change]:
    """Everyone entering or leaving each programme within ``user``'s region (at most ``limit``
    per programme and direction), with only the decisions and reasons ``user`` may read: a
    programme that reveals a cluster in either run's rules is withheld in both directions."""
    prefix = access.region_prefix(user)
    for programme in selectors.programme_codes(base, run):
        for direction, decisions in (
            ("enters", entering(run, base, programme, prefix)),
            ("leaves", leaving(run, base, programme, prefix)),
        ):
            listed = selectors.decisions_shown_to(user, decisions, base, run)
            listed = listed.select_related("household", "person").order_by("id")
            for d in listed[:limit].iterator(chunk_size=2000):
                reasons = getattr(d, "reasons_now", None) or d.reasons
                yield Change(
                    direction,
                    programme,
                    d.household_id,
                    d.household.external_id,
                    d.person.external_id if d.person else "",
                    d.region_code,
                    d.national_decile,
                    render_reasons(selectors.grounds_shown_to(user, reasons)),
                )


def read_changes(
    user: User, base: TargetingRun, run: TargetingRun, path: str, limit: int | None = None
) -> Iterator[Change]:
    """``changes`` as read by ``user`` at ``path`` (a page or an export): whose decisions
    changed, with reasons that may name a cluster, so the households are logged as read."""
    return exports.logged(
        changes(user, base, run, limit=limit),
        reader=user,
        entity="targeting_export",
        path=path,
        record_id=attrgetter("household_pk"),
    )


def diff_rows(user: User, base: TargetingRun, run: TargetingRun, path: str) -> Iterator[list[str]]:
    """Everyone entering or leaving each programme, for a CSV; the households it names are
    logged as read by ``user``."""
    yield DIFF_HEADER
    for change in read_changes(user, base, run, path):
        yield [
            change.direction,
            change.programme,
            change.household_id,
            change.person_id,
            change.region_code,
            "" if change.decile is None else str(change.decile),
            "; ".join(change.reasons),
        ]


# -- what-if comparison ------------------------------------------------------------------------


@dataclass
class Comparison:
    base: TargetingRun
    run: TargetingRun
    # Each row: {"key", "label", "values": [(programme or "", base, simulation, change)]}
    programmes: list[dict[str, Any]]
    clusters: list[dict[str, Any]]
    regions: list[dict[str, Any]]
    deciles: list[dict[str, Any]]
    flows: list[ProgrammeFlow]


def _pair(base: int, new: int) -> dict[str, int]:
    return {"base": base, "simulation": new, "change": new - base}


def _eligible_by(run: TargetingRun, prefix: str, key: Any) -> dict[tuple[Any, str], int]:
    rows = (
        selectors.decisions_in(run, prefix)
        .filter(eligible=True)
        .annotate(key=key)
        .values("key", "programme")
        .annotate(n=Count("id"))
    )
    return {(r["key"], r["programme"]): r["n"] for r in rows}


def _cluster_coverage(run: TargetingRun, prefix: str) -> dict[tuple[str, str], int]:
    """Persons per cluster (programme "") and of them eligible for each person programme."""
    clusters = PersonCluster.objects.filter(run=run, region_code__startswith=prefix)
    counts = {(c, ""): n for c, n in clusters.values_list("cluster").annotate(n=Count("id"))}
    person_programmes = [
        p for p in selectors.programme_codes(run) if not selectors.is_household_programme(run, p)
    ]
    for programme in person_programmes:
        eligible = _eligible(run, programme, prefix).values("person_id")
        for cluster, n in (
            clusters.filter(person_id__in=eligible).values_list("cluster").annotate(n=Count("id"))
        ):
            counts[(cluster, programme)] = n
    return counts


def compare(user: User, base: TargetingRun, run: TargetingRun) -> Comparison:
    """A simulation (or any run) beside its base, within ``user``'s region."""
    prefix = access.region_prefix(user)
    codes = selectors.programmes_counted_for(user, base, run)
    person_codes = [
        p
        for p in codes
        if not selectors.is_household_programme(base, p)
        and not selectors.is_household_programme(run, p)
    ]
    none = {"eligible": 0, "yearly_cost": 0}
    base_counts = {r["programme"]: r for r in selectors.programme_counts(base, prefix)}
    run_counts = {r["programme"]: r for r in selectors.programme_counts(run, prefix)}
    programmes = [
        {
            "programme": p,
            "eligible": _pair(
                base_counts.get(p, none)["eligible"], run_counts.get(p, none)["eligible"]
            ),
            "yearly_cost": _pair(
                base_counts.get(p, none)["yearly_cost"], run_counts.get(p, none)["yearly_cost"]
            ),
        }
        for p in codes
    ]
    before, after = _cluster_coverage(base, prefix), _cluster_coverage(run, prefix)
    clusters = [
        {
            "cluster": c,
            "persons": _pair(before.get((c, ""), 0), after.get((c, ""), 0)),
            "eligible": [
                {"programme": p, **_pair(before.get((c, p), 0), after.get((c, p), 0))}
                for p in person_codes
            ],
        }
        for c in selectors.clusters_counted_for(user)
    ]
    region = Substr("region_code", 1, selectors.sub_region_length(prefix))
    before_r, after_r = _eligible_by(base, prefix, region), _eligible_by(run, prefix, region)
    region_codes = sorted({k for k, _ in before_r} | {k for k, _ in after_r})
    names = selectors.region_names(region_codes)
    regions = [
        {
            "code": code,
            "name": names.get(code, code),
            "eligible": [
                {"programme": p, **_pair(before_r.get((code, p), 0), after_r.get((code, p), 0))}
                for p in codes
            ],
        }
        for code in region_codes
    ]
    before_d = _eligible_by(base, prefix, F("national_decile"))
    after_d = _eligible_by(run, prefix, F("national_decile"))
    deciles = [
        {
            "decile": d,
            "eligible": [
                {"programme": p, **_pair(before_d.get((d, p), 0), after_d.get((d, p), 0))}
                for p in codes
            ],
        }
        for d in [*range(1, 11), None]
    ]
    flows = diff(user, base, run).flows
    return Comparison(base, run, programmes, clusters, regions, deciles, flows)


COMPARISON_HEADER = ["section", "key", "programme", "base", "simulation", "change"]


def comparison_rows(comparison: Comparison) -> Iterator[list[str]]:
    yield COMPARISON_HEADER
    for row in comparison.programmes:
        for measure in ("eligible", "yearly_cost"):
            v = row[measure]
            yield [measure, "", row["programme"], *_values(v)]
    for row in comparison.clusters:
        yield ["cluster_persons", row["cluster"], "", *_values(row["persons"])]
        for v in row["eligible"]:
            yield ["cluster_eligible", row["cluster"], v["programme"], *_values(v)]
    for row in comparison.regions:
        for v in row["eligible"]:
            yield ["region_eligible", row["code"], v["programme"], *_values(v)]
    for row in comparison.deciles:
        for v in row["eligible"]:
            key = "" if row["decile"] is None else str(row["decile"])
            yield ["decile_eligible", key, v["programme"], *_values(v)]
    for flow in comparison.flows:
        yield ["enters", "", flow.programme, "", str(flow.entering), ""]
        yield ["leaves", "", flow.programme, "", str(flow.leaving), ""]


def _values(v: dict[str, int]) -> list[str]:
    return [str(v["base"]), str(v["simulation"]), str(v["change"])]


# -- error audit -------------------------------------------------------------------------------

INCLUSION_FLAGS = ("DECEASED", "SHARED_NIK", "CIVIL_SERVANT", "OWNS_CAR", "ABOVE_CUTOFF")
EXCLUSION_FLAGS = ("NEWLY_ELIGIBLE",)


def _cutoffs(rules: Rules) -> dict[str, int]:
    return {
        "PKH": rules.pkh.max_decile,
        "SEMBAKO": rules.sembako.max_decile,
        "PBI_JK": rules.pbi_jk.max_decile,
        "PENA": rules.pena.max_decile,
        **{p.code: p.max_decile for p in rules.custom if p.max_decile is not None},
    }


def _inclusion_conditions(run: TargetingRun) -> dict[str, Any]:
    """Eligible decisions that are likely wrong, by what the registry says now."""
    member = Person.objects.filter(household=OuterRef("household_id"))
    shared = Q(status__in=[DuplicateCandidate.Status.OPEN, DuplicateCandidate.Status.SAME_PERSON])
    duplicates = DuplicateCandidate.objects.filter(shared)
    # One EXISTS per side of a pair, each an index probe: an OR inside one subquery cannot use
    # an index and made the audit scan every pair for every decision (minutes at 400k people).
    person_dup = Exists(duplicates.filter(person=OuterRef("person_id"))) | Exists(
        duplicates.filter(other=OuterRef("person_id"))
    )
    member_dup = Exists(duplicates.filter(person__household=OuterRef("household_id"))) | Exists(
        duplicates.filter(other__household=OuterRef("household_id"))
    )
    household = Q(person__isnull=True)
    personal = Q(person__isnull=False)
    car = (
        Q(household__assets="car")
        | Q(household__assets__startswith="car;")
        | Q(household__assets__endswith=";car")
        | Q(household__assets__contains=";car;")
    )
    above = Q(pk__in=[])
    for programme, cutoff in _cutoffs(selectors.rules_of(run)).items():
        above |= Q(programme=programme) & (
            Q(national_decile__gt=cutoff) | Q(national_decile__isnull=True)
        )
    return {
        # A member who died after the run (the engine already leaves out earlier deaths); a
        # household decision when no member is alive any more.
        "DECEASED": (personal & Q(person__deceased_date__isnull=False))
        | (household & ~Exists(member.filter(deceased_date__isnull=True))),
        "SHARED_NIK": (personal & person_dup) | (household & member_dup),
        "CIVIL_SERVANT": (personal & Q(person__employment="civil_servant"))
        | (household & Exists(member.filter(employment="civil_servant"))),
        "OWNS_CAR": car,
        # Cannot happen with the engine's own decisions; catches results changed by hand or
        # loaded from elsewhere, and eligible subjects without a decile.
        "ABOVE_CUTOFF": above,
    }


@dataclass
class Audit:
    run: TargetingRun
    previous: TargetingRun | None
    # flag → {"kind", "total", "by_programme": {p: n}, "by_region": [(code, name, n)],
    #         "by_cluster": {cluster: households}}
    flags: dict[str, dict[str, Any]]


def flagged(run: TargetingRun, flag: str, prefix: str) -> QuerySet[Decision]:
    eligible = selectors.decisions_in(run, prefix).filter(eligible=True)
    if flag != "NEWLY_ELIGIBLE":
        return eligible.filter(_inclusion_conditions(run)[flag])
    # No enrolment data exists yet: "eligible now but not in the previous run" stands for
    # "eligible but not enrolled", assuming enrolment followed the previous run.
    previous = selectors.previous_run(run)
    if previous is None:
        return Decision.objects.none()
    before = Decision.objects.filter(run=previous, eligible=True, programme=OuterRef("programme"))
    return eligible.filter(
        (Q(person__isnull=True) & ~Exists(before.filter(household=OuterRef("household"))))
        | (Q(person__isnull=False) & ~Exists(before.filter(person=OuterRef("person"))))
    )


def audit(user: User, run: TargetingRun) -> Audit:
    """The run's inclusion and exclusion flags within ``user``'s region."""
    prefix = access.region_prefix(user)
    length = selectors.sub_region_length(prefix)
    flags: dict[str, dict[str, Any]] = {}
    programmes = selectors.programmes_counted_for(user, run)
    clusters = selectors.clusters_counted_for(user)
    for flag in INCLUSION_FLAGS + EXCLUSION_FLAGS:
        decisions = flagged(run, flag, prefix).filter(programme__in=programmes)
        by_programme = dict(decisions.values_list("programme").annotate(n=Count("id")))
        by_region = dict(
            decisions.annotate(region=Substr("region_code", 1, length))
            .values_list("region")
            .annotate(n=Count("id"))
        )
        names = selectors.region_names(list(by_region))
        by_cluster = dict(
            PersonCluster.objects.filter(run=run, household_id__in=decisions.values("household_id"))
            .values_list("cluster")
            .annotate(n=Count("household", distinct=True))
        )
        flags[flag] = {
            "kind": "inclusion" if flag in INCLUSION_FLAGS else "exclusion",
            "total": sum(by_programme.values()),
            "by_programme": [(p, by_programme.get(p, 0)) for p in programmes],
            "by_region": [(c, names.get(c, c), by_region[c]) for c in sorted(by_region)],
            "by_cluster": [(c, by_cluster[c]) for c in clusters if c in by_cluster],
        }
    return Audit(run, selectors.previous_run(run), flags)


AUDIT_HEADER = [
    "kind",
    "flag",
    "programme",
    "household_id",
    "person_id",
    "region_code",
    "national_decile",
    "yearly_cost",
]


def audit_rows(user: User, run: TargetingRun, path: str) -> Iterator[list[str]]:
    """Every flagged decision within ``user``'s region, for a CSV; the households it names are
    logged as read."""
    prefix = access.region_prefix(user)
    yield AUDIT_HEADER
    for flag in INCLUSION_FLAGS + EXCLUSION_FLAGS:
        kind = "inclusion" if flag in INCLUSION_FLAGS else "exclusion"
        decisions = selectors.decisions_shown_to(user, flagged(run, flag, prefix), run)
        listed = exports.logged(
            decisions.select_related("household", "person")
            .order_by("id")
            .iterator(chunk_size=2000),
            reader=user,
            entity="targeting_export",
            path=path,
            record_id=attrgetter("household_id"),
        )
        for d in listed:
            yield [
                kind,
                flag,
                d.programme,
                d.household.external_id,
                d.person.external_id if d.person else "",
                d.region_code,
                "" if d.national_decile is None else str(d.national_decile),
                str(d.yearly_cost),
            ]
