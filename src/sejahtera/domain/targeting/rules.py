"""Targeting rules as versioned data: loading and strict validation of a rules TOML file.

A rules file holds every setting of the targeting defaults (cluster thresholds, decile cut-offs,
programme amounts, PKH components and caps, …) plus a ``version`` and an ``effective_from``
date. ``load_rules`` turns it into a frozen :class:`Rules`; anything it does not understand is
an error naming the key path and the reason, never a silent "nobody eligible".

    rules = load_rules()                     # the shipped defaults
    rules = load_rules(Path("rules.toml"))   # an administrator's version
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sejahtera.domain.registry_format import (
    DISABILITY_SEVERITY,
    EMPLOYMENT,
    SCHOOL_ENROLLED,
    SEXES,
)
from sejahtera.domain.targeting.pmt import PmtModel, PmtModelError, load_model
from sejahtera.domain.targeting.settings import BOUNDS, SettingKind, setting_kind

CLUSTER_CODES: tuple[str, ...] = (
    "ANAK_RENTAN",
    "DISABILITAS",
    "LANSIA_TELANTAR",
    "BERPENDAPATAN_RENDAH",
    "KORBAN_BENCANA",
    "AFIRMASI_KHUSUS",
    "WARGA_BINAAN",
    "KORBAN_KEKERASAN",
    "NAPZA_HIV",
    "BERMASALAH_SOSIAL",
    "PEREMPUAN_RENTAN",
    "FAKIR_MISKIN",
)
PROGRAMME_CODES: tuple[str, ...] = ("PKH", "SEMBAKO", "PBI_JK", "ATENSI", "PENA")
HOUSEHOLD_PROGRAMMES: tuple[str, ...] = ("PKH", "SEMBAKO")
PERSON_PROGRAMMES: tuple[str, ...] = ("PBI_JK", "ATENSI", "PENA")
COMPONENT_CODES: tuple[str, ...] = (
    "PREGNANT",
    "EARLY_CHILD",
    "PRIMARY",
    "JUNIOR",
    "SENIOR",
    "SEVERE_DISABILITY",
    "ELDERLY",
)
# Person flags a cluster's `any_of` may name: the boolean columns of persons.csv, plus
# `disability` (disability ≠ none) and the two inmate statuses.
BOOLEAN_FLAGS: tuple[str, ...] = (
    "chronic_illness",
    "pregnant",
    "neglected",
    "orphan",
    "street_situation",
    "child_in_conflict_with_law",
    "disaster_victim",
    "remote_indigenous",
    "violence_victim",
    "trafficking_victim",
    "drug_user",
    "hiv",
    "social_problem",
)
PERSON_FLAGS: tuple[str, ...] = (*BOOLEAN_FLAGS, "disability", "inmate", "former_inmate")

# An administrator's own programme (and its components) is named like the built-in ones.
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{1,19}$")
UNITS: tuple[str, ...] = ("household", "person")

NUMBER_NAMES = {
    SettingKind.DECILE: "a decile 1–10",
    SettingKind.AGE: "age in whole years",
    SettingKind.COUNT: "a count",
    SettingKind.STAGES: "stages per year",
    SettingKind.AMOUNT: "whole rupiah",
}
DEFAULT_RULES_PATH = Path(str(resources.files("sejahtera") / "data" / "rules" / "default.toml"))


class RulesError(ValueError):
    """A rules file that cannot be used. ``problems`` lists (key path, reason) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {path}: {why}" for path, why in problems)
        super().__init__(f"rules {source} are invalid:\n{lines}")


# -- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterRule:
    """One cluster's rule. Which keys apply depends on the cluster (see ``CLUSTER_KEYS``)."""

    code: str
    enabled: bool = True
    any_of: tuple[str, ...] = ()
    age_below: int | None = None
    min_age: int | None = None
    max_decile: int | None = None
    alone_income_below: int | None = None
    alone_max_decile: int | None = None
    income_above: int | None = None
    income_below: int | None = None
    employment: tuple[str, ...] = ()
    sex: str | None = None


@dataclass(frozen=True)
class PkhComponent:
    code: str
    order: int  # position in the table, 1-based: breaks ties between equal amounts
    yearly_amount: int
    cap: int | None = None  # at most this many members per household; None = no cap
    min_age: int | None = None
    max_age: int | None = None
    pregnant: bool | None = None
    school_enrolled: str | None = None
    disability_severity: str | None = None


