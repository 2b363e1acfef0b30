"""Writes that happen once per key, however often (or however concurrently) they are sent.

A double-clicked form or a client retrying after a timeout sends the same write twice. The key
(an API ``Idempotency-Key`` header, a form's one-time token) is stored in the same transaction as
the write, under a unique constraint: a second request with the key waits for the first to
commit, then gets the first answer instead of making a second record. A write that fails stores
nothing, so it may be retried with the same key. After ``SEJAHTERA_ANSWER_DAYS`` the answer's
body (which may repeat personal data) is forgotten; the key is kept, so a late retry still
makes nothing twice and gets the status and location without the body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from sejahtera.accounts.models import SubmissionKey, User

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Answer:
    """What a write answered: an HTTP status with a JSON body (API) or a page to go to (web)."""

    status: int
    body: Any = None
    location: str = ""


class KeyReused(Exception):
    """The key was already used for a different request."""


class AnswerForgotten(Exception):
    """The key's write was done long ago and its answer's body is no longer kept."""


def fingerprint(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def once(user: User, key: str, request_fingerprint: str, write: Callable[[], Answer]) -> Answer:
    """Run ``write`` unless ``key`` was used before by ``user``; then return its first answer.

    An answer of 400 or more (a refused write) is not kept, so the request can be corrected and
    sent again with the same key.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = SubmissionKey.objects.create(
                    user=user, key=key[:MAX_KEY_LENGTH], fingerprint=request_fingerprint
                )
        except IntegrityError:
            earlier = SubmissionKey.objects.get(user=user, key=key[:MAX_KEY_LENGTH])
            if earlier.fingerprint != request_fingerprint:
                raise KeyReused(key) from None
            return Answer(earlier.status or 200, earlier.body, earlier.location)
        answer = write()
        if answer.status >= 400:
            record.delete()
            return answer
        record.status, record.body, record.location = answer.status, answer.body, answer.location
        record.save(update_fields=["status", "body", "location"])
        return answer


def forget_answers(before: datetime) -> int:
    """Drop the bodies of the answers kept for keys used before ``before``; returns how many."""
    return SubmissionKey.objects.filter(created_at__lt=before, body__isnull=False).update(body=None)
