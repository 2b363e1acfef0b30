"""In-app notifications: ``notify`` writes one, ``message`` renders it in the reader's language,
``unread_count`` feeds the menu badge. A user reads only their own."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts.models import Notification, User

# kind → the message (with %(name)s placeholders filled from the notification's params)
MESSAGES: dict[str, Promise] = {
    "graduation_approved": _("The graduation of %(family)s (case %(case)s) was approved."),
    "graduation_rejected": _(
        "The graduation of %(family)s (case %(case)s) was rejected: %(reason)s"
    ),
}


def notify(user: User, kind: str, **params: Any) -> Notification:
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}")
    return Notification.objects.create(user=user, kind=kind, params=params)


def message(notification: Notification) -> str:
    return str(MESSAGES[notification.kind]) % notification.params


def for_user(user: User, limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: User, up_to: int) -> int:
    """Mark the unread notifications of ``user`` read, up to the newest one shown (one that
    came after the list was shown stays new)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True, pk__lte=up_to)
    return unread.update(read_at=timezone.now())