def _tests_health(component: PkhComponent) -> bool:
    """Whether a member matches ``component`` only by a health condition (a disability, a
    pregnancy): a programme whose every component is such tells it by its eligibility."""
    return component.disability_severity is not None or component.pregnant is True


@dataclass(frozen=True)
class PkhRules:
    max_decile: int
    stages_per_year: int
    max_components: int
    components: tuple[PkhComponent, ...]


@dataclass(frozen=True)
class SembakoRules:
    max_decile: int
    monthly_amount: int


@dataclass(frozen=True)
class PbiJkRules:
    max_decile: int
    monthly_amount_per_person: int


@dataclass(frozen=True)
class AtensiRules:
    excluded_clusters: tuple[str, ...]


@dataclass(frozen=True)
class PenaRules:
    min_age: int
    max_age: int
    max_decile: int
    excluded_employment: tuple[str, ...]
    max_capital_amount: int


@dataclass(frozen=True)
class CustomProgramme:
    """A programme an administrator defines from the built-in ones' building blocks.

    Every condition that is set must hold (a person unit tests the person; a household unit
    its national decile and, with ``components``, its members the PKH way). The benefit is
    ``monthly_amount`` per subject, plus for a household the yearly sum of its kept
    components, plus ``one_off_amount`` once; a programme may also pay nothing in cash."""

    code: str
    name: str
    unit: str  # "household" or "person"
    max_decile: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    sex: str | None = None
    any_of: tuple[str, ...] = ()  # person flags, as in a cluster rule
    clusters: tuple[str, ...] = ()  # in at least one of these (all when only excluded ones)
    excluded_clusters: tuple[str, ...] = ()
    employment: tuple[str, ...] = ()
    excluded_employment: tuple[str, ...] = ()
    components: tuple[PkhComponent, ...] = ()
    max_components: int | None = None  # None: every kept component counts
    stages_per_year: int | None = None
    monthly_amount: int | None = None
    one_off_amount: int | None = None

    @property
    def reveals_vulnerability(self) -> bool:
        """Whether being decided eligible tells which vulnerable cluster or condition (drug
        use, HIV, violence, …) a person is in, as ATENSI does: specific personal data."""
        return bool(self.clusters or self.excluded_clusters or self.any_of) or bool(
            self.components and all(_tests_health(c) for c in self.components)
        )

    @property
    def counted_clusters(self) -> tuple[str, ...]:
        """The clusters that qualify a person; empty when clusters are no condition."""
        if not self.clusters and not self.excluded_clusters:
            return ()
        return tuple(c for c in (self.clusters or CLUSTER_CODES) if c not in self.excluded_clusters)


@dataclass(frozen=True)
class ExtremePoverty:
    """The extreme-poverty line (Inpres 4/2022): a household whose predicted consumption per
    person is below it is marked extremely poor."""

    line: int  # rupiah per person per month
    source: str
    year: int


@dataclass(frozen=True)
class Rules:
    version: str
    effective_from: date
    clusters: Mapping[str, ClusterRule]  # every code of CLUSTER_CODES, in that order
    pkh: PkhRules
    sembako: SembakoRules
    pbi_jk: PbiJkRules
    atensi: AtensiRules
    pena: PenaRules
    pmt_model: PmtModel
    description: str = ""
    custom: tuple[CustomProgramme, ...] = ()  # in the order of the file
    extreme_poverty: ExtremePoverty | None = None
    source: str = field(default="", compare=False)

    @property
    def programme_codes(self) -> tuple[str, ...]:
        return PROGRAMME_CODES + tuple(p.code for p in self.custom)

    @property
    def revealing_programmes(self) -> tuple[str, ...]:
        """Person programmes whose decisions only roles that may read specific data see."""
        return ("ATENSI", *(p.code for p in self.custom if p.reveals_vulnerability))

    @property
    def component_programmes(self) -> tuple[str, ...]:
        """Programmes whose amount is the sum of the components its members match (PKH's
        disability or pregnancy component among them): the amount tells which."""
        return ("PKH", *(p.code for p in self.custom if p.components))

    @property
    def household_programmes(self) -> tuple[str, ...]:
        return HOUSEHOLD_PROGRAMMES + tuple(p.code for p in self.custom if p.unit == "household")

    @property
    def person_programmes(self) -> tuple[str, ...]:
        return tuple(c for c in self.programme_codes if c not in self.household_programmes)


