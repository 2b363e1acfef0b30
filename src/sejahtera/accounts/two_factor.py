"""The second factor: a time-based one-time password from an authenticator app (TOTP,
RFC 6238, through django-otp) and ten single-use recovery codes for a lost phone.

A user of a role in ``access.TWO_FACTOR_ROLES`` must have one (unless
``SEJAHTERA_REQUIRE_TWO_FACTOR`` is off, as in the demo); anyone else may add one, and is then
asked for it at every login. A wrong code slows further tries down (django-otp doubles the wait
after each failure, per device)."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sejahtera.accounts.access import TWO_FACTOR_ROLES
from sejahtera.accounts.models import User

RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"


def is_required(user: User) -> bool:
    return settings.SEJAHTERA_REQUIRE_TWO_FACTOR and (
        user.role in TWO_FACTOR_ROLES or user.is_superuser
    )


def is_verified(user: User) -> bool:
    """Whether this session's user gave a code (django-otp's middleware tells the request's
    user so)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_second_factor(user: User) -> bool:
    """Whether a signed-in user must give a code before anything else."""
    return is_required(user) or has_authenticator(user)


def pending_authenticator(user: User) -> TOTPDevice:
    """The authenticator being added: the same secret until it is confirmed, so that a page
    reload does not invalidate what the phone already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret as an app takes it typed in: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code(device: TOTPDevice) -> str:
    """The ``otpauth://`` address as a QR code, an SVG data URI for an ``<img>``."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@transaction.atomic
def confirm_authenticator(user: User, token: str) -> list[str] | None:
    """Confirms the pending authenticator with a code it shows; it replaces any earlier one
    and new recovery codes replace the old. Returns the codes (shown once), or ``None`` when
    the code is wrong."""
    device = pending_authenticator(user)
    if not device.verify_token(_digits(token)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user)


def confirmed_authenticator(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Ten new single-use codes; the earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify(user: User, token: str) -> Device | None:
    """The device that accepts the code: six digits are the authenticator's, anything else a
    recovery code (used up by its use)."""
    digits = _digits(token)
    kind = TOTPDevice if len(digits) == 6 and digits.isdigit() else StaticDevice
    code = digits if kind is TOTPDevice else token.strip().lower()
    for device in kind.objects.filter(user=user, confirmed=True):
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def remaining_recovery_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _digits(token: str) -> str:
    return token.replace(" ", "").strip()
