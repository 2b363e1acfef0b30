"""Possible duplicates: a NIK held by more than one person is never merged or dropped, it is
recorded for a person to review. The import, the web forms and the API all record them here."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection

from sejahtera.domain.findings import Finding, gettext_noop, warning
from sejahtera.registry.models import DuplicateCandidate, ImportRun, Person

Holders = Mapping[str, Sequence[tuple[int, str]]]  # NIK → (person pk, external id) of holders


# NIKs are locked by bucket: an import batch locks at most this many (a lock per NIK of ten
# thousand rows would fill PostgreSQL's shared lock table), a registration one or two.
NIK_LOCK_BUCKETS = 256
NIK_LOCK_SPACE = 0x4E494B  # "NIK": advisory locks are keyed (space, bucket)


def lock_niks(niks: Iterable[str]) -> None:
    """Until the transaction ends, whoever writes a holder of one of ``niks`` waits (on
    PostgreSQL; SQLite has one writer): two transactions registering or importing one NIK at
    once take turns, and the second sees the first's person. Buckets are taken in one order
    everywhere: no deadlock."""
    if connection.vendor != "postgresql":
        return
    buckets = sorted({zlib.crc32(nik.encode()) % NIK_LOCK_BUCKETS for nik in niks if nik})
    if buckets:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(pg_advisory_xact_lock(%s, bucket)) FROM unnest(%s::int[]) bucket",
                [NIK_LOCK_SPACE, buckets],
            )


def holders_of(niks: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
    """Every person holding each of ``niks`` (a few at a time; the import has a faster path).

    Called in the transaction that wrote a holder: on PostgreSQL each NIK is locked until it
    commits, so two transactions registering one NIK at once take turns, and the second sees
    the first's person (without it, each saw only its own and no pair was recorded)."""
    wanted = sorted({n for n in niks if n})
    lock_niks(wanted)
    holders: dict[str, list[tuple[int, str]]] = {}
    # A record held for review holds its NIK too (merged ones are the person kept).
    rows = Person.all_objects.filter(nik__in=wanted, merged_into__isnull=True).values_list(
        "nik", "id", "external_id"
    )
    for held, pk, external_id in rows:
        if held:  # always, given the filter; says so to the type checker
            holders.setdefault(held, []).append((pk, external_id))
    return holders


def record_shared_niks(holders: Holders, import_run: ImportRun | None = None) -> int:
    """A candidate pair for every two holders of the same NIK; returns how many are new."""
    candidates = [
        DuplicateCandidate(
            person_id=a[0],
            other_id=b[0],
            reason=DuplicateCandidate.Reason.SAME_NIK,
            import_run=import_run,
        )
        for people in holders.values()
        if len(people) > 1
        for i, a in enumerate(sorted(people))
        for b in sorted(people)[i + 1 :]
    ]
    if not candidates:
        return 0
    before = DuplicateCandidate.objects.count()
    DuplicateCandidate.objects.bulk_create(candidates, ignore_conflicts=True)
    return DuplicateCandidate.objects.count() - before


def possible_duplicate_warning(others: Iterable[tuple[str, str]], scope: str) -> Finding:
    """The import report's note on a new person whom linkage finds already registered as
    ``others`` — (person id, region code) pairs — named as ``shared_nik_warning`` names them."""
    return _naming_others(
        "PERSON_POSSIBLE_DUPLICATE",
        "full_name",
        others,
        scope,
        elsewhere=gettext_noop("May be a person already registered elsewhere; recorded for review"),
        partly=gettext_noop(
            "May be the same person as {others}, or as one registered elsewhere; recorded "
            "for review"
        ),
        named=gettext_noop("May be the same person as {others}; recorded for review"),
    )


def held_for_review_warning() -> Finding:
    """The import report's note on a new person held because an open pair names them with a
    person registered before (``deduplication.hold_imported_duplicates``)."""
    return warning(
        "PERSON_HELD_FOR_REVIEW",
        gettext_noop(
            "Held: not a record of the registry until the possible duplicate is reviewed (the "
            "same person: merged; two persons: released)"
        ),
    )


def shared_nik_warning(others: Iterable[tuple[str, str]], scope: str) -> Finding:
    """The import report's note on a NIK that ``others`` — (person id, region code) pairs —
    hold too."""
    return _naming_others(
        "NIK_DUPLICATE",
        "nik",
        others,
        scope,
        elsewhere=gettext_noop("NIK is already registered elsewhere; recorded for review"),
        partly=gettext_noop(
            "NIK is also held by {others} and registered elsewhere; recorded for review"
        ),
        named=gettext_noop("NIK is also held by {others}; recorded for review"),
    )


def _naming_others(
    code: str,
    column: str,
    others: Iterable[tuple[str, str]],
    scope: str,
    *,
    elsewhere: str,
    partly: str,
    named: str,
) -> Finding:
    """A warning naming the other records inside the importer's ``scope`` by their id, any
    other only as registered elsewhere (never which record, nor where)."""
    others = list(others)
    shown = sorted(pid for pid, region in others if region.startswith(scope))
    template = elsewhere if not shown else partly if len(shown) < len(others) else named
    return warning(code, template, column, others=", ".join(shown))