# -- the schema -------------------------------------------------------------------------------

# Per cluster: (required keys, optional keys); `enabled` is always optional.
CLUSTER_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "ANAK_RENTAN": (frozenset({"age_below", "any_of"}), frozenset()),
    "LANSIA_TELANTAR": (
        frozenset({"min_age", "any_of", "alone_income_below", "alone_max_decile"}),
        frozenset(),
    ),
    "BERPENDAPATAN_RENDAH": (
        frozenset({"min_age", "any_of", "income_above", "income_below", "employment"}),
        frozenset(),
    ),
    "PEREMPUAN_RENTAN": (frozenset({"sex", "min_age", "max_decile"}), frozenset()),
    "FAKIR_MISKIN": (frozenset({"max_decile"}), frozenset()),
}
FLAG_CLUSTER_KEYS: tuple[frozenset[str], frozenset[str]] = (frozenset({"any_of"}), frozenset())

COMPONENT_KEYS = frozenset(
    {
        "code",
        "yearly_amount",
        "cap",
        "min_age",
        "max_age",
        "pregnant",
        "school_enrolled",
        "disability_severity",
    }
)
COMPONENT_CONDITIONS = ("min_age", "max_age", "pregnant", "school_enrolled", "disability_severity")


class _Checker:
    """Collects problems while reading a parsed TOML document."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, why: str) -> None:
        self.problems.append((path, why))

    def table(self, data: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.fail(path, f"must be a table, got {_type_name(data)}")
            return None
        return data

    def keys(
        self,
        data: Mapping[str, Any],
        path: str,
        required: frozenset[str] | set[str],
        optional: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        for key in data:
            if key not in required and key not in optional:
                allowed = ", ".join(sorted(set(required) | set(optional)))
                self.fail(_join(path, key), f"unknown key (allowed here: {allowed})")
        for key in sorted(required):
            if key not in data:
                self.fail(_join(path, key), "missing")

    def integer(self, value: Any, path: str, low: int, high: int, what: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be a whole number ({what}), got {_show(value)}")
            return None
        if value < low:
            why = "must not be negative" if low == 0 else f"must be at least {low}"
            self.fail(path, f"{why} ({what}), got {value}")
            return None
        if value > high:
            self.fail(path, f"must be at most {high} ({what}), got {value}")
            return None
        return value

    def number(self, value: Any, path: str, kind: SettingKind) -> int | None:
        low, high = BOUNDS[kind]
        return self.integer(value, path, low, high, NUMBER_NAMES[kind])

    def age(self, value: Any, path: str) -> int | None:
        return self.number(value, path, SettingKind.AGE)

    def decile(self, value: Any, path: str) -> int | None:
        return self.number(value, path, SettingKind.DECILE)

    def amount(self, value: Any, path: str) -> int | None:
        return self.number(value, path, SettingKind.AMOUNT)

    def count(self, value: Any, path: str) -> int | None:
        return self.number(value, path, SettingKind.COUNT)

    def boolean(self, value: Any, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.fail(path, f"must be true or false, got {_show(value)}")
            return None
        return value

    def text(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"must be a non-empty string, got {_show(value)}")
            return None
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...], what: str) -> str | None:
        if not isinstance(value, str):
            self.fail(path, f"must be a string ({what}), got {_show(value)}")
            return None
        if value not in choices:
            self.fail(path, f"unknown {what} {value!r}; expected one of: {', '.join(choices)}")
            return None
        return value

    def choices(
        self,
        value: Any,
        path: str,
        choices: tuple[str, ...],
        what: str,
        allow_empty: bool = False,
    ) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.fail(path, f"must be a list of {what}s, got {_show(value)}")
            return None
        if not value and not allow_empty:
            self.fail(path, f"must name at least one {what}")
            return None
        picked = []
        ok = True
        for index, item in enumerate(value):
            chosen = self.choice(item, f"{path}[{index}]", choices, what)
            if chosen is None:
                ok = False
            elif chosen in picked:
                self.fail(f"{path}[{index}]", f"{what} {chosen!r} is listed twice")
                ok = False
            else:
                picked.append(chosen)
        return tuple(picked) if ok else None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


# -- loading ----------------------------------------------------------------------------------


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and validate a rules TOML file (the shipped defaults when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(str(path), [("", f"cannot be read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError:
        raise RulesError(str(path), [("", "is not UTF-8 text")]) from None
    return parse_rules_text(text, base_dir=path.parent, source=str(path))


def parse_rules_text(text: str, *, base_dir: Path, source: str = "<text>") -> Rules:
    return parse_rules(decode_rules_text(text, source), base_dir=base_dir, source=source)


def decode_rules_text(text: str, source: str = "<text>") -> dict[str, Any]:
    """The TOML document of a rules text, not yet validated (``parse_rules`` does that)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(source, [("", f"is not valid TOML: {exc}")]) from None


