"""Registering and editing households and persons one at a time (web forms and the API).

Input is what the exchange format would hold — text cells keyed by format v1 column names — and
is validated by the same domain validators as the bulk import, so a value is judged the same
whichever way it arrives. Every change writes a ChangeRecord; edits are guarded by the record's
``version`` (optimistic locking), so two people editing the same record cannot overwrite each
other silently.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain import registry_format as fmt
from sejahtera.domain.findings import Finding, error, gettext_noop
from sejahtera.registry.fields import HOUSEHOLD_FIELDS, PERSON_FIELDS
from sejahtera.registry.models import ChangeRecord, Household, Person
from sejahtera.registry.services.duplicates import holders_of, record_shared_niks
from sejahtera.registry.signals import households_moved
from sejahtera.registry.sources import cell_text
from sejahtera.sealing import stored_values

# Cells a form or API client never sends: ids are assigned here, household links resolved.
SYSTEM_COLUMNS = frozenset({"household_id", "person_id"})


class RecordInvalid(Exception):
    """The input has errors; ``household`` and ``members[i]`` hold findings by column."""

    def __init__(
        self,
        household: list[Finding] | None = None,
        members: dict[int, list[Finding]] | None = None,
    ) -> None:
        super().__init__("invalid registry record")
        self.household = household or []
        self.members = members or {}


class EditConflict(Exception):
    """The record changed since the editor loaded it."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"record is now at version {current_version}")
        self.current_version = current_version


@dataclass
class ValidatedRow:
    values: dict[str, Any]
    warnings: list[Finding] = field(default_factory=list)


def new_external_id(prefix: str) -> str:
    """Ids for records entered in Sejahtera itself (imports keep their source system's ids)."""
    return f"SJ-{prefix}-{uuid.uuid4().hex[:12].upper()}"


def _validate(
    validator: fmt.RowValidator, cells: Mapping[str, str | None], ids: Mapping[str, str]
) -> tuple[ValidatedRow | None, list[Finding]]:
    row = {name: cells.get(name) for name in validator_column_names(validator)} | dict(ids)
    result = validator.validate(row)
    errors = [f for f in result.findings if f.is_error]
    if errors:
        return None, errors
    return ValidatedRow(result.values, [f for f in result.findings if not f.is_error]), []


def validator_column_names(validator: fmt.RowValidator) -> list[str]:
    return [c.name for c in validator.columns if c.name not in SYSTEM_COLUMNS]


def _model_values(row: ValidatedRow, names: dict[str, str]) -> dict[str, Any]:
    return {names[k]: v for k, v in row.values.items() if k not in SYSTEM_COLUMNS}


def _person_values(row: ValidatedRow) -> dict[str, Any]:
    values = _model_values(row, PERSON_FIELDS)
    nik_codes = [f.code for f in row.warnings if f.column == "nik"]
    values["nik_warnings"] = ";".join(nik_codes) or None
    return values


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def _record(
    entity: str,
    record_id: int,
    action: str,
    actor: User,
    changes: dict[str, list[Any]],
    proposal: str = "",
) -> ChangeRecord:
    return ChangeRecord(
        entity=entity,
        record_id=record_id,
        action=action,
        changed_at=timezone.now(),
        actor=actor,
        changes=changes,
        proposal=proposal,
    )


def check_new_household(
    household: Mapping[str, str | None],
    members: Sequence[Mapping[str, str | None]],
    today: date | None = None,
) -> RecordInvalid | None:
    """What would stop ``register_household`` (the region aside), without writing anything:
    a proposal is checked when it is made, long before it is decided."""
    _, _, invalid = _checked_household(household, members, "SJ-H-CHECK", today)
    return invalid


def check_member(cells: Mapping[str, str | None], today: date | None = None) -> list[Finding]:
    ids = {"person_id": "SJ-P-CHECK", "household_id": "SJ-H-CHECK"}
    return _validate(fmt.PersonValidator(today=today), cells, ids)[1]


def check_household(cells: Mapping[str, str | None], today: date | None = None) -> list[Finding]:
    return _validate(fmt.HouseholdValidator(today=today), cells, {"household_id": "SJ-H-CHECK"})[1]


