"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from sejahtera.accounts.models import ApiToken, User

TOKEN_PREFIX = "sjt_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    user: User, name: str, scopes: Iterable[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the record and the secret, which is never stored."""
    token = ApiToken(user=user, name=name, scopes=list(scopes), expires_at=expires_at)
    secret = issue_secret(token)
    token.save()
    return token, secret


def issue_secret(token: ApiToken) -> str:
    """Give an unsaved token its secret (stored only as a hash); returns the secret."""
    unknown = set(token.scopes) - set(ApiToken.Scope.values)
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(sorted(unknown))}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token.prefix = secret[:12]
    token.key_hash = _hash(secret)
    token.scopes = sorted(set(token.scopes))
    return secret


def authenticate(secret: str) -> ApiToken | None:
    """The live token with this secret (active user, not revoked, not expired), if any."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
