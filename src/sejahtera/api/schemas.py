"""API schemas, generated from the exchange-format columns so the API, the import and the forms
can never drift apart. Cells are strings exactly as in format v1; the registry services validate
them (the same rules as the import), so invalid values come back as field errors, never 500s."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja import Schema
from pydantic import ConfigDict, Field, create_model

from sejahtera.domain import registry_format as fmt

SYSTEM_COLUMNS = {"household_id", "person_id"}


def _cell_field(column: fmt.Column) -> tuple[Any, Any]:
    description = f"Format v1 column `{column.name}` ({column.kind})."
    if column.choices:
        description += " One of: " + ", ".join(column.choices) + "."
    extra: dict[str, Any] = {}
    if column.kind in (fmt.Kind.ENUM,):
        extra["examples"] = [column.choices[0]]
    default = ... if column.required else None
    return (str if column.required else str | None), Field(
        default, description=description, max_length=500, json_schema_extra=extra or None
    )


class _Cells(Schema):
    model_config = ConfigDict(extra="forbid")  # an unknown column is an error, not ignored


def _cells_model(name: str, columns: tuple[fmt.Column, ...]) -> type[Schema]:
    fields = {c.name: _cell_field(c) for c in columns if c.name not in SYSTEM_COLUMNS}
    model: type[Schema] = create_model(name, __base__=_Cells, **fields)  # type: ignore[call-overload]
    return model


if TYPE_CHECKING:  # the checker sees plain schemas; at run time each column is a field

    class HouseholdCells(_Cells): ...

    class PersonCells(_Cells): ...

else:
    HouseholdCells = _cells_model("HouseholdCells", fmt.HOUSEHOLD_COLUMNS)
    PersonCells = _cells_model("PersonCells", fmt.PERSON_COLUMNS)


class HouseholdCreate(Schema):
    household: HouseholdCells
    members: list[PersonCells] = Field(..., min_length=1, max_length=50)


class HouseholdUpdate(Schema):
    version: int = Field(..., ge=1, description="The version you read; a newer one is a 409.")
    household: HouseholdCells


class PersonUpdate(Schema):
    version: int = Field(..., ge=1, description="The version you read; a newer one is a 409.")
    person: PersonCells


class PersonOut(Schema):
    id: int
    person_id: str
    household_id: str
    version: int
    nik_warnings: list[str]
    masked: bool = Field(description="True when specific personal data was withheld.")
    cells: dict[str, str | None]


class HouseholdOut(Schema):
    id: int
    household_id: str
    version: int
    region_name: str
    cells: dict[str, str | None]
    members: list[PersonOut]


class HouseholdSummary(Schema):
    id: int
    household_id: str
    kk_number: str | None
    region_code: str
    members: int


class Page(Schema):
    count: int
    page: int
    page_size: int
    next_page: int | None


class HouseholdPage(Page):
    items: list[HouseholdSummary]


class PersonPage(Page):
    items: list[PersonOut]


class FindingOut(Schema):
    code: str
    severity: str
    column: str
    message: str


class NikCheckOut(Schema):
    valid: bool
    province_code: str | None
    regency_code: str | None
    current_regency_code: str | None
    district_code: str | None
    birth_date: str | None
    sex: str | None
    serial: str | None
    errors: list[FindingOut]
    warnings: list[FindingOut]


class ImportOut(Schema):
    id: int
    status: str
    progress: dict[str, Any]
    summary: dict[str, Any]
    error: str
    report_url: str | None


class FieldError(Schema):
    field: str
    code: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = []
