"""Partner programmes: the catalogue of other ministries' and agencies' programmes a family is
referred to when it leaves the ministry's support (termination), and which of them a family
fits. Free of Django.

The ministry describes the end of the journey as "once empowered, they graduate; then they join
another ministry's programme" — business capital credit from the Ministry of SMEs, training from
the Ministry of Manpower, health insurance from BPJS Kesehatan. The catalogue says who runs each
programme, what it gives, who it is for and whom to contact; it ships as a TOML file
(``sejahtera/data/partners/programmes.toml``) that an office may replace with its own
(``SEJAHTERA_PARTNER_PROGRAMMES``). Who a programme is for is a guide for the social worker:
the referral form lists the programmes the family fits first, and may still send it to another.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sejahtera.domain.empowerment import Track
from sejahtera.domain.findings import Finding, Refused, error, gettext_noop

_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,39}")
SEXES = ("L", "P")  # laki-laki, perempuan (the registry's codes)


@dataclass(frozen=True)
class PartnerProgramme:
    code: str
    agency: str  # the partner agency's name; its users see the referrals sent to it
    name: str
    gives: str  # what the family receives, in a sentence
    contact: str
    max_decile: int | None = None
    min_age: int | None = None  # a living member of this age (and sex, if set) is needed
    max_age: int | None = None
    sex: str | None = None
    track: Track | None = None  # the family's empowerment track, if the programme needs one


@dataclass(frozen=True)
class Family:
    """What a programme's conditions read: the latest run's national decile, the living
    members' ages and sexes, and the empowerment track."""

    decile: int | None
    members: Sequence[tuple[int, str]]  # (age, sex)
    track: Track | None


@dataclass(frozen=True)
class Fit:
    programme: PartnerProgramme
    conditions: tuple[Finding, ...]  # who the programme is for, in words
    unmet: tuple[str, ...]  # the codes of the conditions the family does not meet

    @property
    def fits(self) -> bool:
        return not self.unmet


DECILE = "PARTNER_DECILE"
MEMBER = "PARTNER_MEMBER"
TRACK = "PARTNER_TRACK"

# who a programme is for, by (sex, the age bounds it sets)
_MEMBER_TEMPLATES = {
    ("", "both"): gettext_noop("a member aged {low}–{high}"),
    ("", "low"): gettext_noop("a member aged {low} or over"),
    ("", "high"): gettext_noop("a member aged up to {high}"),
    ("P", "both"): gettext_noop("a woman aged {low}–{high}"),
    ("P", "low"): gettext_noop("a woman aged {low} or over"),
    ("P", "high"): gettext_noop("a woman aged up to {high}"),
    ("P", "none"): gettext_noop("a woman"),
    ("L", "both"): gettext_noop("a man aged {low}–{high}"),
    ("L", "low"): gettext_noop("a man aged {low} or over"),
    ("L", "high"): gettext_noop("a man aged up to {high}"),
    ("L", "none"): gettext_noop("a man"),
}


_TRACK_TEMPLATES = {
    Track.BUSINESS: gettext_noop("the business track of empowerment"),
    Track.EMPLOYMENT: gettext_noop("the employment track of empowerment"),
}


def conditions(programme: PartnerProgramme) -> list[Finding]:
    """Who the programme is for, one finding per condition (code DECILE, MEMBER, TRACK)."""
    found = []
    if programme.max_decile is not None:
        found.append(
            error(DECILE, gettext_noop("deciles 1–{max_decile}"), max_decile=programme.max_decile)
        )
    low, high = programme.min_age, programme.max_age
    bounds = (
        "both"
        if low is not None and high is not None
        else "low"
        if low is not None
        else "high"
        if high is not None
        else "none"
    )
    if (programme.sex or "", bounds) in _MEMBER_TEMPLATES:
        template = _MEMBER_TEMPLATES[(programme.sex or "", bounds)]
        found.append(error(MEMBER, template, low=low, high=high))
    if programme.track is not None:
        found.append(error(TRACK, _TRACK_TEMPLATES[programme.track]))
    return found


def fit(programme: PartnerProgramme, family: Family) -> Fit:
    unmet = []
    if programme.max_decile is not None and (
        family.decile is None or family.decile > programme.max_decile
    ):
        unmet.append(DECILE)
    if _has_member_condition(programme) and not any(
        _member_fits(programme, age, sex) for age, sex in family.members
    ):
        unmet.append(MEMBER)
    if programme.track is not None and family.track is not programme.track:
        unmet.append(TRACK)
    return Fit(programme, tuple(conditions(programme)), tuple(unmet))


def fits_first(catalogue: Iterable[PartnerProgramme], family: Family) -> list[Fit]:
    """Every programme with whether the family fits it: the ones it fits first, each group in
    the catalogue's order."""
    fits = [fit(programme, family) for programme in catalogue]
    return sorted(fits, key=lambda f: not f.fits)


def _has_member_condition(programme: PartnerProgramme) -> bool:
    return programme.min_age is not None or programme.max_age is not None or bool(programme.sex)


def _member_fits(programme: PartnerProgramme, age: int, sex: str) -> bool:
    return (
        (programme.min_age is None or age >= programme.min_age)
        and (programme.max_age is None or age <= programme.max_age)
        and (not programme.sex or sex == programme.sex)
    )


# -- the catalogue file ------------------------------------------------------------------------

_TEXT_FIELDS = ("agency", "name", "gives", "contact")
_NUMBER_FIELDS = {"max_decile": (1, 10), "min_age": (0, 120), "max_age": (0, 120)}


def read_catalogue(text: str) -> tuple[PartnerProgramme, ...]:
    """The programmes of a catalogue file (``[[programme]]`` tables); refuses the whole file,
    naming the programme and the field, when one entry is wrong (a catalogue is small and
    edited by hand)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Refused(
            gettext_noop("the catalogue is not valid TOML: {problem}"), problem=exc
        ) from exc
    entries = data.get("programme", [])
    if not isinstance(entries, list) or not entries:
        raise Refused(gettext_noop("the catalogue lists no [[programme]]"))
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise Refused(
                gettext_noop("programme {number} is not a [[programme]] table"), number=number
            )
    programmes = [_programme(number, entry) for number, entry in enumerate(entries, start=1)]
    codes = [p.code for p in programmes]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise Refused(
            gettext_noop("programme codes must be unique: {codes}"), codes=", ".join(repeated)
        )
    return tuple(programmes)


def _programme(number: int, entry: Mapping[str, Any]) -> PartnerProgramme:
    def refuse(field: str, why: str) -> Refused:
        return Refused(
            gettext_noop("programme {number} ({code}), {field}: {why}"),
            number=number,
            code=entry.get("code", "?"),
            field=field,
            why=why,
        )

    known = {"code", "sex", "track", *_TEXT_FIELDS, *_NUMBER_FIELDS}
    for field in entry:
        if field not in known:
            raise refuse(field, "not a field of a programme")
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise refuse("code", "capital letters, digits and _ (e.g. KUR_MIKRO)")
    texts = {}
    for field in _TEXT_FIELDS:
        value = entry.get(field)
        if not isinstance(value, str) or not value.strip():
            raise refuse(field, "a text is needed")
        texts[field] = value.strip()
    numbers: dict[str, int | None] = {}
    for field, (least, most) in _NUMBER_FIELDS.items():
        value = entry.get(field)
        whole = isinstance(value, int) and not isinstance(value, bool)  # TOML true is no age
        if value is not None and (not whole or not least <= value <= most):
            raise refuse(field, f"a whole number from {least} to {most}")
        numbers[field] = value
    youngest, oldest = numbers["min_age"], numbers["max_age"]
    if youngest is not None and oldest is not None and youngest > oldest:
        raise refuse("min_age", "not above max_age")
    sex = entry.get("sex")
    if sex is not None and sex not in SEXES:
        raise refuse("sex", "L or P")
    track = entry.get("track")
    if track is not None and track not in tuple(Track):
        raise refuse("track", "business or employment")
    return PartnerProgramme(
        code=code,
        agency=texts["agency"],
        name=texts["name"],
        gives=texts["gives"],
        contact=texts["contact"],
        max_decile=numbers["max_decile"],
        min_age=numbers["min_age"],
        max_age=numbers["max_age"],
        sex=sex,
        track=Track(track) if track else None,
    )
