"""Possible duplicates found by record linkage over the whole registry, their review, and
merging the two records of one person (and undoing it).

    summary = link_registry()                       # `sejahtera dedupe run`
    review_duplicate(office_user, pk, same_person=False, note="twins")
    merge = merge_pair(office_user, pk, survivor_id=p.pk, note="same KTP")
    unmerge(office_user, merge.pk, note="two sisters after all")

The registry is written to Parquet (``snapshot``), linked by ``sejahtera.linkage`` on DuckDB or
Spark, and each pair at or above the threshold becomes a candidate for review, with its match
probability and the level of each comparison. A pair already recorded (a shared NIK, an earlier
run) is scored in place, whatever its review said: one row per pair. The trained model is kept
under MEDIA_ROOT/linkage/ by its version.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ManyToOneRel, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.findings import Finding
from sejahtera.linkage import link_persons
from sejahtera.linkage.model import LEVEL_WORDS, Training
from sejahtera.linkage.run import (
    DEFAULT_THRESHOLD,
    LEVEL_COLUMNS,
    ModelError,
    match_new,
    model_version,
)
from sejahtera.registry import selectors
from sejahtera.registry.models import (
    DuplicateCandidate,
    ImportRun,
    Person,
    PersonMerge,
)
from sejahtera.registry.services.duplicates import possible_duplicate_warning
from sejahtera.registry.services.snapshot import snapshot_registry

CHUNK = 2000


@dataclass(frozen=True)
class LinkageSummary:
    persons: int
    comparisons: int
    pairs: int  # at or above the threshold
    new: int  # of those, pairs not recorded before
    model_version: str
    model_path: Path


class ReviewRefused(Exception):
    """A review that cannot be recorded; the message says why (for the reviewer)."""


def link_registry(
    *,
    engine: str = "duckdb",
    threshold: float = DEFAULT_THRESHOLD,
    model: Path | None = None,
    training: Training | None = None,
    spark: Any = None,
) -> LinkageSummary:
    """Link every person of the registry and record the pairs at or above ``threshold``."""
    with tempfile.TemporaryDirectory(prefix="sejahtera-dedupe-") as folder:
        households, persons, _, _ = snapshot_registry(Path(folder))
        result = link_persons(
            households,
            persons,
            Path(folder) / "linked",
            engine="spark" if engine == "spark" else "duckdb",
            threshold=threshold,
            model=model,
            training=training,
            spark=spark,
        )
        kept = Path(settings.MEDIA_ROOT) / "linkage" / f"model-{result.model_version}.json"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.model, kept)
        pairs = pacsv.read_csv(result.pairs).to_pylist()
    new = record_linked_pairs(pairs, result.model_version)
    return LinkageSummary(
        persons=result.persons,
        comparisons=result.comparisons,
        pairs=len(pairs),
        new=new,
        model_version=result.model_version,
        model_path=kept,
    )


def record_linked_pairs(pairs: Iterable[dict[str, Any]], model_version: str) -> int:
    """Score the pairs already recorded, add the others as open candidates; returns how many
    are new. ``pairs`` are rows of ``pairs.csv`` whose ids are the registry's."""
    scored: dict[tuple[int, int], dict[str, Any]] = {}
    for row in pairs:
        left, right = int(row["person_id_l"]), int(row["person_id_r"])
        scored[min(left, right), max(left, right)] = {
            "match_probability": float(row["match_probability"]),
            "evidence": {
                field: int(row[column])
                for field, column in zip(LEVEL_WORDS, LEVEL_COLUMNS, strict=True)
            },
        }
    keys = list(scored)
    new = 0
    with transaction.atomic():
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            existing = [
                candidate
                for candidate in DuplicateCandidate.objects.filter(
                    person_id__in={person for person, _ in chunk},
                    other_id__in={other for _, other in chunk},
                )
                if (candidate.person_id, candidate.other_id) in scored
            ]
            for candidate in existing:
                values = scored[candidate.person_id, candidate.other_id]
                candidate.match_probability = values["match_probability"]
                candidate.evidence = values["evidence"]
                candidate.model_version = model_version
            DuplicateCandidate.objects.bulk_update(
                existing, ["match_probability", "evidence", "model_version"]
            )
            known = {(c.person_id, c.other_id) for c in existing}
            fresh = [
                DuplicateCandidate(
                    person_id=person,
                    other_id=other,
                    reason=DuplicateCandidate.Reason.LINKAGE,
                    model_version=model_version,
                    **scored[person, other],
                )
                for person, other in chunk
                if (person, other) not in known
            ]
            DuplicateCandidate.objects.bulk_create(fresh)
            new += len(fresh)
    return new


