"""Possible duplicates found by record linkage over the whole registry, and their review.

    summary = link_registry()                       # `sejahtera dedupe run`
    review_duplicate(office_user, pk, same_person=False, note="twins")

The registry is written to Parquet (``snapshot``), linked by ``sejahtera.linkage`` on DuckDB or
Spark, and each pair at or above the threshold becomes a candidate for review, with its match
probability and the level of each comparison. A pair already recorded (a shared NIK, an earlier
run) is scored in place, whatever its review said: one row per pair. The trained model is kept
under MEDIA_ROOT/linkage/ by its version.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.linkage import link_persons
from sejahtera.linkage.model import LEVEL_WORDS
from sejahtera.linkage.run import DEFAULT_THRESHOLD, LEVEL_COLUMNS
from sejahtera.registry import selectors
from sejahtera.registry.models import DuplicateCandidate
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


def review_duplicate(
    actor: User, candidate_id: int, *, same_person: bool, note: str
) -> DuplicateCandidate:
    """Record a reviewer's verdict on one open pair of their region, with the reason."""
    note = note.strip()
    if not note:
        raise ReviewRefused(_("Say why: a review without a reason cannot be recorded."))
    with transaction.atomic():
        # Locked: two reviewers at once record one verdict, the second is told.
        candidate = (
            selectors.duplicate_candidates_for(actor).select_for_update().get(pk=candidate_id)
        )
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
    return candidate


def confirm_above(actor: User, threshold: float, note: str) -> int:
    """Confirm as one person every open pair at or above ``threshold`` (administrators only,
    who answer for the threshold); returns how many."""
    access.require(actor, access.DUPLICATE_BULK_CONFIRMERS)
    note = note.strip()
    if not note:
        raise ReviewRefused(_("Say why: a review without a reason cannot be recorded."))
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
