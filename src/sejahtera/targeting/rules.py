"""The targeting rules in the application: the rules in force, a pasted rules text checked and
parsed, and the numbers of a rules text a what-if form may change. Read by the selectors and
the services alike (so neither imports the other for them)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

import tomlkit

from sejahtera.domain.targeting import rules as domain_rules
from sejahtera.domain.targeting.rules import DEFAULT_RULES_PATH, Rules, RulesError
from sejahtera.domain.targeting.settings import SettingPath, TunableSetting, tunable_settings


def default_rules_text() -> str:
    """The rules in force: the newest active version an administrator saved, else the shipped
    defaults (data/rules/default.toml)."""
    from sejahtera.targeting.models import RulesVersion

    current = RulesVersion.objects.filter(active=True).order_by("-created_at").first()
    return current.text if current else DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def tunable_settings_of(text: str) -> list[TunableSetting]:
    """The numbers of rules ``text`` a form may offer (none when the text is not TOML)."""
    try:
        return tunable_settings(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        return []


def rules_with_settings(text: str, changes: Mapping[SettingPath, int]) -> str:
    """Rules ``text`` with the numbers at ``changes``' paths replaced, everything else (comments
    and layout included) as it was; RulesError when a path is no longer in the text."""
    document = tomlkit.parse(text)
    missing = []
    for path, value in changes.items():
        *parents, key = path
        table: Any = document
        try:
            for part in parents:
                table = table[part]
            if key not in table:
                raise KeyError(key)
        except (KeyError, IndexError, TypeError):
            missing.append((".".join(map(str, path)), "is no longer in the rules edited below"))
            continue
        table[key] = value
    if missing:
        raise RulesError("rules", missing)
    return tomlkit.dumps(document)


def parse_rules(text: str, source: str = "rules") -> Rules:
    """Validate rules TOML with the engine's loader (RulesError lists every problem).

    The PMT model is looked up beside the shipped rules; a pasted file may only name a file
    there, never a path elsewhere on the server."""
    data = domain_rules.decode_rules_text(text, source)  # once, for this check and the loader
    welfare = data.get("welfare")
    # a welfare that is not a table is the loader's to report
    model = welfare.get("pmt_model", "") if isinstance(welfare, dict) else ""
    if isinstance(model, str) and ("/" in model or "\\" in model or model.startswith(".")):
        raise RulesError(source, [("welfare.pmt_model", "must be a file name beside the rules")])
    return domain_rules.parse_rules(data, base_dir=DEFAULT_RULES_PATH.parent, source=source)
