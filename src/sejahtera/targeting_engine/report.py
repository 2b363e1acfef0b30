"""A targeting result as plain data per household (what ``sejahtera target evaluate`` prints)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sejahtera.domain.targeting.reasons import render, render_clusters
from sejahtera.targeting_engine.run import PROGRAMME_ORDER, TargetingResult


def household_report(result: TargetingResult) -> list[dict[str, Any]]:
    """One dict per household (sorted by id), with its persons and every programme decision.

    Household: ``household_id``, ``national_decile``, ``programmes`` — PKH and SEMBAKO
    (``eligible``, ``components``, ``yearly_amount``, PKH ``per_stage_amount``, SEMBAKO
    ``monthly_amount``, ``reasons``) and PBI_JK (``eligible_persons``, ``monthly_amount``) —
    and ``persons``: ``person_id``, ``status``, ``age``, ``clusters``, ``cluster_reasons`` and
    ``programmes`` (PBI_JK, ATENSI, PENA: ``eligible``, ``reasons``; PENA ``max_capital_amount``).
    A programme the rules define is under its code beside the built-in ones of its unit, with
    ``eligible``, its amounts, ``reasons`` and (household) ``components``.
    Amounts are whole rupiah; reasons are in English words (the outputs hold their codes).
    Reads the whole result into memory: for small runs."""
    household_decisions: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    person_decisions: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in result.read("decisions").to_pylist():
        row["reasons"] = [render(r) for r in row["reasons"]]
        target = household_decisions if row["subject_type"] == "household" else person_decisions
        target[row["subject_id"]][row["programme"]] = row
    persons_by_household: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for person in result.read("person_results").to_pylist():
        decided = person_decisions[person["person_id"]]
        pbi = decided["PBI_JK"]
        pena = decided["PENA"]
        persons_by_household[person["household_id"]].append(
            {
                "person_id": person["person_id"],
                "status": person["status"],
                "age": person["age"],
                "clusters": person["clusters"],
                "cluster_reasons": [render_clusters(r) for r in person["cluster_reasons"]],
                "programmes": {
                    "PBI_JK": {
                        "eligible": pbi["eligible"],
                        "monthly_amount": pbi["monthly_amount"],
                        "reasons": pbi["reasons"],
                    },
                    "ATENSI": _yes_no(decided["ATENSI"]),
                    "PENA": {
                        **_yes_no(pena),
                        "max_capital_amount": pena["one_off_amount"],
                    },
                    **_new_programmes(decided, with_components=False),
                },
            }
        )
    report = []
    for household in result.read("household_results").to_pylist():
        hid = household["household_id"]
        decided = household_decisions[hid]
        pkh, sembako = decided["PKH"], decided["SEMBAKO"]
        persons = persons_by_household.get(hid, [])
        report.append(
            {
                "household_id": hid,
                "national_decile": household["national_decile"],
                "province_decile": household["province_decile"],
                "regency_decile": household["regency_decile"],
                "decile_source": household["decile_source"],
                "welfare_score": household["welfare_score"],
                "extreme_poor": household["extreme_poor"],
                "living_members": household["living_members"],
                "programmes": {
                    "PKH": {
                        "eligible": pkh["eligible"],
                        "components": pkh["components"],
                        "yearly_amount": pkh["yearly_amount"],
                        "per_stage_amount": pkh["per_stage_amount"],
                        "reasons": pkh["reasons"],
                    },
                    "SEMBAKO": {
                        "eligible": sembako["eligible"],
                        "components": [],
                        "monthly_amount": sembako["monthly_amount"],
                        "yearly_amount": sembako["yearly_amount"],
                        "reasons": sembako["reasons"],
                    },
                    "PBI_JK": {
                        "eligible_persons": [
                            p["person_id"] for p in persons if p["programmes"]["PBI_JK"]["eligible"]
                        ],
                        "monthly_amount": household["pbi_jk_monthly_amount"],
                    },
                    **_new_programmes(decided, with_components=True),
                },
                "persons": persons,
            }
        )
    return report


def _yes_no(row: dict[str, Any]) -> dict[str, Any]:
    return {"eligible": row["eligible"], "reasons": row["reasons"]}


BUILT_IN = frozenset(PROGRAMME_ORDER)
AMOUNTS = ("monthly_amount", "yearly_amount", "per_stage_amount", "one_off_amount")


def _new_programmes(
    decided: dict[str, dict[str, Any]], *, with_components: bool
) -> dict[str, dict[str, Any]]:
    """The decisions of the programmes the rules define, each with the amounts it has."""
    report = {}
    for code, row in decided.items():
        if code in BUILT_IN:
            continue
        entry: dict[str, Any] = {"eligible": row["eligible"]}
        if with_components:
            entry["components"] = row["components"]
        entry |= {name: row[name] for name in AMOUNTS if row[name] is not None}
        report[code] = entry | {"reasons": row["reasons"]}
    return report