def parse_rules(
    data: Mapping[str, Any],
    *,
    base_dir: Path | None = None,
    source: str = "<data>",
    pmt_model: PmtModel | None = None,
) -> Rules:
    """Validate a parsed rules document. ``pmt_model`` replaces the file that
    ``welfare.pmt_model`` names (tests use it); ``base_dir`` resolves that file's path."""
    check = _Checker()
    top = check.table(dict(data), "")
    if top is None:  # pragma: no cover - a parsed TOML document is always a table
        raise RulesError(source, check.problems)
    check.keys(
        top,
        "",
        {"version", "effective_from", "welfare", "clusters", "programmes"},
        {"description"},
    )
    version = check.text(top["version"], "version") if "version" in top else None
    effective_from = _effective_from(check, top.get("effective_from"))
    description = top.get("description", "")
    if not isinstance(description, str):
        check.fail("description", f"must be a string, got {_show(description)}")
    model = pmt_model
    extreme_poverty = None
    if "welfare" in top:
        welfare = _welfare(check, top["welfare"], base_dir or DEFAULT_RULES_PATH.parent, model)
        model, extreme_poverty = welfare
    clusters = _clusters(check, top["clusters"]) if "clusters" in top else None
    programmes = _programmes(check, top["programmes"]) if "programmes" in top else None
    if check.problems:
        raise RulesError(source, check.problems)
    assert version is not None
    assert effective_from is not None
    assert model is not None
    assert clusters is not None
    assert programmes is not None
    return Rules(
        version=version,
        effective_from=effective_from,
        description=str(description),
        clusters=clusters,
        pmt_model=model,
        extreme_poverty=extreme_poverty,
        source=source,
        **programmes,
    )


def _effective_from(check: _Checker, value: Any) -> date | None:
    if value is None:
        return None  # reported as missing by keys()
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
    check.fail("effective_from", f"must be a date YYYY-MM-DD, got {_show(value)}")
    return None


def _welfare(
    check: _Checker, value: Any, base_dir: Path, model: PmtModel | None
) -> tuple[PmtModel | None, ExtremePoverty | None]:
    table = check.table(value, "welfare")
    if table is None:
        return None, None
    check.keys(table, "welfare", {"pmt_model"}, {"extreme_poverty"})
    extreme = (
        _extreme_poverty(check, table["extreme_poverty"]) if "extreme_poverty" in table else None
    )
    name = table.get("pmt_model")
    if name is None or check.text(name, "welfare.pmt_model") is None:
        return None, extreme
    if model is not None:
        return model, extreme
    path = Path(name) if Path(name).is_absolute() else base_dir / name
    try:
        return load_model(path), extreme
    except OSError as exc:
        check.fail("welfare.pmt_model", f"cannot read {path}: {exc.strerror or exc}")
    except PmtModelError as exc:
        check.fail("welfare.pmt_model", f"{path} is not a usable PMT model: {exc}")
    return None, extreme


def _extreme_poverty(check: _Checker, value: Any) -> ExtremePoverty | None:
    path = "welfare.extreme_poverty"
    table = check.table(value, path)
    if table is None:
        return None
    check.keys(table, path, {"line", "source", "year"})
    line = source = year = None
    if "line" in table:
        line = check.integer(table["line"], f"{path}.line", 1, 100_000_000, "rupiah a month")
    if "source" in table:
        source = check.text(table["source"], f"{path}.source")
    if "year" in table:
        year = check.integer(table["year"], f"{path}.year", 2000, 2100, "year")
    if line is None or source is None or year is None:
        return None
    return ExtremePoverty(line, source, year)


