"""Running the targeting engine on the registry and storing what it decided.

    run = run_targeting_for_registry(date(2026, 11, 30), actor=user)

The registry is exported (read only) to Parquet in a temporary folder, in chunks, with the
database ids as ``household_id``/``person_id`` so results map straight back to the rows;
``sejahtera.targeting_engine.run_targeting`` ranks and decides into Parquet files in the same
folder, which are streamed into the run's tables in batches (COPY on PostgreSQL). A what-if run
(``simulation=True``) is the same computation recorded as a simulation: it never becomes the
current run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Substr
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.targeting.rules import CLUSTER_CODES, Rules, RulesError
from sejahtera.domain.targeting.runs import check_as_of
from sejahtera.registry.models import Household, HouseholdReview, Person
from sejahtera.registry.services import bulk
from sejahtera.registry.services.snapshot import export_parquet, snapshot_registry
from sejahtera.targeting.models import (
    Decision,
    DecisionReview,
    HouseholdResult,
    ManualClusterMembership,
    PersonCluster,
    ProgrammeFigure,
    TargetingRun,
)
from sejahtera.targeting.reviews import standing_verdicts
from sejahtera.targeting.rules import default_rules_text, parse_rules
from sejahtera.targeting.selectors import (
    DECISION_TALLIES,
    DISTRICT_CODE_LENGTH,
    active_manual_clusters,
)
from sejahtera.targeting.signals import run_completed
from sejahtera.targeting_engine import InputError, TargetingResult, run_targeting
from sejahtera.targeting_engine.run import OVERRIDE_COLUMNS

CHUNK = 5000
Progress = Callable[[str, int, int], None]


class TargetingFailed(Exception):
    """The run could not be completed; the run row says why (status failed, error)."""

    def __init__(self, run: TargetingRun, message: str) -> None:
        super().__init__(message)
        self.run = run


# -- loading results ---------------------------------------------------------------------------


def _batches(result: TargetingResult, output: str) -> Iterator[list[dict[str, Any]]]:
    for batch in result.batches(output, rows=CHUNK):
        yield batch.to_pylist()


def _yearly_cost(row: dict[str, Any]) -> int:
    """The yearly amount (else 12 monthly ones) plus any one-off amount, for every programme."""
    if not row["eligible"]:
        return 0
    yearly = row["yearly_amount"]
    if yearly is None:
        yearly = 12 * (row["monthly_amount"] or 0)
    return yearly + (row["one_off_amount"] or 0)


def _store(run: TargetingRun, result: TargetingResult) -> None:
    regions: dict[int, str] = dict(
        Household.objects.values_list("id", "village_id").iterator(chunk_size=CHUNK)
    )
    deciles: dict[int, int | None] = {}
    columns = [
        "run_id",
        "household_id",
        "region_code",
        "living_members",
        "welfare_score",
        "national_decile",
        "province_decile",
        "regency_decile",
        "decile_source",
        "extreme_poor",
    ]
    for rows in _batches(result, "household_results"):
        values: list[tuple[Any, ...]] = []
        for r in rows:
            pk = int(r["household_id"])
            deciles[pk] = r["national_decile"]
            values.append(
                (
                    run.pk,
                    pk,
                    regions[pk],
                    r["living_members"] or 0,
                    r["welfare_score"],
                    r["national_decile"],
                    r["province_decile"],
                    r["regency_decile"],
                    r["decile_source"] or "",
                    bool(r["extreme_poor"]),
                )
            )
        bulk.insert(HouseholdResult, columns, values)

    columns = ["run_id", "person_id", "household_id", "region_code", "cluster", "reason"]
    for rows in _batches(result, "person_results"):
        values = []
        for r in rows:
            if r["household_id"] is None or not r["clusters"]:
                continue
            reasons = dict(_cluster_reason(text) for text in r["cluster_reasons"])
            household = int(r["household_id"])
            values.extend(
                (
                    run.pk,
                    int(r["person_id"]),
                    household,
                    regions[household],
                    code,
                    reasons.get(code, ""),
                )
                for code in r["clusters"]
            )
        bulk.insert(PersonCluster, columns, values)

    columns = [
        "run_id",
        "household_id",
        "person_id",
        "region_code",
        "national_decile",
        "programme",
        "eligible",
        "components",
        "monthly_amount",
        "yearly_amount",
        "per_stage_amount",
        "one_off_amount",
        "yearly_cost",
        "limited_by",
        "reasons",
    ]
    for rows in _batches(result, "decisions"):
        values = []
        for r in rows:
            household = int(r["household_id"])
            values.append(
                (
                    run.pk,
                    household,
                    int(r["subject_id"]) if r["subject_type"] == "person" else None,
                    regions[household],
                    deciles.get(household),
                    r["programme"],
                    bool(r["eligible"]),
                    json.dumps(r["components"] or []),
                    r["monthly_amount"],
                    r["yearly_amount"],
                    r["per_stage_amount"],
                    r["one_off_amount"],
                    _yearly_cost(r),
                    "",
                    json.dumps(r["reasons"] or [], ensure_ascii=False),
                )
            )
        bulk.insert(Decision, columns, values)


def _carry_reviews(run: TargetingRun) -> None:
    """Open household reviews (a confirmed objection's finding) go with this run: its page
    lists them beside the decisions they question."""
    HouseholdReview.objects.filter(
        carried_in_run__isnull=True,
        household__in=HouseholdResult.objects.filter(run=run).values("household"),
    ).update(carried_in_run=run.pk)


def _cluster_reason(text: str) -> tuple[str, str]:
    code, _, reason = text.partition(": ")
    return code, reason


# -- summary -----------------------------------------------------------------------------------


def summarise(run: TargetingRun, rules: Rules | None = None) -> dict[str, Any]:
    """National counts of a run: per programme (eligible subjects, persons, yearly cost) and per
    cluster. Pages show figures within a user's region from the tables instead."""
    from sejahtera.targeting import selectors

    summary: dict[str, Any] = {
        "programmes": selectors.programme_counts(run, "", rules),
        "clusters": selectors.cluster_counts(run, ""),
    }
    if rules is not None:
        summary["rules_description"] = rules.description
        summary["pmt"] = rules.pmt_model.summary()
        summary["pmt_synthetic"] = rules.pmt_model.synthetic
    return summary


def count_programmes(run: TargetingRun) -> None:
    """Keep the run's decisions counted per district and programme (when it completes)."""
    district = Substr("region_code", 1, DISTRICT_CODE_LENGTH)
    rows = (
        Decision.objects.filter(run=run)
        .annotate(district=district)
        .values("district", "programme")
        .annotate(**DECISION_TALLIES)
        .order_by()
    )
    ProgrammeFigure.objects.bulk_create(
        (
            ProgrammeFigure(
                run=run,
                district_code=row["district"],
                programme=row["programme"],
                decided=row["decided"],
                eligible=row["eligible"],
                limited=row["limited"],
                yearly_cost=row["yearly_cost"] or 0,
            )
            for row in rows
        ),
        batch_size=2000,
    )


# -- the run -----------------------------------------------------------------------------------


def create_run(
    as_of: date,
    *,
    engine: str = "duckdb",
    rules_text: str | None = None,
    actor: User | None = None,
    simulation: bool = False,
    base_run: TargetingRun | None = None,
    limits: dict[str, Any] | None = None,
    deciles: Path | None = None,
) -> TargetingRun:
    """A queued run, its date, rules and limits validated first (RunRefused, RulesError,
    LimitsInvalid: nothing is created). ``deciles``: a CSV (household_id, national_decile) of
    the official deciles to use instead of the PMT; a copy is kept beside the run and its
    SHA-256 recorded."""
    check_as_of(as_of, timezone.localdate())
    text = rules_text if rules_text is not None else default_rules_text()
    rules = parse_rules(text)
    if engine not in TargetingRun.Engine.values:
        raise ValueError(f"engine must be duckdb or spark, got {engine!r}")
    from sejahtera.targeting.limits import check_limits

    run = TargetingRun.objects.create(
        as_of=as_of,
        engine=engine,
        rules_text=text,
        rules_version=rules.version,
        created_by=actor,
        is_simulation=simulation,
        base_run=base_run,
        limits=check_limits(limits or {}, rules.programme_codes),
    )
    if deciles is not None:
        content = deciles.read_bytes()
        kept = pinned_deciles_path(run)
        kept.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        kept.write_bytes(content)
        run.deciles_file = deciles.name[:200]
        run.deciles_sha256 = hashlib.sha256(content).hexdigest()
        run.save(update_fields=["deciles_file", "deciles_sha256"])
    return run


def pinned_deciles_path(run: TargetingRun) -> Path:
    return Path(settings.MEDIA_ROOT) / "targeting" / f"run-{run.pk}-deciles.csv"


def snapshot_manual_clusters(folder: Path, on: date) -> Path:
    """The cluster memberships social workers recorded, in force on ``on``, for the engine:
    counted beside the rule-based ones, with their reason."""
    path = folder / "manual_clusters.parquet"
    export_parquet(
        active_manual_clusters(on)
        .order_by("person_id", "cluster", "pk")
        .values_list("person_id", "cluster", "reason")
        .iterator(chunk_size=CHUNK),
        ["person_id", "cluster", "reason"],
        path,
    )
    return path


def snapshot_verdicts(folder: Path, as_of: date) -> tuple[Path, list[int]]:
    """The reviewers' standing verdicts for the engine, and the reviews whose facts changed
    since or that grew too old (the run ends them)."""
    verdicts = standing_verdicts(as_of)
    path = folder / "overrides.parquet"
    export_parquet(iter(verdicts.rows), list(OVERRIDE_COLUMNS), path)
    return path, verdicts.lapsed


def _pinned_deciles(run: TargetingRun, folder: Path) -> Path | None:
    """The run's official deciles for the engine, keyed like the snapshot (the registry's own
    ids; the file names households by their ``household_id`` in the exchange format). The kept
    file is checked against the SHA-256 recorded when it was pinned (ValueError, failing the
    run, if it was changed or lost); rows naming no household of the registry are left out."""
    if not run.deciles_sha256:
        return None
    path = pinned_deciles_path(run)
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != run.deciles_sha256:
        raise ValueError(f"the official deciles file {run.deciles_file} was changed or lost")
    ids = dict(Household.objects.values_list("external_id", "id").iterator(chunk_size=CHUNK))
    keyed = folder / "deciles.csv"
    with path.open(newline="", encoding="utf-8-sig") as source, keyed.open("w") as out:
        reader = csv.DictReader(source)
        missing = {"household_id", "national_decile"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"deciles: the file lacks {', '.join(sorted(missing))}")
        writer = csv.writer(out)
        writer.writerow(["household_id", "national_decile"])
        for row in reader:
            household = ids.get((row["household_id"] or "").strip())
            if household is not None:
                writer.writerow([household, row["national_decile"]])
    return keyed


def execute_run(run: TargetingRun, progress: Progress | None = None) -> TargetingRun:
    """Snapshot the registry, run the engine and store the results of a queued run."""
    from sejahtera.targeting.limits import apply_limits

    rules = parse_rules(run.rules_text)
    TargetingRun.objects.filter(pk=run.pk).update(status=TargetingRun.Status.RUNNING)

    def report(stage: str, done: int, total: int) -> None:
        TargetingRun.objects.filter(pk=run.pk).update(
            progress={"stage": stage, "done": done, "total": total}
        )
        if progress:
            progress(stage, done, total)

    try:
        with tempfile.TemporaryDirectory(prefix="sejahtera-targeting-") as folder:
            report("snapshot", 0, 1)
            households, persons, n_households, n_persons = snapshot_registry(Path(folder))
            overrides, lapsed = snapshot_verdicts(Path(folder), run.as_of)
            result = run_targeting(
                households,
                persons,
                run.as_of,
                rules,
                engine="spark" if run.engine == "spark" else "duckdb",
                deciles=_pinned_deciles(run, Path(folder)),
                manual_clusters=snapshot_manual_clusters(Path(folder), run.as_of),
                overrides=overrides,
                progress=report,
                out_dir=Path(folder) / "results",
            )
            report("store", 0, 1)
            with transaction.atomic():
                _store(run, result)
                if not run.is_simulation:
                    _carry_reviews(run)
                    DecisionReview.objects.filter(pk__in=lapsed).update(lapsed_in_run=run.pk)
                apply_limits(run)
                count_programmes(run)
                run.households, run.persons = n_households, n_persons
                run.summary = summarise(run, rules)
                run.status = TargetingRun.Status.COMPLETED
                run.finished_at = timezone.now()
                run.progress = {"stage": "done", "done": 1, "total": 1}
                run.save()
        report("done", 1, 1)
        if not run.is_simulation:
            run_completed.send(sender=TargetingRun, run=run)
    except (InputError, RulesError, ValueError) as exc:
        _fail(run, str(exc))
        raise TargetingFailed(run, str(exc)) from exc
    except Exception as exc:  # an engine crash must not leave the run "running" for ever
        _fail(run, f"{type(exc).__name__}: {exc}")
        raise
    return run


def _fail(run: TargetingRun, message: str) -> None:
    run.status = TargetingRun.Status.FAILED
    run.error = message
    run.finished_at = timezone.now()
    TargetingRun.objects.filter(pk=run.pk).update(
        status=run.status, error=message, finished_at=run.finished_at
    )


def run_targeting_for_registry(
    as_of: date,
    engine: str = "duckdb",
    rules_text: str | None = None,
    actor: User | None = None,
    simulation: bool = False,
    progress: Progress | None = None,
    *,
    base_run: TargetingRun | None = None,
    limits: dict[str, Any] | None = None,
    deciles: Path | None = None,
) -> TargetingRun:
    """Rank and decide the whole registry at ``as_of`` now (in this process); the run.

    RunRefused, RulesError or LimitsInvalid before anything is stored when the date, the rules
    or the limits are invalid; TargetingFailed (with the failed run) when the engine cannot run
    on the registry's rows."""
    run = create_run(
        as_of,
        engine=engine,
        rules_text=rules_text,
        actor=actor,
        simulation=simulation,
        base_run=base_run,
        limits=limits,
        deciles=deciles,
    )
    return execute_run(run, progress)


# -- manual clusters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ManualCluster:
    person: Person
    cluster: str
    reason: str
    valid_from: date
    valid_until: date | None = None


def add_manual_cluster(actor: User, entry: ManualCluster) -> ManualClusterMembership:
    """Record a social worker's assessment; rule runs never change or remove it."""
    if entry.cluster not in CLUSTER_CODES:
        raise ValueError(f"{entry.cluster!r} is none of the twelve clusters")
    access.require(actor, access.SPECIFIC_DATA_READERS)
    access.require_region(actor, entry.person.household.village_id)
    return ManualClusterMembership.objects.create(
        person=entry.person,
        cluster=entry.cluster,
        reason=entry.reason,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        created_by=actor,
    )
