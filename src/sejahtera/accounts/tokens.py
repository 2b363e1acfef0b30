"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.accounts.models import ApiToken, User
from sejahtera.accounts.scopes import DEFAULT_LIFETIME_DAYS, LIFETIME_DAYS

TOKEN_PREFIX = "sjt_"
# The rate limit counts per token: without a cap, many tokens would add up to many limits.
MAX_LIVE_TOKENS = 10


class TokenRefused(ValueError):
    """A token that may not be made (why is the message)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_tokens(user: User):
    now = timezone.now()
    return user.api_tokens.filter(revoked_at__isnull=True, expires_at__gt=now)


def create_token(
    user: User, name: str, scopes: Iterable[str], days: int = DEFAULT_LIFETIME_DAYS
) -> tuple[ApiToken, str]:
    """A new token for ``user``, valid for ``days``; returns the record and the secret,
    which is never stored."""
    if not user.is_active:
        # It could never authenticate: a secret handed out for nothing.
        raise TokenRefused(_("The user is not active: no token is made for them."))
    if days not in LIFETIME_DAYS:
        raise TokenRefused(
            _("A token is valid for %(choices)s days.")
            % {"choices": ", ".join(map(str, LIFETIME_DAYS))}
        )
    scopes = set(scopes)
    unknown = scopes - set(ApiToken.Scope.values)
    if unknown:
        raise TokenRefused(
            _("Unknown scope(s): %(scopes)s") % {"scopes": ", ".join(sorted(unknown))}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        scopes=sorted(scopes),
        prefix=secret[:12],
        key_hash=_hash(secret),
        role=user.role,
        region_id=user.region_id,
        expires_at=timezone.now() + timedelta(days=days),
    )
    with transaction.atomic():
        # Counted under the user's row lock: two requests at once cannot both take the last.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if live_tokens(user).count() >= MAX_LIVE_TOKENS:
            raise TokenRefused(
                _("At most %(count)d tokens can be in use at once: revoke one first.")
                % {"count": MAX_LIVE_TOKENS}
            )
        token.save()
    return token, secret


def authenticate(secret: str) -> ApiToken | None:
    """The live token with this secret: its user active and still in the role and region the
    token was made for, not revoked, not expired."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=_hash(secret),
            revoked_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
            role=F("user__role"),
        )
        .filter(
            Q(region_id=F("user__region_id")) | Q(region__isnull=True, user__region__isnull=True)
        )
        .first()
    )
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
