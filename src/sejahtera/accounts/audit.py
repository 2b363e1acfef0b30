"""The audit trail: appending an entry to the chain, and verifying the chain.

Each entry's digest is an HMAC-SHA256, keyed by ``SEJAHTERA_AUDIT_KEY`` (a secret kept outside
the database), of the previous entry's digest and the entry's own content. Someone who can
write to the database but does not hold the key cannot change, remove or insert an entry
without ``verify`` finding where; removing the newest entries is found by comparing with a head
recorded elsewhere (``verify --expect-head``). Appends are serialised (an advisory lock on
PostgreSQL, the write lock on SQLite) so that the chain never forks."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import connection, transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from sejahtera.accounts.models import AuditEntry, User
from sejahtera.config.logging import current_request_id

# Where the current request comes from and the area of work it belongs to, set by the web
# layer's middleware for every entry the request appends (a read deep in a selector included).
current_client: ContextVar[str] = ContextVar("current_client", default="")
current_purpose: ContextVar[str] = ContextVar("current_purpose", default="")
GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that serialises appends.
CHAIN_LOCK = 0x5E7A_A0D1
VERIFY_BATCH = 5000


def record(
    *,
    user: User | None,
    action: str,
    entity: str,
    record_ids: list[int] | None = None,
    fields: list[str] | None = None,
    purpose: str | None = None,
    path: str = "",
    status: int | None = None,
) -> AuditEntry:
    """Appends one entry; part of the caller's transaction (a change that rolls back leaves
    no entry)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        last = AuditEntry.objects.order_by("-id").values_list("id", "digest").first()
        entry = AuditEntry(
            user=user,
            at=timezone.now(),
            action=action,
            entity=entity[:80],
            record_ids=sorted(record_ids or []),
            fields=sorted(fields or []),
            purpose=(current_purpose.get() if purpose is None else purpose)[:40],
            path=path[:300],
            status=status,
            client_address=current_client.get()[:45],
            request_id=current_request_id.get() or "",
            previous_digest=last[1] if last else GENESIS,
        )
        # The id is part of what is signed: taken before the insert, in the lock.
        entry.id = (last[0] if last else 0) + 1
        entry.digest = digest_of(entry)
        entry.save(force_insert=True)
    return entry


def digest_of(entry: AuditEntry) -> str:
    content = json.dumps(_content(entry), sort_keys=True, separators=(",", ":"), default=str)
    message = f"{entry.previous_digest}\n{content}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Problem:
    entry_id: int
    what: str


def verify(expect_head: tuple[int, str] | None = None) -> tuple[int, list[Problem]]:
    """Walks the chain from its start: how many entries, and each problem found (an entry
    whose content does not match its digest, one that does not follow the entry before it, a
    recorded head that is gone or changed)."""
    problems: list[Problem] = []
    previous_id, previous_digest, count = 0, GENESIS, 0
    for entry in _entries():
        count += 1
        if entry.previous_digest != previous_digest:
            problems.append(
                Problem(
                    entry.id,
                    f"does not follow entry {previous_id or 'none'}: an entry between was "
                    "removed, or this one inserted",
                )
            )
        if not hmac.compare_digest(entry.digest, digest_of(entry)):
            problems.append(Problem(entry.id, "content changed (its digest does not match)"))
        previous_id, previous_digest = entry.id, entry.digest
    if expect_head is not None:
        head_id, head_digest = expect_head
        if head_id > previous_id:
            problems.append(Problem(head_id, f"removed: the chain ends at {previous_id}"))
        elif not AuditEntry.objects.filter(id=head_id, digest=head_digest).exists():
            problems.append(Problem(head_id, "is not the entry recorded as the head"))
    return count, problems


def head() -> tuple[int, str] | None:
    """The newest entry's number and digest: record them outside the system (daily) so that a
    removal of the newest entries is found."""
    return AuditEntry.objects.order_by("-id").values_list("id", "digest").first()


def _entries() -> Iterator[AuditEntry]:
    after = 0
    while True:
        batch = list(AuditEntry.objects.filter(id__gt=after).order_by("id")[:VERIFY_BATCH])
        yield from batch
        if len(batch) < VERIFY_BATCH:
            return
        after = batch[-1].id


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "user": entry.user_id,
        "at": entry.at.isoformat(),
        "action": entry.action,
        "entity": entry.entity,
        "record_ids": entry.record_ids,
        "fields": entry.fields,
        "purpose": entry.purpose,
        "path": entry.path,
        "status": entry.status,
        "client_address": entry.client_address,
        "request_id": entry.request_id,
    }


def _key() -> bytes:
    return (settings.SEJAHTERA_AUDIT_KEY or f"audit:{settings.SECRET_KEY}").encode()


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: User, **_kwargs: Any) -> None:
    record(
        user=user,
        action=AuditEntry.Action.LOGIN,
        entity="user",
        record_ids=[user.pk],
        path=request.path if request else "",
    )


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_kwargs: Any
) -> None:
    """Who was tried (the user name, never the password) and from where."""
    tried = User.objects.filter(username=credentials.get("username", "")).first()
    record(
        user=None,
        action=AuditEntry.Action.LOGIN_FAILED,
        entity="user",
        record_ids=[tried.pk] if tried else [],
        path=request.path if request else "",
    )
