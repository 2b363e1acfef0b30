"""Checks of the keys that seal specific data (sejahtera.sealing): a malformed
SEJAHTERA_DATA_KEYS stops every command; without it, `check --deploy` warns. And of the
SQLite library, which must know what the registry's SQL asks of it."""

from __future__ import annotations

import sqlite3
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections

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


# The names' typo-tolerant search (FTS5's trigram tokenizer) needs 3.34, the delivery steps'
# materialised common table expressions 3.35; Django itself accepts 3.31.
SQLITE_NEEDED = (3, 35, 0)


@register()
def sqlite_recent_enough(
    version: tuple[int, int, int] = sqlite3.sqlite_version_info, **_kwargs: Any
) -> list[Error]:
    uses_sqlite = any(connections[alias].vendor == "sqlite" for alias in connections)
    if not uses_sqlite or version >= SQLITE_NEEDED:
        return []
    return [
        Error(
            f"SQLite {'.'.join(map(str, version))} is too old: Sejahtera needs "
            f"{'.'.join(map(str, SQLITE_NEEDED))} or later.",
            hint="Use a newer Python or system SQLite, or PostgreSQL (DATABASE_URL).",
            id="sejahtera.E002",
        )
    ]