def _checked_household(
    household: Mapping[str, str | None],
    members: Sequence[Mapping[str, str | None]],
    household_id: str,
    today: date | None,
) -> tuple[ValidatedRow | None, list[ValidatedRow], RecordInvalid | None]:
    checked, household_errors = _validate(
        fmt.HouseholdValidator(today=today), household, {"household_id": household_id}
    )
    member_rows: list[ValidatedRow] = []
    member_errors: dict[int, list[Finding]] = {}
    person_validator = fmt.PersonValidator(today=today)
    for index, cells in enumerate(members):
        ids = {"person_id": new_external_id("P"), "household_id": household_id}
        row, errors = _validate(person_validator, cells, ids)
        if errors:
            member_errors[index] = errors
        elif row is not None:
            member_rows.append(row)
    heads = sum(1 for cells in members if (cells.get("relationship") or "").strip() == "head")
    if heads != 1:
        household_errors.append(
            error(
                "HEAD_COUNT",
                gettext_noop("a household needs exactly one head, this one has {count}"),
                "relationship",
                count=heads,
            )
        )
    if household_errors or member_errors:
        return checked, member_rows, RecordInvalid(household_errors, member_errors)
    return checked, member_rows, None


def _require_writer(actor: User, region_code: str, proposal: str) -> None:
    """Registry editors write within their region. A change a proposal carried is written
    on the ministry's decision, by whoever may decide proposals."""
    if proposal:
        access.require(actor, access.PROPOSAL_DECIDERS)
    else:
        access.require(actor, access.REGISTRY_EDITORS)
    access.require_region(actor, region_code)


@transaction.atomic
def register_household(
    *,
    actor: User,
    household: Mapping[str, str | None],
    members: Sequence[Mapping[str, str | None]],
    today: date | None = None,
    proposal: str = "",
) -> Household:
    """Create a household with its members (at least one, exactly one head); ``proposal`` is
    the tracking number of the decided proposal that registers it."""
    access.require(actor, access.PROPOSAL_DECIDERS if proposal else access.REGISTRY_EDITORS)
    household_id = new_external_id("H")
    checked, member_rows, invalid = _checked_household(household, members, household_id, today)
    if checked is not None and not access.covers(actor, checked.values["region_code"]):
        invalid = invalid or RecordInvalid()
        invalid.household.append(
            error(
                "REGION_OUTSIDE_SCOPE",
                gettext_noop("you may only register households in your own region"),
                "region_code",
            )
        )
    if invalid is not None or checked is None:
        raise invalid or RecordInvalid()

    now = timezone.now()
    created = Household.objects.create(
        external_id=household_id,
        created_at=now,
        updated_at=now,
        **_model_values(checked, HOUSEHOLD_FIELDS),
    )
    persons = Person.objects.bulk_create(
        Person(
            external_id=row.values["person_id"],
            household=created,
            created_at=now,
            updated_at=now,
            **_person_values(row),
        )
        for row in member_rows
    )
    record_shared_niks(holders_of(p.nik for p in persons if p.nik))
    created_records = [(ChangeRecord.Entity.HOUSEHOLD, created.pk)] + [
        (ChangeRecord.Entity.PERSON, p.pk) for p in persons
    ]
    ChangeRecord.objects.bulk_create(
        _record(entity, pk, ChangeRecord.Action.CREATED, actor, {}, proposal)
        for entity, pk in created_records
    )
    return created


def _update(
    *,
    actor: User,
    instance: Household | Person,
    entity: str,
    new_values: dict[str, Any],
    expected_version: int,
    proposal: str = "",
) -> int:
    """Apply changed fields if the record is still at ``expected_version``; return the number
    of fields changed."""
    model = type(instance)
    changes = {
        name: [_jsonable(getattr(instance, name)), _jsonable(value)]
        for name, value in new_values.items()
        if getattr(instance, name) != value
    }
    if not changes:
        return 0
    specific = instance.specific_data if isinstance(instance, Person) else None
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        **stored_values(new_values, specific),
        version=expected_version + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True)
        raise EditConflict(current.first() or expected_version)
    _record(entity, instance.pk, ChangeRecord.Action.UPDATED, actor, changes, proposal).save()
    instance.refresh_from_db()
    return len(changes)


@transaction.atomic
def update_household(
    *,
    actor: User,
    household: Household,
    cells: Mapping[str, str | None],
    expected_version: int,
    today: date | None = None,
    proposal: str = "",
) -> int:
    """Replace the household's format fields with ``cells``; returns how many changed."""
    _require_writer(actor, household.village_id, proposal)
    checked, errors = _validate(
        fmt.HouseholdValidator(today=today), cells, {"household_id": household.external_id}
    )
    if checked is not None and not access.covers(actor, checked.values["region_code"]):
        errors.append(
            error(
                "REGION_OUTSIDE_SCOPE",
                gettext_noop("you may only move households within your own region"),
                "region_code",
            )
        )
    if errors or checked is None:
        raise RecordInvalid(errors)
    village = household.village_id
    changed = _update(
        actor=actor,
        instance=household,
        entity=ChangeRecord.Entity.HOUSEHOLD,
        new_values=_model_values(checked, HOUSEHOLD_FIELDS),
        expected_version=expected_version,
        proposal=proposal,
    )
    if household.village_id != village:
        households_moved.send(sender=Household, household_ids=[household.pk])
    return changed