def current_model() -> Path | None:
    """The model imports are checked with: ``SEJAHTERA_LINKAGE_MODEL``, else the one the
    latest ``sejahtera dedupe run`` trained; None before any."""
    if settings.SEJAHTERA_LINKAGE_MODEL:
        return Path(settings.SEJAHTERA_LINKAGE_MODEL)
    kept = sorted(
        (Path(settings.MEDIA_ROOT) / "linkage").glob("model-*.json"),
        key=lambda path: path.stat().st_mtime,
    )
    return kept[-1] if kept else None


def check_imported_persons(
    run: ImportRun, *, scope: str, threshold: float = DEFAULT_THRESHOLD
) -> list[tuple[str, Finding]]:
    """The persons ``run`` created that the current model finds already registered: each pair
    recorded for review, and a warning per new person for the import's report (its external
    id with the finding). Pairs known already (a shared NIK) are not reported twice. Raises
    ``LinkageError`` when the model cannot be used."""
    model = current_model()
    created = Person.objects.filter(source_import=run)
    if model is None or not created.exists():
        return []
    if not model.is_file():
        raise ModelError(f"{model}: no such file")
    # Every earlier person who shares a blocking key with a new one: a NIK, a birth date, or
    # the district.
    near = Person.objects.filter(
        Q(source_import=run)
        | Q(nik__in=created.exclude(nik=None).values("nik"))
        | Q(birth_date__in=created.values("birth_date"))
        | Q(household__village__parent_id__in=created.values("household__village__parent_id"))
    )
    with tempfile.TemporaryDirectory(prefix="sejahtera-import-check-") as folder:
        households, persons, _, _ = snapshot_registry(Path(folder), near)
        new_ids = [str(pk) for pk in created.values_list("pk", flat=True)]
        pairs = match_new(households, persons, new_ids, model, threshold=threshold).to_pylist()
    if not pairs:
        return []
    ids = {int(row[key]) for row in pairs for key in ("person_id_l", "person_id_r")}
    known = {
        (c.person_id, c.other_id)
        for c in DuplicateCandidate.objects.filter(person_id__in=ids, other_id__in=ids)
    }
    record_linked_pairs(pairs, model_version(model))
    people = {
        p.pk: (p.external_id, p.household.village_id)
        for p in Person.objects.filter(pk__in=ids).select_related("household")
    }
    found: dict[int, list[tuple[str, str]]] = {}
    for row in pairs:
        earlier, new = int(row["person_id_l"]), int(row["person_id_r"])
        if (min(earlier, new), max(earlier, new)) not in known:
            found.setdefault(new, []).append(people[earlier])
    return [
        (people[new][0], possible_duplicate_warning(others, scope))
        for new, others in sorted(found.items())
    ]


def hold_imported_duplicates(run: ImportRun) -> list[str]:
    """Hold each person ``run`` created whom an open pair names with a person registered
    before it: the new record is kept but read by no page, run, export or decree until the
    pair is reviewed (two persons: it is released; one: the merge makes one record of the
    two). Returns the external ids of every person of ``run`` held now."""
    pairs = DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN)
    created = Person.all_objects.filter(source_import=run, merged_into__isnull=True)
    matched = created.filter(
        Q(pk__in=pairs.exclude(other__source_import=run).values("person"))
        | Q(pk__in=pairs.exclude(person__source_import=run).values("other"))
    )
    external_ids = sorted(matched.values_list("external_id", flat=True))
    # Also called per batch (a shared NIK): what an earlier call held is held already.
    matched.filter(held_for_review=False).update(held_for_review=True)
    return external_ids