def _clusters(check: _Checker, value: Any) -> dict[str, ClusterRule] | None:
    table = check.table(value, "clusters")
    if table is None:
        return None
    check.keys(table, "clusters", set(CLUSTER_CODES))
    rules: dict[str, ClusterRule] = {}
    for code in CLUSTER_CODES:
        if code not in table:
            continue
        path = f"clusters.{code}"
        body = check.table(table[code], path)
        if body is None:
            continue
        required, optional = CLUSTER_KEYS.get(code, FLAG_CLUSTER_KEYS)
        check.keys(body, path, required, optional | {"enabled"})
        values: dict[str, Any] = {}
        for key, raw in body.items():
            if key in required or key in optional or key == "enabled":
                values[key] = _setting(check, key, raw, f"{path}.{key}")
        low, high = values.get("income_above"), values.get("income_below")
        if isinstance(low, int) and isinstance(high, int) and low >= high:
            check.fail(f"{path}.income_below", f"must be above income_above ({low}), got {high}")
        if all(v is not None for v in values.values()) and set(values) >= required:
            rules[code] = ClusterRule(code=code, **values)
    return rules if len(rules) == len(CLUSTER_CODES) else None


def _setting(check: _Checker, key: str, raw: Any, path: str) -> Any:
    """One setting of a cluster rule or a new programme, checked by what its key names; money
    (incomes, amounts) for any key it does not name."""
    if key == "enabled":
        return check.boolean(raw, path)
    excluding = key.startswith("excluded_")  # an empty exclusion list excludes nothing
    if key == "any_of":
        return check.choices(raw, path, PERSON_FLAGS, "person flag")
    if key in ("employment", "excluded_employment"):
        return check.choices(raw, path, EMPLOYMENT, "employment", excluding)
    if key in ("clusters", "excluded_clusters"):
        return check.choices(raw, path, CLUSTER_CODES, "cluster", excluding)
    if key == "sex":
        return check.choice(raw, path, SEXES, "sex")
    return check.number(raw, path, setting_kind(key))


def _programmes(check: _Checker, value: Any) -> dict[str, Any] | None:
    table = check.table(value, "programmes")
    if table is None:
        return None
    custom_codes = [code for code in table if code not in PROGRAMME_CODES]
    for code in sorted(set(PROGRAMME_CODES) - set(table)):
        check.fail(f"programmes.{code}", "missing")
    readers = {
        "PKH": ("pkh", _pkh),
        "SEMBAKO": ("sembako", _sembako),
        "PBI_JK": ("pbi_jk", _pbi_jk),
        "ATENSI": ("atensi", _atensi),
        "PENA": ("pena", _pena),
    }
    result: dict[str, Any] = {}
    for code, (name, reader) in readers.items():
        if code in table:
            body = check.table(table[code], f"programmes.{code}")
            if body is not None:
                result[name] = reader(check, body, f"programmes.{code}")
    custom = []
    for code in custom_codes:
        path = f"programmes.{code}"
        if not CODE_PATTERN.match(code):
            check.fail(
                path,
                "unknown programme: a new programme's code is 2–20 capital letters, digits "
                f"or _ starting with a letter (built-in: {', '.join(PROGRAMME_CODES)})",
            )
            continue
        body = check.table(table[code], path)
        if body is not None:
            custom.append(_custom_programme(check, code, body, path))
    if len(result) != len(readers) or any(v is None for v in (*result.values(), *custom)):
        return None
    result["custom"] = tuple(custom)
    return result


def _pkh(check: _Checker, body: dict[str, Any], path: str) -> PkhRules | None:
    check.keys(body, path, {"max_decile", "stages_per_year", "max_components", "components"})
    max_decile = (
        check.decile(body["max_decile"], f"{path}.max_decile") if "max_decile" in body else None
    )
    stages = (
        check.number(body["stages_per_year"], f"{path}.stages_per_year", SettingKind.STAGES)
        if "stages_per_year" in body
        else None
    )
    max_components = (
        check.count(body["max_components"], f"{path}.max_components")
        if "max_components" in body
        else None
    )
    components = _components(check, body.get("components"), f"{path}.components", stages)
    if None in (max_decile, stages, max_components, components):
        return None
    assert max_decile is not None
    assert stages is not None
    assert max_components is not None
    assert components is not None
    return PkhRules(max_decile, stages, max_components, components)