@transaction.atomic
def update_person(
    *,
    actor: User,
    person: Person,
    cells: Mapping[str, str | None],
    expected_version: int,
    today: date | None = None,
    proposal: str = "",
) -> int:
    """Replace the person's format fields with ``cells``; returns how many changed."""
    _require_writer(actor, person.household.village_id, proposal)
    ids = {"person_id": person.external_id, "household_id": person.household.external_id}
    checked, errors = _validate(fmt.PersonValidator(today=today), cells, ids)
    if (
        checked is not None
        and person.relationship == "head"
        and checked.values["relationship"] != "head"
        and not _living_heads(person.household_id).exclude(pk=person.pk).exists()
    ):
        # Handing over goes the other way round: the new head first (move_member says so).
        errors.append(
            _head_count_error(gettext_noop("name the new head first: the household has no other"))
        )
    if errors or checked is None:
        raise RecordInvalid(members={0: errors})
    changed = _update(
        actor=actor,
        instance=person,
        entity=ChangeRecord.Entity.PERSON,
        new_values=_person_values(checked),
        expected_version=expected_version,
        proposal=proposal,
    )
    if person.nik:
        record_shared_niks(holders_of([person.nik]))
    return changed


@transaction.atomic
def add_member(
    *,
    actor: User,
    household: Household,
    cells: Mapping[str, str | None],
    today: date | None = None,
    proposal: str = "",
) -> Person:
    _require_writer(actor, household.village_id, proposal)
    ids = {"person_id": new_external_id("P"), "household_id": household.external_id}
    checked, errors = _validate(fmt.PersonValidator(today=today), cells, ids)
    if (
        checked is not None
        and checked.values["relationship"] == "head"
        and _living_heads(household.pk).exists()
    ):
        errors.append(
            _head_count_error(
                gettext_noop("the household has its head: add the member by their relationship")
            )
        )
    if errors or checked is None:
        raise RecordInvalid(members={0: errors})
    now = timezone.now()
    person = Person.objects.create(
        external_id=ids["person_id"],
        household=household,
        created_at=now,
        updated_at=now,
        **_person_values(checked),
    )
    _record(
        ChangeRecord.Entity.PERSON, person.pk, ChangeRecord.Action.CREATED, actor, {}, proposal
    ).save()
    if person.nik:
        record_shared_niks(holders_of([person.nik]))
    return person


@transaction.atomic
def move_member(
    *,
    actor: User,
    person: Person,
    to_household: Household,
    expected_version: int,
    proposal: str = "",
) -> None:
    """A member leaves for another registered household (a new KK, a marriage); both
    households must be within the writer's region."""
    _require_writer(actor, person.household.village_id, proposal)
    access.require_region(actor, to_household.village_id)
    if findings := _move_findings(person, to_household):
        raise RecordInvalid(members={0: findings})
    _update(
        actor=actor,
        instance=person,
        entity=ChangeRecord.Entity.PERSON,
        new_values={"household_id": to_household.pk},
        expected_version=expected_version,
        proposal=proposal,
    )


def _living_heads(household_id: int) -> QuerySet[Person]:
    return Person.objects.filter(
        household_id=household_id, relationship="head", deceased_date__isnull=True
    )


def _head_count_error(message: str) -> Finding:
    return error("HEAD_COUNT", message, "relationship")


def _move_findings(person: Person, to_household: Household) -> list[Finding]:
    """Why a member may not move: to another household only, and never the head or the last
    member (the household would be left without a head, or empty)."""
    if to_household.pk == person.household_id:
        message = gettext_noop("the member is already in that household")
    elif person.relationship == "head":
        message = gettext_noop("the head cannot leave: record the new head first")
    elif not Person.objects.filter(household_id=person.household_id).exclude(pk=person.pk).exists():
        message = gettext_noop("the last member cannot leave the household")
    else:
        return []
    return [error("MEMBER_MOVE_REFUSED", message, "household_id")]


def household_cells(household: Household) -> dict[str, str]:
    """A household as format v1 text cells (what forms show and the API returns)."""
    fields = HOUSEHOLD_FIELDS.items()
    return {column: cell_text(getattr(household, attname)) for column, attname in fields}


def person_cells(person: Person) -> dict[str, str]:
    cells = {
        column: cell_text(getattr(person, attname))
        for column, attname in PERSON_FIELDS.items()
        if column != "household_id"
    }
    cells["household_id"] = person.household.external_id
    return cells