def _release_cleared(person_ids: Iterable[int]) -> None:
    """Release the held among ``person_ids`` that no open pair names with a record not merged.
    A merged record keeps its hold: an unmerge brings it back with it."""
    pairs = DuplicateCandidate.objects.filter(
        status=DuplicateCandidate.Status.OPEN,
        person__merged_into__isnull=True,
        other__merged_into__isnull=True,
    )
    Person.all_objects.filter(
        pk__in=list(person_ids), held_for_review=True, merged_into__isnull=True
    ).exclude(pk__in=pairs.values("person")).exclude(pk__in=pairs.values("other")).update(
        held_for_review=False
    )


def review_duplicate(
    actor: User, candidate_id: int, *, same_person: bool, note: str
) -> DuplicateCandidate:
    """Record a reviewer's verdict on one open pair of their region, with the reason."""
    note = _reason(note)
    with transaction.atomic():
        # Locked: two reviewers at once record one verdict, the second is told.
        candidate = _locked_candidate(actor, candidate_id)
        if candidate.status != DuplicateCandidate.Status.OPEN:
            raise ReviewRefused(_("This pair has already been reviewed."))
        candidate.status = (
            DuplicateCandidate.Status.SAME_PERSON
            if same_person
            else DuplicateCandidate.Status.DIFFERENT_PERSONS
        )
        candidate.reviewed_by = actor
        candidate.reviewed_at = timezone.now()
        candidate.review_note = note
        candidate.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        if not same_person:
            _release_cleared([candidate.person_id, candidate.other_id])
    return candidate


def confirm_above(actor: User, threshold: float, note: str) -> int:
    """Confirm as one person every open pair at or above ``threshold`` (administrators only,
    who answer for the threshold); returns how many."""
    access.require(actor, access.DUPLICATE_BULK_CONFIRMERS)
    note = _reason(note)
    if not 0 < threshold <= 1:
        raise ReviewRefused(_("The threshold is a probability between 0 and 1."))
    return (
        selectors.duplicate_candidates_for(actor)
        .filter(status=DuplicateCandidate.Status.OPEN, match_probability__gte=threshold)
        .update(
            status=DuplicateCandidate.Status.SAME_PERSON,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
            review_note=note,
        )
    )


# What a run or a payment made for a record stays with it, as of its day: a run's clusters and
# decisions, a decree's lines, enrolments, entitlements, payments and the ledger, but for the
# part that is about the person now (PartFollows). The pair and its merges are about the two
# records themselves; the merged record's other open pairs move (_move_open_pairs). The change
# history is an append-only audit trail: it stays too, and the kept record's pages show it
# (selectors.change_history_of_persons). Everything else about the person moves.
STAYS_WITH_THE_RECORD = frozenset(
    {
        "targeting.personcluster",
        "targeting.decision",
        "programmes.decreeline",
        "programmes.enrolment",
        "programmes.entitlement",
        "programmes.payment",
        "programmes.ledgerentry",
        "registry.duplicatecandidate",
        "registry.personmerge",
        "registry.person",
    }
)


@dataclass(frozen=True)
class PartFollows:
    """A table of another app of which *some* rows about a person follow a merge: the ones
    that are about the person now (the current run's decisions, the open enrolments), not the
    record of a past day. ``rows`` chooses them among the merged record's, leaving those the
    survivor has the like of; ``values`` says what they become for the survivor. Registered by
    the app that owns the table (``follow_on_merge``), which the registry does not import."""

    model: type[Model]
    rows: Callable[[Person, Person], QuerySet[Any]]  # (merged, survivor) → rows that move
    values: Callable[[Person], dict[str, Any]]  # survivor → the rows' new values


PARTLY_FOLLOWING: list[PartFollows] = []


def follow_on_merge(part: PartFollows) -> None:
    if all(known.model is not part.model for known in PARTLY_FOLLOWING):
        PARTLY_FOLLOWING.append(part)


def person_links() -> list[tuple[type[Model], str]]:
    """Every (table, column) holding a person that follows the person on a merge."""
    links: list[tuple[type[Model], str]] = []
    # Hidden relations too: most tables name no reverse accessor (related_name="+").
    for relation in Person._meta.get_fields(include_hidden=True):
        model = relation.related_model
        if (
            isinstance(relation, ManyToOneRel)
            and isinstance(model, type)
            and issubclass(model, Model)
            and model._meta.label_lower not in STAYS_WITH_THE_RECORD
        ):
            links.append((model, relation.field.name))
    return links