def _components(
    check: _Checker,
    value: Any,
    path: str,
    stages: int | None,
    codes: tuple[str, ...] | None = COMPONENT_CODES,
    programme: str = "PKH",
) -> tuple[PkhComponent, ...] | None:
    """The ``[[…components]]`` tables at ``path``. ``codes`` limits the component codes
    (PKH's are fixed); None allows any code of CODE_PATTERN (a new programme's own)."""
    if value is None:
        return None  # reported as missing
    if not isinstance(value, list) or not value:
        check.fail(path, f"must be a non-empty list of [[{path}]] tables")
        return None
    components: list[PkhComponent] = []
    seen: set[str] = set()
    ok = True
    for index, raw in enumerate(value, start=1):
        item_path = f"{path}[{index - 1}]"
        body = check.table(raw, item_path)
        if body is None:
            ok = False
            continue
        before = len(check.problems)
        check.keys(body, item_path, {"code", "yearly_amount"}, COMPONENT_KEYS)
        code = _component_code(check, body.get("code"), f"{item_path}.code", codes)
        if code is not None and code in seen:
            check.fail(f"{item_path}.code", f"{programme} component {code!r} is listed twice")
        if code is not None:
            seen.add(code)
            item_path = f"{path}[{index - 1}] ({code})"
        amount = (
            check.amount(body["yearly_amount"], f"{item_path}.yearly_amount")
            if "yearly_amount" in body
            else None
        )
        if amount is not None and stages is not None and amount % stages:
            check.fail(
                f"{item_path}.yearly_amount",
                f"must be divisible by stages_per_year ({stages}) so every stage pays whole "
                f"rupiah, got {amount}",
            )
        cap = check.count(body["cap"], f"{item_path}.cap") if "cap" in body else None
        min_age = check.age(body["min_age"], f"{item_path}.min_age") if "min_age" in body else None
        max_age = check.age(body["max_age"], f"{item_path}.max_age") if "max_age" in body else None
        if min_age is not None and max_age is not None and min_age > max_age:
            check.fail(f"{item_path}.max_age", f"must be ≥ min_age ({min_age}), got {max_age}")
        pregnant = (
            check.boolean(body["pregnant"], f"{item_path}.pregnant") if "pregnant" in body else None
        )
        school = (
            check.choice(
                body["school_enrolled"],
                f"{item_path}.school_enrolled",
                SCHOOL_ENROLLED,
                "school level",
            )
            if "school_enrolled" in body
            else None
        )
        severity = (
            check.choice(
                body["disability_severity"],
                f"{item_path}.disability_severity",
                DISABILITY_SEVERITY,
                "disability severity",
            )
            if "disability_severity" in body
            else None
        )
        if not any(key in body for key in COMPONENT_CONDITIONS):
            check.fail(
                item_path,
                "needs at least one condition: " + ", ".join(COMPONENT_CONDITIONS),
            )
        if pregnant is False:
            check.fail(f"{item_path}.pregnant", "only `pregnant = true` is a condition")
        if len(check.problems) > before or code is None or amount is None:
            ok = False
            continue
        components.append(
            PkhComponent(
                code=code,
                order=index,
                yearly_amount=amount,
                cap=cap,
                min_age=min_age,
                max_age=max_age,
                pregnant=pregnant,
                school_enrolled=school,
                disability_severity=severity,
            )
        )
    return tuple(components) if ok else None


def _component_code(
    check: _Checker, value: Any, path: str, codes: tuple[str, ...] | None
) -> str | None:
    if value is None:
        return None  # reported as missing
    if codes is not None:
        return check.choice(value, path, codes, "PKH component")
    if not isinstance(value, str) or not CODE_PATTERN.match(value):
        check.fail(
            path,
            f"must be 2–20 capital letters, digits or _ starting with a letter, got {_show(value)}",
        )
        return None
    return value


