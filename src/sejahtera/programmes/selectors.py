"""Read-side queries of programme delivery, always limited to what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, Substr

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.delivery import HOUSEHOLD_SUBJECT, PERSON_SUBJECT, Change
from sejahtera.domain.disclosure import is_small
from sejahtera.programmes.models import (
    Cycle,
    Decree,
    DecreeLine,
    Enrolment,
    Entitlement,
    LedgerEntry,
    Payment,
)
from sejahtera.programmes.subjects import subject_expression
from sejahtera.registry import privacy
from sejahtera.registry.models import Person, Region
from sejahtera.registry.selectors import PersonSearch, search_persons
from sejahtera.targeting.models import Decision, TargetingRun
from sejahtera.targeting.selectors import amounts_withheld_from, latest_run, rules_of


def hidden_programmes(user: User) -> set[str]:
    """Programmes whose beneficiaries reveal a vulnerable cluster (ATENSI, and any the rules of
    a decreed run decide on clusters or person flags): only roles that may read specific data
    see their decrees, enrolments and payments, as with their targeting decisions."""
    if privacy.may_read_specific(user):
        return set()
    return revealing_programmes()


def log_beneficiary_reads(
    user: User, shown: Iterable[tuple[str, int, int | None]], path: str, *, export: bool = False
) -> None:
    """A list of beneficiaries of a programme that reveals a cluster (ATENSI) is a read
    (``export``: an export, the annex or the API's lines) of specific data: the persons it
    names (``(programme, household, person)`` of each line; a household's line names its
    members) are logged, so that each one's copy of their data lists the read."""
    revealing = revealing_programmes()
    lines = [
        (household, person) for programme, household, person in shown if programme in revealing
    ]
    persons = {person for _, person in lines if person is not None}
    households = {household for household, person in lines if person is None}
    if households:
        members = Person.objects.filter(household_id__in=households)
        persons |= set(members.values_list("pk", flat=True))
    entity = "person_beneficiary_export" if export else "person_beneficiary"
    access.log_sensitive_read(user, entity, sorted(persons), path)


def revealing_programmes() -> set[str]:
    """ATENSI, and any programme the rules of a decreed run decide on clusters or person flags:
    to know someone is enrolled in one is to know of their vulnerable cluster."""
    runs = TargetingRun.objects.filter(pk__in=Decree.objects.values("run")).distinct()
    return {"ATENSI"} | {code for run in runs for code in rules_of(run).revealing_programmes}


def deceased_by(day: date) -> Q:
    """Rows of units (by their ``subject``) that died on or before ``day`` (the registry's
    convention: deceased on the reference date is deceased): the person, or, for a household
    unit, every member. A period that starts on the day of death is not paid. Found from the
    dead, who are few (their own index), never from the units: a cycle holds a million."""
    dead = Person.objects.filter(deceased_date__lte=day)
    living = Person.objects.filter(household=OuterRef("household_id")).filter(
        Q(deceased_date__isnull=True) | Q(deceased_date__gt=day)
    )
    persons = dead.annotate(unit=subject_expression(PERSON_SUBJECT, "id")).values("unit")
    households = dead.filter(~Exists(living)).annotate(
        unit=subject_expression(HOUSEHOLD_SUBJECT, "household_id")
    )
    return Q(subject__in=persons.union(households.values("unit")))


def decrees_for(user: User) -> QuerySet[Decree]:
    access.require(user, access.DELIVERY_READERS)
    decrees = Decree.objects.select_related("run", "prepared_by", "decided_by")
    return decrees.exclude(programme__in=hidden_programmes(user))


def decree_for(user: User, pk: int) -> Decree:
    """Decree.DoesNotExist when there is none (every reader sees every decree; its lines are
    limited to their region)."""
    return decrees_for(user).get(pk=pk)


def delivery_amounts_withheld_from(user: User) -> frozenset[str]:
    """The programmes whose amounts ``user`` reads on no delivery line (a decree's, an
    enrolment's, a payment's): those summed from components, for a role that reads no
    specific data and neither pays nor checks the payments — as on the household page."""
    if access.has_role(user, access.DELIVERY_AMOUNT_READERS):
        return frozenset()
    return amounts_withheld_from(user, latest_run())


AMOUNT_FIELDS = ("monthly_amount", "per_stage_amount", "yearly_amount", "previous_yearly_amount")


def withhold_amounts(user: User, rows: Iterable[Any], programme: str = "") -> None:
    """Blank the amounts ``user`` may not read on decree lines (of ``programme``) or
    enrolments (each of its own), in memory; ``amount_withheld`` marks them for the page."""
    withheld = delivery_amounts_withheld_from(user)
    for row in rows:
        row.amount_withheld = (programme or row.programme) in withheld
        if row.amount_withheld:
            for name in AMOUNT_FIELDS:
                if hasattr(row, name):
                    setattr(row, name, None)


def decree_lines(user: User, decree: Decree) -> QuerySet[DecreeLine]:
    prefix = access.region_prefix(user)
    lines = DecreeLine.objects.filter(decree=decree).select_related("household__village")
    return lines.filter(region_code__startswith=prefix) if prefix else lines


def decree_change_counts(user: User, decree: Decree) -> dict[str, int]:
    """Lines per change within the user's region."""
    counts = decree_lines(user, decree).values_list("change").annotate(n=Count("id")).order_by()
    return dict(counts)


def decree_regions(user: User, decree: Decree, parent: str = "") -> list[dict[str, object]]:
    """Lines per change in each region one level below ``parent`` (provinces, then regencies,
    districts, villages), within the user's region."""
    length = {0: 2, 2: 4, 4: 6}.get(len(parent), 10)
    lines = decree_lines(user, decree).filter(region_code__startswith=parent)
    counts: dict[str, dict[str, object]] = {}
    rows = (
        lines.annotate(area=Substr("region_code", 1, length))
        .values("area", "change")
        .annotate(n=Count("id"), cost=Sum("yearly_amount"))
        .order_by("area")
    )
    for row in rows:
        area = counts.setdefault(row["area"], {"code": row["area"], "cost": 0, "enrolled": 0})
        area[row["change"]] = row["n"]
        if row["change"] in ENROLLED_CHANGES:
            area["cost"] = int(area["cost"]) + (row["cost"] or 0)  # type: ignore[call-overload]
            area["enrolled"] = int(area["enrolled"]) + row["n"]  # type: ignore[call-overload]
    if decree.programme in delivery_amounts_withheld_from(user):
        # a village's PKH cost over one family is its components: a small cell's is withheld
        for area in counts.values():
            if is_small(int(area["enrolled"])):  # type: ignore[call-overload]
                area["cost"] = None
    return list(counts.values())


def decree_runs() -> QuerySet[TargetingRun]:
    """The runs a decree may be prepared from: completed, not simulations, newest first."""
    return TargetingRun.objects.filter(
        status=TargetingRun.Status.COMPLETED, is_simulation=False
    ).order_by("-pk")


def household_delivery(user: User, household_pk: int) -> dict[str, list[Any]]:
    """A household's enrolments (its own and its members') and its latest entitlements, for a
    household the caller has already read through ``registry.selectors.household_for``."""
    access.require(user, access.REGISTRY_READERS)
    hidden = hidden_programmes(user)
    enrolments = (
        Enrolment.objects.filter(household_id=household_pk)
        .exclude(programme__in=hidden)
        .order_by("ended_on", "programme", "subject")
    )
    entitlements = (
        Entitlement.objects.filter(household_id=household_pk)
        .exclude(cycle__programme__in=hidden)
        .select_related("cycle")
        .order_by("-cycle__period_start", "subject")[:12]
    )
    ledger = (
        LedgerEntry.objects.filter(household_id=household_pk)
        .exclude(cycle__programme__in=hidden)
        .select_related("cycle")
        .order_by("-recorded_at", "-id")[:24]
    )
    # as on the targeting section: a PKH amount tells of a disability or a pregnancy
    withheld = amounts_withheld_from(user, latest_run())
    shown: dict[str, list[Any]] = {
        "enrolments": list(enrolments),
        "entitlements": list(entitlements),
        "ledger": list(ledger),
    }
    for rows in shown.values():
        for row in rows:
            programme = row.programme if isinstance(row, Enrolment) else row.cycle.programme
            row.amount_withheld = programme in withheld
    return shown


@dataclass(frozen=True)
class Assistance:
    """One programme as the public status page tells it to whoever knows the NIK and name:
    how its latest cycle stands, never the amount (a PKH amount tells of a disability or a
    pregnancy) nor why it is held."""

    programme: str
    # The enrolment suspended or the line held ("on_hold": ask the office), no cycle yet
    # ("enrolled"), a line not yet sent ("scheduled"), sent and not settled ("in_payment"),
    # "paid", or failed or returned ("not_received": to be sent again). Each has its words in
    # labels.CITIZEN_ASSISTANCE_LABELS.
    state: str
    period_start: date | None  # the latest cycle holding a line for the unit
    period_last_day: date | None


def citizen_assistance(household_id: int, person_id: int) -> list[Assistance]:
    """The open enrolments of a household (its own) and of one of its persons (their own,
    never another member's), each with how its latest cycle stands. For the public status
    page, which has checked the NIK and name and logs a read of a programme that reveals a
    cluster; it is not limited by a user."""
    enrolments = list(
        Enrolment.objects.filter(
            Q(household=household_id, person__isnull=True) | Q(person=person_id),
            ended_on__isnull=True,
        ).order_by("programme", "pk")
    )
    latest: dict[int, Entitlement] = {}
    for line in Entitlement.objects.filter(enrolment__in=enrolments).select_related("cycle"):
        shown = latest.get(line.enrolment_id)
        if shown is None or shown.cycle.period_start < line.cycle.period_start:
            latest[line.enrolment_id] = line
    payments: dict[int, Payment] = {}
    for payment in Payment.objects.filter(entitlement__in=latest.values()).order_by("attempt"):
        payments[payment.entitlement_id] = payment  # the last attempt
    return [_assistance(enrolment, latest.get(enrolment.pk), payments) for enrolment in enrolments]


def _assistance(
    enrolment: Enrolment, line: Entitlement | None, payments: dict[int, Payment]
) -> Assistance:
    period = (line.cycle.period_start, line.cycle.last_day) if line else (None, None)
    payment = payments.get(line.pk) if line else None
    # a suspended enrolment is what the family must hear of, whatever its last line did
    if enrolment.status == Enrolment.Status.SUSPENDED or (
        line is not None and line.status != Entitlement.Status.PAYABLE
    ):
        state = "on_hold"
    elif line is None:
        state = "enrolled"
    elif payment is None:
        state = "scheduled"
    elif payment.status == Payment.Status.ISSUED:
        state = "in_payment"
    elif payment.status == Payment.Status.PAID:
        state = "paid"
    else:
        state = "not_received"
    return Assistance(enrolment.programme, state, *period)


def enrolments_for(user: User) -> QuerySet[Enrolment]:
    """Open enrolments (active or suspended) within the user's region."""
    access.require(user, access.DELIVERY_READERS)
    return (
        Enrolment.objects.filter(
            ended_on__isnull=True, region_code__startswith=access.region_prefix(user)
        )
        .exclude(programme__in=hidden_programmes(user))
        .select_related("household__village", "person")
    )


def enrolments_named(
    user: User, enrolments: QuerySet[Enrolment], query: str
) -> QuerySet[Enrolment]:
    """The enrolments of a family or person the registry search finds by ``query`` (a name,
    NIK or KK number): a family by any member, a person by themself. The search never
    matches whom the user sees masked, so neither does this."""
    found = search_persons(user, PersonSearch(query=query)).order_by()
    return enrolments.filter(
        Q(person__in=found.values("id"))
        | Q(person__isnull=True, household__in=found.values("household_id"))
    )


def waiting_lists(user: User) -> list[Decree]:
    """The approved decree in force for each programme: its waiting lines are the programme's
    waiting list (the poorest first)."""
    latest: dict[str, Decree] = {}
    approved = decrees_for(user).filter(status=Decree.Status.APPROVED)
    for decree in approved.order_by("programme", "-period_start", "-pk"):
        latest.setdefault(decree.programme, decree)
    return list(latest.values())


def cycles_for(user: User) -> QuerySet[Cycle]:
    access.require(user, access.DELIVERY_READERS)
    cycles = Cycle.objects.select_related("opened_by")
    return cycles.exclude(programme__in=hidden_programmes(user))


def cycle_regions(user: User, cycle: Cycle) -> list[dict[str, Any]]:
    """Entitlement lines and amounts per regency and status, within the user's region."""
    prefix = access.region_prefix(user)
    return by_regency(Entitlement.objects.filter(cycle=cycle, region_code__startswith=prefix))


def decree_totals_for(user: User, decrees: Iterable[Decree]) -> dict[int, dict[str, Any]]:
    """Each decree's totals (as ``Decree.totals``) within the user's region: a regency office
    counts its own families, not the country's. The stored totals for a national user."""
    decrees = list(decrees)
    prefix = access.region_prefix(user)
    if not prefix:
        return {decree.pk: decree.totals for decree in decrees}
    return line_totals(decrees, DecreeLine.objects.filter(region_code__startswith=prefix))


def line_totals(decrees: list[Decree], lines: QuerySet[DecreeLine]) -> dict[int, dict[str, Any]]:
    """Per decree, of ``lines``: the count per change, and the enrolled count and yearly cost
    (new, continuing and changed lines) — in one query."""
    rows = (
        lines.filter(decree__in=decrees)
        .values("decree_id", "change")
        .annotate(n=Count("id"), amount=Sum("yearly_amount"))
        .order_by()
    )
    totals: dict[int, dict[str, Any]] = {}
    for decree in decrees:
        by_change = dict.fromkeys(map(str, Change), 0)
        totals[decree.pk] = {"by_change": by_change, "enrolled": 0, "yearly_cost": 0}
    for row in rows:
        counted = totals[row["decree_id"]]
        counted["by_change"][row["change"]] = row["n"]
        if row["change"] in ENROLLED_CHANGES:
            counted["enrolled"] += row["n"]
            counted["yearly_cost"] += row["amount"] or 0
    return totals


def cycle_totals_for(user: User, cycles: list[Cycle]) -> dict[int, dict[str, Any]]:
    """Each cycle's lines and amounts by status (``{"payable": {"lines", "amount"}}``, as
    ``Cycle.totals``) within the user's region: a regency office counts its own families, not
    the country's. One query for a regional user; the stored totals for a national one."""
    prefix = access.region_prefix(user)
    if not prefix:
        return {cycle.pk: cycle.totals for cycle in cycles}
    rows = (
        Entitlement.objects.filter(cycle__in=cycles, region_code__startswith=prefix)
        .values("cycle_id", "status")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    totals: dict[int, dict[str, Any]] = {cycle.pk: {} for cycle in cycles}
    for row in rows:
        totals[row["cycle_id"]][row["status"]] = {"lines": row["n"], "amount": row["amount"] or 0}
    return totals


def by_regency(lines: QuerySet[Any]) -> list[dict[str, Any]]:
    """Lines (entitlements, payments) per regency: its code and name, and per status the
    count (``paid``) and amount (``paid_amount``)."""
    rows = (
        lines.annotate(area=Substr("region_code", 1, 4))
        .values("area", "status")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("area")
    )
    areas: dict[str, dict[str, Any]] = {}
    for row in rows:
        area = areas.setdefault(row["area"], {"code": row["area"]})
        area[row["status"]] = row["n"]
        area[f"{row['status']}_amount"] = row["amount"] or 0
    names = dict(Region.objects.filter(code__in=list(areas)).values_list("code", "name"))
    for code, area in areas.items():
        area["name"] = names.get(code, code)
    return list(areas.values())


ENROLLED_CHANGES = ("new", "continuing", "changed")  # the lines a decree enrols by


def annex_lines(user: User, decree: Decree, regency: str) -> QuerySet[DecreeLine]:
    """The subjects a decree enrols in one regency (within the user's region), in the annex's
    order: district, village, household."""
    return (
        decree_lines(user, decree)
        .filter(region_code__startswith=regency, change__in=ENROLLED_CHANGES)
        .select_related("household__village", "person")
        .order_by("region_code", "household__external_id", "subject")
    )


def delivery_checks(user: User, run: TargetingRun) -> dict[str, int]:
    """The error audit's delivery checks within ``user``'s region, for the programmes that have
    enrolments: eligible in ``run`` but not enrolled, enrolled but no longer eligible, paid
    after death, and NIKs paid twice in one cycle (which the constraints keep at zero). The
    programmes whose beneficiaries ``user`` may not see (ATENSI) are not counted."""
    prefix = access.region_prefix(user)
    hidden = hidden_programmes(user)
    programmes = set(Enrolment.objects.values_list("programme", flat=True).distinct()) - hidden
    decisions = Decision.objects.filter(
        run=run, eligible=True, programme__in=programmes, region_code__startswith=prefix
    )
    open_enrolments = Enrolment.objects.filter(ended_on__isnull=True, programme__in=programmes)
    enrolled = Q(
        Exists(open_enrolments.filter(programme=OuterRef("programme"), person__isnull=True,
                                      household=OuterRef("household"))),
        person__isnull=True,
    ) | Q(Exists(open_enrolments.filter(programme=OuterRef("programme"),
                                        person=OuterRef("person"))))  # fmt: skip
    eligible = Decision.objects.filter(run=run, eligible=True, programme=OuterRef("programme"))
    still_eligible = Q(
        Exists(eligible.filter(household=OuterRef("household"), person__isnull=True)),
        person__isnull=True,
    ) | Q(Exists(eligible.filter(person=OuterRef("person"))))
    # Paid on the channel's date (else the cycle's first day) to someone dead by then.
    paid = Payment.objects.filter(
        status=Payment.Status.PAID,
        region_code__startswith=prefix,
        entitlement__cycle__programme__in=programmes,
    )
    paid = paid.annotate(
        on=Coalesce("paid_on", "entitlement__cycle__period_start", output_field=DateField())
    )
    living = Person.objects.filter(household=OuterRef("household")).filter(
        Q(deceased_date__isnull=True) | Q(deceased_date__gte=OuterRef("on"))
    )
    return {
        "eligible_not_enrolled": decisions.exclude(enrolled).count(),
        "enrolled_not_eligible": open_enrolments.filter(region_code__startswith=prefix)
        .exclude(still_eligible)
        .count(),
        "paid_after_death": paid.filter(
            Q(person__deceased_date__lt=F("on")) | Q(~Exists(living), person__isnull=True)
        ).count(),
        "nik_paid_twice": paid.filter(entitlement__nik__isnull=False)
        .values("entitlement__cycle", "entitlement__nik")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
    }