def merge_pair(actor: User, candidate_id: int, *, survivor_id: int, note: str) -> PersonMerge:
    """Make the pair's two records one: ``survivor_id`` stays (its household is the person's),
    the other is kept hidden and what was about the person moves to the survivor."""
    note = _reason(note)
    with transaction.atomic():
        # The persons first, in one order, then the pair: two offices merging pairs that share
        # a record wait for each other instead of deadlocking over the pairs this one moves.
        scoped = selectors.duplicate_candidates_for(actor).get(pk=candidate_id)
        persons = list(
            Person.all_objects.select_for_update()
            .filter(pk__in=(scoped.person_id, scoped.other_id))
            .order_by("pk")
        )
        candidate = _locked_candidate(actor, candidate_id)
        if candidate.status == DuplicateCandidate.Status.DIFFERENT_PERSONS:
            raise ReviewRefused(_("This pair was reviewed as two different persons."))
        pair = {candidate.person_id, candidate.other_id}
        if survivor_id not in pair:
            raise ReviewRefused(_("Choose one of the pair's two records to keep."))
        (merged_id,) = pair - {survivor_id}
        if any(p.merged_into_id for p in persons):
            raise ReviewRefused(_("One of these records is already merged into another."))
        moves: list[dict[str, Any]] = []
        kept: list[dict[str, Any]] = []
        for model, field in person_links():
            ids = list(
                model._base_manager.filter(**{field: merged_id}).values_list("pk", flat=True)
            )
            moved = _move(model, field, ids, survivor_id)
            table = model._meta.label_lower
            if moved:
                moves.append({"table": table, "field": field, "ids": moved})
            if stayed := sorted(set(ids) - set(moved)):
                kept.append({"table": table, "field": field, "ids": stayed})
        by_id = {p.pk: p for p in persons}
        for part in PARTLY_FOLLOWING:
            if rewritten := _rewrite(part, by_id[merged_id], by_id[survivor_id]):
                moves.append(rewritten)
        if pairs := _move_open_pairs(candidate, merged_id, survivor_id):
            moves.append({"table": DuplicateCandidate._meta.label_lower, "pairs": pairs})
        Person.all_objects.filter(pk=merged_id).update(merged_into=survivor_id)
        # One of the two was a record of the registry: so is the person now. Two held records
        # of one person stay held, on the pairs they have with the registered one.
        survivor_was_held = by_id[survivor_id].held_for_review
        if not by_id[merged_id].held_for_review:
            Person.all_objects.filter(pk=survivor_id).update(held_for_review=False)
        if candidate.status == DuplicateCandidate.Status.OPEN:
            candidate.reviewed_by, candidate.reviewed_at = actor, timezone.now()
            candidate.review_note = note
        candidate.status = DuplicateCandidate.Status.SAME_PERSON
        candidate.save()
        return PersonMerge.objects.create(
            candidate=candidate,
            survivor_id=survivor_id,
            merged_id=merged_id,
            moves=moves,
            kept=kept,
            survivor_was_held=survivor_was_held,
            note=note,
            merged_by=actor,
        )


