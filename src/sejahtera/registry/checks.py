"""Checks of the keys that seal specific data (sejahtera.sealing): a malformed
SEJAHTERA_DATA_KEYS stops every command; without it, `check --deploy` warns."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from sejahtera.sealing import KeyRing


@register(Tags.security)
def data_keys_readable(**_kwargs: Any) -> list[Error]:
    if not settings.SEJAHTERA_DATA_KEYS:
        return []
    try:
        KeyRing.parse(settings.SEJAHTERA_DATA_KEYS)
    except ValueError as problem:
        return [Error(str(problem), id="sejahtera.E001")]
    return []


@register(Tags.security, deploy=True)
def data_keys_set(**_kwargs: Any) -> list[Warning]:
    if settings.SEJAHTERA_DATA_KEYS:
        return []
    return [
        Warning(
            "SEJAHTERA_DATA_KEYS is not set: specific personal data is sealed with a key "
            "derived from the secret key, which whoever reads the server's configuration holds.",
            hint="Set SEJAHTERA_DATA_KEYS (`sejahtera privacy new-key` makes one) and keep it "
            "apart from the database and its backups.",
            id="sejahtera.W002",
        )
    ]
