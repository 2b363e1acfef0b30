"""NIK (Nomor Induk Kependudukan) and KK (Kartu Keluarga) numbers.

Both are 16 digits: a 6-digit region of issue (province 2 + regency 2 + district 2), a date as
DDMMYY and a 4-digit serial from 0001. In a NIK the date is the birth date with 40 added to the
day for women; in a KK it is the date of registration. Only the province and the regency are
checked against the official lists (current codes and the former codes NIKs still carry after a
province split); district codes change too often to be checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sejahtera.domain.findings import Finding, error, gettext_noop, warning
from sejahtera.domain.regions import RegionCatalog, default_catalog

NUMBER_LENGTH = 16
FEMALE_DAY_OFFSET = 40


class Sex(StrEnum):
    MALE = "L"  # laki-laki
    FEMALE = "P"  # perempuan


class IdentifierKind(StrEnum):
    NIK = "NIK"
    KK = "KK"


@dataclass(slots=True)  # not frozen: a frozen init costs more than the whole parse
class ParsedIdentifier:
    """The parts of a NIK or KK number with every error and warning found on the way."""

    kind: IdentifierKind
    value: str
    province_code: str | None = None
    regency_code: str | None = None
    district_code: str | None = None
    current_regency_code: str | None = None
    date: date | None = None
    sex: Sex | None = None
    serial: str | None = None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        date_key = "birth_date" if self.kind is IdentifierKind.NIK else "issue_date"
        result: dict[str, Any] = {
            "kind": str(self.kind),
            "value": self.value,
            "valid": self.is_valid,
            "province_code": self.province_code,
            "regency_code": self.regency_code,
            "current_regency_code": self.current_regency_code,
            "district_code": self.district_code,
            date_key: self.date.isoformat() if self.date else None,
            "serial": self.serial,
            "errors": [f.as_dict() for f in self.errors],
            "warnings": [f.as_dict() for f in self.warnings],
        }
        if self.kind is IdentifierKind.NIK:
            result["sex"] = str(self.sex) if self.sex else None
        return result


def resolve_century(
    day: int, month: int, yy: int, *, near: date | None, today: date
) -> date | None:
    """The full date for DDMMYY, or None when no century makes it a real date.

    With a stated date (``near``) it is the real date nearest to it, never later than both
    ``today`` and the stated date; without one, the most recent date not after ``today``.
    """
    if near is not None and (near.day, near.month, near.year % 100) == (day, month, yy):
        return near  # the usual case: the NIK agrees with the stated date
    anchor = near or today
    limit = max(today, near) if near else today
    centuries = [anchor.year - anchor.year % 100 + 100 * k for k in (1, 0, -1, -2)]
    candidates = []
    for century in centuries:
        try:
            candidate = date(century + yy, month, day)
        except ValueError:
            continue
        if candidate <= limit:
            candidates.append(candidate)
    if not candidates:
        return None
    if near is None:
        return max(candidates)
    return min(candidates, key=lambda candidate: abs(candidate - near))


def parse_nik(
    value: str,
    *,
    sex: Sex | str | None = None,
    birth_date: date | None = None,
    today: date | None = None,
    catalog: RegionCatalog | None = None,
) -> ParsedIdentifier:
    """Parse and validate a NIK; ``sex`` and ``birth_date`` are what the person states."""
    return _parse(
        IdentifierKind.NIK,
        value,
        stated_sex=Sex(sex) if sex else None,
        stated_date=birth_date,
        today=today or date.today(),
        catalog=catalog or default_catalog(),
    )


def parse_kk(
    value: str, *, today: date | None = None, catalog: RegionCatalog | None = None
) -> ParsedIdentifier:
    """Parse and validate a family-card (KK) number."""
    return _parse(
        IdentifierKind.KK,
        value,
        stated_sex=None,
        stated_date=None,
        today=today or date.today(),
        catalog=catalog or default_catalog(),
    )


def _parse(
    kind: IdentifierKind,
    value: str,
    *,
    stated_sex: Sex | None,
    stated_date: date | None,
    today: date,
    catalog: RegionCatalog,
) -> ParsedIdentifier:
    prefix = str(kind)
    column = kind.lower()
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        return ParsedIdentifier(
            kind,
            value,
            findings=(
                error(
                    f"{prefix}_NOT_DIGITS",
                    gettext_noop("{kind} must contain digits only, got {value!r}"),
                    column,
                    kind=prefix,
                    value=value,
                ),
            ),
        )
    if len(value) != NUMBER_LENGTH:
        return ParsedIdentifier(
            kind,
            value,
            findings=(
                error(
                    f"{prefix}_LENGTH",
                    gettext_noop("{kind} must have 16 digits, this one has {length}"),
                    column,
                    kind=prefix,
                    length=len(value),
                ),
            ),
        )

    findings: list[Finding] = []
    province, regency, district = value[:2], value[:4], value[:6]
    current_regency = None
    if province not in catalog:
        findings.append(
            error(
                f"{prefix}_PROVINCE_UNKNOWN",
                gettext_noop("{kind} province code {code} does not exist"),
                column,
                kind=prefix,
                code=province,
            )
        )
    else:
        current_regency = catalog.current_regency(regency)
        if current_regency is None:
            findings.append(
                error(
                    f"{prefix}_REGION_UNKNOWN",
                    gettext_noop("{kind} regency/city code {code} does not exist"),
                    column,
                    kind=prefix,
                    code=regency,
                )
            )
        elif current_regency != regency:
            findings.append(
                warning(
                    f"{prefix}_REGION_FORMER",
                    gettext_noop("{kind} carries the former regency code {code}, today {current}"),
                    column,
                    kind=prefix,
                    code=regency,
                    current=current_regency,
                )
            )

    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    sex = None
    if kind is IdentifierKind.NIK:
        sex = Sex.FEMALE if day > FEMALE_DAY_OFFSET else Sex.MALE
        day -= FEMALE_DAY_OFFSET if sex is Sex.FEMALE else 0
    parsed_date = resolve_century(day, month, yy, near=stated_date, today=today)
    if parsed_date is None:
        findings.append(
            error(
                f"{prefix}_{'BIRTHDATE' if kind is IdentifierKind.NIK else 'DATE'}_INVALID",
                gettext_noop("{kind} date part {digits} is not a real date"),
                column,
                kind=prefix,
                digits=value[6:12],
            )
        )

    serial = value[12:]
    if serial == "0000":
        findings.append(
            error(
                f"{prefix}_SERIAL_ZERO",
                gettext_noop("{kind} serial number must start from 0001, got 0000"),
                column,
                kind=prefix,
            )
        )

    if stated_sex is not None and sex is not None and stated_sex is not sex:
        findings.append(
            warning(
                "NIK_SEX_MISMATCH",
                gettext_noop("NIK encodes sex {encoded} but the stated sex is {stated}"),
                column,
                encoded=str(sex),
                stated=str(stated_sex),
            )
        )
    if stated_date is not None and parsed_date is not None and parsed_date != stated_date:
        findings.append(
            warning(
                "NIK_BIRTHDATE_MISMATCH",
                gettext_noop("NIK encodes birth date {encoded} but the stated date is {stated}"),
                column,
                encoded=parsed_date.isoformat(),
                stated=stated_date.isoformat(),
            )
        )

    return ParsedIdentifier(
        kind,
        value,
        province_code=province,
        regency_code=regency,
        district_code=district,
        current_regency_code=current_regency,
        date=parsed_date,
        sex=sex,
        serial=serial,
        findings=tuple(findings),
    )


def encode_nik(district_code: str, birth_date: date, sex: Sex | str, serial: int) -> str:
    """Build a NIK from its parts (the inverse of :func:`parse_nik`)."""
    if len(district_code) != 6 or not district_code.isdigit():
        raise ValueError(f"district code must be 6 digits: {district_code!r}")
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be 1..9999: {serial}")
    day = birth_date.day + (FEMALE_DAY_OFFSET if Sex(sex) is Sex.FEMALE else 0)
    return f"{district_code}{day:02d}{birth_date:%m%y}{serial:04d}"


def encode_kk(district_code: str, issue_date: date, serial: int) -> str:
    """Build a KK number from its parts (the inverse of :func:`parse_kk`)."""
    if len(district_code) != 6 or not district_code.isdigit():
        raise ValueError(f"district code must be 6 digits: {district_code!r}")
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be 1..9999: {serial}")
    return f"{district_code}{issue_date:%d%m%y}{serial:04d}"