def unmerge(actor: User, merge_id: int, *, note: str) -> PersonMerge:
    """Undo a merge: the rows that moved go back, the merged record is its own again, and the
    pair is open for review again."""
    note = _reason(note)
    with transaction.atomic():
        scoped = PersonMerge.objects.filter(candidate__in=selectors.duplicate_candidates_for(actor))
        found = scoped.get(pk=merge_id)
        # The persons first, in merge_pair's order: the record kept cannot be merged into
        # another between the check below and the rows going back.
        list(
            Person.all_objects.select_for_update()
            .filter(pk__in=(found.survivor_id, found.merged_id))
            .order_by("pk")
        )
        merge = scoped.select_for_update().get(pk=merge_id)
        if merge.unmerged_at is not None:
            raise ReviewRefused(_("This merge has already been undone."))
        if Person.all_objects.filter(pk=merge.survivor_id, merged_into__isnull=False).exists():
            # Its rows moved on with it: undo the later merge first, so each gets its own back.
            raise ReviewRefused(
                _("The record kept was merged into another since: undo that merge first.")
            )
        for move in merge.moves:
            rows = apps.get_model(move["table"])._base_manager
            if "restore" in move:  # rows rewritten in part: each gets its own values back
                for pk, values in move["restore"].items():
                    rows.filter(pk=pk).update(**values)
            elif "pairs" in move:  # pairs moved to the survivor: back, unless reviewed since
                for pk, (person, other) in move["pairs"].items():
                    rows.filter(pk=pk, status=DuplicateCandidate.Status.OPEN).update(
                        person_id=person, other_id=other
                    )
            else:
                rows.filter(pk__in=move["ids"]).update(**{move["field"]: merge.merged_id})
        Person.all_objects.filter(pk=merge.merged_id).update(merged_into=None)
        if merge.survivor_was_held:
            Person.all_objects.filter(pk=merge.survivor_id).update(held_for_review=True)
        merge.unmerged_by, merge.unmerged_at, merge.unmerge_note = actor, timezone.now(), note
        merge.save(update_fields=["unmerged_by", "unmerged_at", "unmerge_note"])
        DuplicateCandidate.objects.filter(pk=merge.candidate_id).update(
            status=DuplicateCandidate.Status.OPEN
        )
    return merge


def live_merge(candidate: DuplicateCandidate) -> PersonMerge | None:
    return PersonMerge.objects.filter(candidate=candidate, unmerged_at__isnull=True).first()


def _move(model: type[Model], field: str, ids: list[int], to: int) -> list[int]:
    """Point the rows ``ids`` at ``to``; a row the survivor already has the like of (a unique
    constraint says so) stays. Returns the rows moved."""
    if not ids:
        return []
    try:
        with transaction.atomic():
            model._base_manager.filter(pk__in=ids).update(**{field: to})
        return sorted(ids)
    except IntegrityError:
        moved = []
        for pk in ids:
            try:
                with transaction.atomic():
                    model._base_manager.filter(pk=pk).update(**{field: to})
                moved.append(pk)
            except IntegrityError:
                continue
        return moved


def _move_open_pairs(
    candidate: DuplicateCandidate, merged_id: int, survivor_id: int
) -> dict[str, list[int]]:
    """Point the merged record's other open pairs at the survivor: a third record of the
    person (held, perhaps) stays reviewable against a record of the registry, and no open pair
    is left naming a merged record. A pair the survivor already has stays. Returns each moved
    pair's two persons as they were, for an unmerge."""
    others = DuplicateCandidate.objects.filter(
        Q(person_id=merged_id) | Q(other_id=merged_id), status=DuplicateCandidate.Status.OPEN
    ).exclude(pk=candidate.pk)
    moved: dict[str, list[int]] = {}
    for pair in others:
        partner = pair.other_id if pair.person_id == merged_id else pair.person_id
        if partner == survivor_id:
            continue
        low, high = sorted((survivor_id, partner))
        try:
            with transaction.atomic():
                DuplicateCandidate.objects.filter(pk=pair.pk).update(person_id=low, other_id=high)
        except IntegrityError:
            continue
        moved[str(pair.pk)] = [pair.person_id, pair.other_id]
    return moved


def _rewrite(part: PartFollows, merged: Person, survivor: Person) -> dict[str, Any] | None:
    """Give the rows of ``part`` that follow ``merged`` the survivor's values, each row in its
    own savepoint (a unique constraint may refuse one: it stays); returns the move as
    ``PersonMerge.moves`` keeps it, each row with the values an unmerge restores."""
    values = part.values(survivor)
    restore: dict[str, dict[str, Any]] = {}
    for old in part.rows(merged, survivor).values("pk", *values):
        pk = old.pop("pk")
        try:
            with transaction.atomic():
                part.model._base_manager.filter(pk=pk).update(**values)
        except IntegrityError:
            continue
        restore[str(pk)] = old
    return {"table": part.model._meta.label_lower, "restore": restore} if restore else None


def _locked_candidate(actor: User, candidate_id: int) -> DuplicateCandidate:
    return selectors.duplicate_candidates_for(actor).select_for_update().get(pk=candidate_id)


def _reason(note: str) -> str:
    note = note.strip()
    if not note:
        raise ReviewRefused(_("Say why: a review without a reason cannot be recorded."))
    return note