def _settings(
    check: _Checker, body: dict[str, Any], path: str, keys: set[str]
) -> dict[str, Any] | None:
    """Every one of ``keys`` read and checked (and no other key), or None if any is not."""
    check.keys(body, path, keys)
    values = {key: _setting(check, key, body[key], f"{path}.{key}") for key in body if key in keys}
    if set(values) != keys or any(value is None for value in values.values()):
        return None
    return values


def _ages_in_order(check: _Checker, values: dict[str, Any], path: str) -> bool:
    low, high = values.get("min_age"), values.get("max_age")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        check.fail(f"{path}.max_age", f"must be ≥ min_age ({low}), got {high}")
        return False
    return True


def _sembako(check: _Checker, body: dict[str, Any], path: str) -> SembakoRules | None:
    values = _settings(check, body, path, {"max_decile", "monthly_amount"})
    return SembakoRules(**values) if values else None


def _pbi_jk(check: _Checker, body: dict[str, Any], path: str) -> PbiJkRules | None:
    values = _settings(check, body, path, {"max_decile", "monthly_amount_per_person"})
    return PbiJkRules(**values) if values else None


def _atensi(check: _Checker, body: dict[str, Any], path: str) -> AtensiRules | None:
    values = _settings(check, body, path, {"excluded_clusters"})
    return AtensiRules(**values) if values else None


def _pena(check: _Checker, body: dict[str, Any], path: str) -> PenaRules | None:
    keys = {"min_age", "max_age", "max_decile", "excluded_employment", "max_capital_amount"}
    values = _settings(check, body, path, keys)
    if values is None or not _ages_in_order(check, values, path):
        return None
    return PenaRules(**values)


# Keys of a new programme, by unit (besides `name` and `unit`).
BENEFIT_KEYS = frozenset({"monthly_amount", "one_off_amount"})
PERSON_CONDITION_KEYS = frozenset(
    {
        "max_decile",
        "min_age",
        "max_age",
        "sex",
        "any_of",
        "clusters",
        "excluded_clusters",
        "employment",
        "excluded_employment",
    }
)
HOUSEHOLD_CONDITION_KEYS = frozenset({"max_decile", "components"})
HOUSEHOLD_ONLY_KEYS = frozenset({"max_components", "stages_per_year"})


def _custom_programme(
    check: _Checker, code: str, body: dict[str, Any], path: str
) -> CustomProgramme | None:
    before = len(check.problems)
    unit = check.choice(body["unit"], f"{path}.unit", UNITS, "unit") if "unit" in body else None
    conditions = HOUSEHOLD_CONDITION_KEYS if unit == "household" else PERSON_CONDITION_KEYS
    optional = conditions | BENEFIT_KEYS | (HOUSEHOLD_ONLY_KEYS if unit == "household" else set())
    if unit is not None:
        check.keys(body, path, {"name", "unit"}, optional)
    elif "unit" not in body:
        check.fail(
            f"{path}.unit",
            f"missing: {code} is not a built-in programme ({', '.join(PROGRAMME_CODES)}), "
            "and a new one needs its unit, household or person",
        )
    name = check.text(body["name"], f"{path}.name") if "name" in body else None
    if "name" not in body:
        check.fail(f"{path}.name", "missing")
    # an empty exclusion list constrains nothing: it is no condition
    if unit is not None and not any(body[key] != [] for key in conditions & set(body)):
        check.fail(path, "needs at least one condition: " + ", ".join(sorted(conditions)))
    values: dict[str, Any] = {}
    # components are read last: their amounts must divide by stages_per_year
    for key in sorted((optional - {"components"}) & set(body)):
        values[key] = _setting(check, key, body[key], f"{path}.{key}")
    _ages_in_order(check, values, path)
    overlap = set(values.get("clusters") or ()) & set(values.get("excluded_clusters") or ())
    if overlap:
        check.fail(f"{path}.excluded_clusters", f"also required: {', '.join(sorted(overlap))}")
    if "components" in body:
        values["components"] = _components(
            check,
            body["components"],
            f"{path}.components",
            values.get("stages_per_year"),
            codes=None,
            programme=code,
        )
    elif HOUSEHOLD_ONLY_KEYS & set(body):
        check.fail(path, "max_components and stages_per_year need components")
    if len(check.problems) > before or unit is None or name is None:
        return None
    return CustomProgramme(code=code, name=name, unit=unit, **values)
