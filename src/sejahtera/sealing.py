"""Specific personal data sealed at rest (UU 27/2022; docs/decisions/0020-sealed-specific-data.md).

A person's specific fields (``registry_format.SPECIFIC_PERSON_FIELDS``: disability, illness,
pregnancy, HIV, drug use, violence, criminal records) are stored as one AES-256-GCM value per
person, not as columns, so that a dump of the database alone reveals none of them; so are their
values in the change history and in proposals, and a social worker's assessment notes. One
value per person, not one per field: sealing and opening cost one cipher call each, which keeps
the import and the targeting snapshot within their benchmarks.

A sealed value is text: ``sealed:<key id>:<base64 of nonce, ciphertext and tag>``. The keys
come from the environment (``SEJAHTERA_DATA_KEYS``, the first one seals, every one opens), so
that `sejahtera privacy rotate-keys` can re-seal everything under a new key while the old one
still opens what is not yet re-sealed. The purpose of a value (a person's fields, a history
entry…) is its associated data: a value copied into another kind of record does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, migrations, models, transaction
from django.dispatch import receiver

from sejahtera.domain import registry_format as fmt

PREFIX = "sealed:"
NONCE_BYTES = 12
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
# The id of the key derived from the secret key, used without SEJAHTERA_DATA_KEYS.
DERIVED = "derived"


class Purpose:
    """What a sealed value is: its associated data."""

    PERSON = b"person-specific"
    HISTORY = b"change-history"
    PROPOSAL = b"proposal-member"
    ASSESSMENT = b"case-assessment"
    ANSWER = b"write-answer"


class SealError(Exception):
    """A sealed value that does not open: an unknown key, or changed since it was sealed."""


@dataclass(frozen=True)
class KeyRing:
    """The data keys by id; ``current`` seals, every one opens."""

    keys: Mapping[str, AESGCM]
    current: str

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """``id:base64key[,id:base64key…]``, the current key first; a clear error otherwise."""
        keys: dict[str, AESGCM] = {}
        for position, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), 1):
            key_id, _, encoded = entry.partition(":")
            # never echo the entry: without its id it is the key itself
            if not _KEY_ID.match(key_id) or not encoded:
                raise ValueError(
                    f"SEJAHTERA_DATA_KEYS entry {position} must be a key id (1–16 letters, "
                    "digits, '-' or '_'), ':' and the key"
                )
            if key_id == DERIVED:
                raise ValueError(f"SEJAHTERA_DATA_KEYS: the key id {DERIVED!r} is reserved")
            if key_id in keys:
                raise ValueError(f"SEJAHTERA_DATA_KEYS: key id {key_id!r} appears twice")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                key = b""
            if len(key) != KEY_BYTES:
                raise ValueError(
                    f"SEJAHTERA_DATA_KEYS: key {key_id!r} must be {KEY_BYTES} random bytes in "
                    "base64 (`sejahtera privacy new-key` makes one)"
                )
            keys[key_id] = AESGCM(key)
        if not keys:
            raise ValueError("SEJAHTERA_DATA_KEYS holds no key")
        return cls(keys, next(iter(keys)))

    def seal(self, plaintext: bytes, purpose: bytes) -> str:
        return self.seal_many([plaintext], purpose)[0]

    def seal_many(self, plaintexts: Iterable[bytes], purpose: bytes) -> list[str]:
        cipher, head = self.keys[self.current], f"{PREFIX}{self.current}:"
        sealed = []
        for plaintext in plaintexts:
            nonce = os.urandom(NONCE_BYTES)
            body = nonce + cipher.encrypt(nonce, plaintext, purpose)
            sealed.append(head + base64.b64encode(body).decode("ascii"))
        return sealed

    def open(self, token: str, purpose: bytes) -> bytes:
        key_id, body = _split(token)
        cipher = self.keys.get(key_id)
        if cipher is None:
            raise SealError(f"sealed with key {key_id!r}, which SEJAHTERA_DATA_KEYS does not hold")
        try:
            raw = binascii.a2b_base64(body, strict_mode=True)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose)
        except (binascii.Error, InvalidTag, ValueError) as failure:
            raise SealError("a sealed value was changed or is not for this record") from failure


def _split(token: str) -> tuple[str, str]:
    if not token.startswith(PREFIX):
        raise SealError("not a sealed value")
    key_id, _, body = token[len(PREFIX) :].partition(":")
    return key_id, body


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def new_key() -> str:
    """A fresh data key, as SEJAHTERA_DATA_KEYS holds it (after its id and ':')."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


@cache
def key_ring() -> KeyRing:
    """The configured keys. Without SEJAHTERA_DATA_KEYS (the demo, the tests), one derived
    from the secret key seals (`check --deploy` warns: who reads the server's configuration
    would hold both); with it, the derived key still opens what it sealed, until
    `privacy rotate-keys` has sealed all of it again."""
    derived = AESGCM(hashlib.sha256(f"data-key:{settings.SECRET_KEY}".encode()).digest())
    if not settings.SEJAHTERA_DATA_KEYS:
        return KeyRing({DERIVED: derived}, DERIVED)
    configured = KeyRing.parse(settings.SEJAHTERA_DATA_KEYS)
    return KeyRing({**configured.keys, DERIVED: derived}, configured.current)


@receiver(setting_changed)
def _forget_keys(setting: str, **_kwargs: Any) -> None:
    if setting in ("SEJAHTERA_DATA_KEYS", "SECRET_KEY"):
        key_ring.cache_clear()


# -- a person's specific fields as one value -------------------------------------------------

SPECIFIC_COLUMNS = tuple(c for c in fmt.PERSON_COLUMNS if c.specific)
SPECIFIC_NAMES = tuple(c.name for c in SPECIFIC_COLUMNS)
# One character per field, so that every sealed value has one length and its size tells
# nothing: a flag 1 or 0, a choice its position (no field has more than ten; a test holds
# it), unknown '-'. Arrow builds the same text for a whole import batch at once.
_UNKNOWN_CHAR = "-"
_ALL_UNKNOWN = _UNKNOWN_CHAR * len(SPECIFIC_NAMES)


def _field_char(column: fmt.Column, value: Any) -> str:
    if value is None:
        return _UNKNOWN_CHAR
    if column.kind is fmt.Kind.BOOL:
        return "1" if value else "0"
    return str(column.choices.index(value))


def _field_value(column: fmt.Column, char: str) -> Any:
    if char == _UNKNOWN_CHAR:
        return None
    if column.kind is fmt.Kind.BOOL:
        return char == "1"
    return column.choices[int(char)]


def pack(values: Mapping[str, Any]) -> str | None:
    """A person's specific fields as one text; None when every one is unknown (nothing to
    hide, and nothing stored)."""
    text = "".join(_field_char(c, values.get(c.name)) for c in SPECIFIC_COLUMNS)
    return None if text == _ALL_UNKNOWN else text


@lru_cache(maxsize=4096)
def unpacked_values(text: str) -> tuple[Any, ...]:
    """The values in ``SPECIFIC_NAMES`` order. Few persons differ in all eleven fields: most
    texts repeat, and are read once."""
    return tuple(_field_value(c, char) for c, char in zip(SPECIFIC_COLUMNS, text, strict=True))


def seal_person(values: Mapping[str, Any]) -> str | None:
    text = pack(values)
    return None if text is None else key_ring().seal(text.encode(), Purpose.PERSON)


def open_person(token: str | None) -> dict[str, Any]:
    return dict(zip(SPECIFIC_NAMES, open_person_values(token), strict=True))


_UNKNOWN = (None,) * len(SPECIFIC_NAMES)


def open_person_values(token: str | None) -> tuple[Any, ...]:
    """A person's specific values in ``SPECIFIC_NAMES`` order (the batch paths' way: no dict)."""
    if token is None:
        return _UNKNOWN
    return unpacked_values(key_ring().open(token, Purpose.PERSON).decode())


def seal_person_columns(table: pa.Table, column_names: list[str]) -> tuple[pa.Table, list[str]]:
    """An import batch's specific columns (model values) replaced by one ``specific_data``
    column of sealed values: the text built by Arrow, one cipher call per person."""
    texts = []
    for c in SPECIFIC_COLUMNS:
        column = table.column(column_names.index(c.name))
        if c.kind is fmt.Kind.BOOL:
            chars = pc.if_else(column, "1", "0")
        else:
            chars = pc.index_in(column, value_set=pa.array(c.choices)).cast(pa.string())
        texts.append(pc.fill_null(chars, _UNKNOWN_CHAR))
    joined = pc.binary_join_element_wise(*texts, "").to_pylist()
    ring = key_ring()
    known = [i for i, text in enumerate(joined) if text != _ALL_UNKNOWN]
    sealed: list[str | None] = [None] * len(joined)
    tokens = ring.seal_many((joined[i].encode() for i in known), Purpose.PERSON)
    for i, token in zip(known, tokens, strict=True):
        sealed[i] = token
    keep = [i for i, name in enumerate(column_names) if name not in SPECIFIC_NAMES]
    table = table.select(keep).append_column("specific_data", pa.array(sealed, pa.string()))
    return table, [column_names[i] for i in keep] + ["specific_data"]


# -- model fields ------------------------------------------------------------------------------


class SealedPersonData(models.TextField):
    """A person's specific fields, sealed; in Python a dict of every one of them."""

    def from_db_value(self, value: str | None, *_args: Any) -> dict[str, Any]:
        return open_person(value)

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        return open_person(value)

    def get_prep_value(self, value: Mapping[str, Any] | None) -> str | None:
        return None if value is None else seal_person(value)


# A JSON value sealed is padded to a multiple of this, so that its size does not tell a
# flag from a choice, nor one choice from another (JSON ignores the trailing spaces).
PADDING = 64


class SealedJSONField(models.JSONField):
    """A JSON value of which ``sealed_values`` chooses what is sealed (each part its own sealed
    value, stored in its place); the rest stays plain JSON that queries can read."""

    def __init__(self, *args: Any, purpose: bytes, **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def sealed_values(self, value: Any, change: Callable[[Any, str], Any]) -> Any:
        """``value`` with each part to seal passed through ``change`` with the name it is
        bound to (a part sealed under one name does not open under another): the whole."""
        return change(value, "")

    def get_prep_value(self, value: Any) -> Any:
        ring = key_ring()

        def seal(part: Any, name: str) -> Any:
            text = json.dumps(part).encode()
            padded = text + b" " * (-len(text) % PADDING)
            return ring.seal(padded, self.purpose + b":" + name.encode())

        return super().get_prep_value(self.sealed_values(value, seal))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        loaded = super().from_db_value(value, expression, connection)
        ring = key_ring()

        def unseal(part: Any, name: str) -> Any:
            if not is_sealed(part):
                return part
            return json.loads(ring.open(part, self.purpose + b":" + name.encode()))

        return self.sealed_values(loaded, unseal)


class SealedSpecificCells(SealedJSONField):
    """A mapping (or a list of mappings) of format columns: the values of specific columns
    sealed, every other one plain (a change record's ``{field: [old, new]}``, a proposal's
    members)."""

    def sealed_values(self, value: Any, change: Callable[[Any, str], Any]) -> Any:
        if isinstance(value, list):
            return [self.sealed_values(item, change) for item in value]
        if isinstance(value, dict):
            return {
                k: change(v, k) if k in fmt.SPECIFIC_PERSON_FIELDS else v for k, v in value.items()
            }
        return value


class SpecificAttribute(property):
    """One of a person's specific fields, read from and written to its sealed value."""

    def __init__(self) -> None:
        super().__init__(self._get, self._set)
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _get(self, person: Any) -> Any:
        return (person.specific_data or {}).get(self.name)

    def _set(self, person: Any, value: Any) -> None:
        person.specific_data = {**(person.specific_data or {}), self.name: value}


def stored_values(values: Mapping[str, Any], current: Mapping[str, Any] | None) -> dict[str, Any]:
    """Person attribute values as the model's stored fields: the specific ones (over the
    person's ``current`` ones) become its ``specific_data``."""
    plain = {k: v for k, v in values.items() if k not in fmt.SPECIFIC_PERSON_FIELDS}
    specific = {k: v for k, v in values.items() if k in fmt.SPECIFIC_PERSON_FIELDS}
    if specific:
        plain["specific_data"] = {**dict.fromkeys(SPECIFIC_NAMES), **(current or {}), **specific}
    return plain


# -- re-sealing: a new key, or values stored before they were sealed ---------------------------

_KEY_IDS = re.compile(re.escape(PREFIX) + r"([A-Za-z0-9_-]+):")


def sealed_fields() -> list[tuple[type[models.Model], models.Field[Any, Any]]]:
    """Every sealed field of every installed model."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.local_fields
        if isinstance(field, SealedPersonData | SealedJSONField)
    ]


def reseal_everything() -> dict[str, int]:
    """Every sealed field of every model sealed under the current key (after a new key was
    put first in SEJAHTERA_DATA_KEYS): rows changed per ``app.model.field``."""
    return {_label(model, field): reseal(model, field) for model, field in sealed_fields()}


def under_older_keys() -> dict[str, int]:
    """Rows per ``app.model.field`` still holding a value another key sealed (what
    ``reseal_everything`` left: rows written meanwhile are sealed with the current key)."""
    current = key_ring().current
    return {
        _label(model, field): sum(
            bool(set(_KEY_IDS.findall(text)) - {current})
            for batch in _stored_batches(model, field)
            for _, text in batch
        )
        for model, field in sealed_fields()
    }


def _label(model: type[models.Model], field: models.Field[Any, Any]) -> str:
    return f"{model._meta.label_lower}.{field.name}"


def reseal(model: type[models.Model], field: models.Field[Any, Any]) -> int:
    """Seal again, under the current key, every value of ``field`` that an older key sealed
    or that is not sealed yet; returns how many rows changed."""
    current = key_ring().current

    def sealed_anew(text: str) -> Any:
        if set(_KEY_IDS.findall(text)) == {current}:
            return None
        stored = json.loads(text) if isinstance(field, SealedJSONField) else text
        prepared = field.get_prep_value(field.from_db_value(text, None, connection))  # type: ignore[attr-defined]
        if prepared == stored:
            return None
        return field.get_db_prep_value(prepared, connection, prepared=True)

    return _rewrite(model, field, sealed_anew)


def unseal(model: type[models.Model], field: SealedJSONField) -> int:
    """Store every value of ``field`` opened (what undoing a migration that sealed it does)."""

    def opened(text: str) -> Any:
        if not _KEY_IDS.search(text):
            return None
        return json.dumps(field.from_db_value(text, None, connection))

    return _rewrite(model, field, opened)


def _rewrite(
    model: type[models.Model], field: models.Field[Any, Any], rewrite: Callable[[str], Any]
) -> int:
    """Each stored value of ``field`` (as text) passed through ``rewrite``, which gives the
    value to store or None to leave it. A row is written only if it still holds what was read:
    one a user changed meanwhile was sealed with the current key by that change."""
    table, column, pk, read = _sql_names(model, field)
    postgres = connection.vendor == "postgresql"
    write = "CAST(%s AS jsonb)" if postgres and isinstance(field, SealedJSONField) else "%s"
    changed = 0
    with connection.cursor() as cursor:
        for batch in _stored_batches(model, field):
            updates = []
            for key, text in batch:
                try:
                    value = rewrite(text)
                except SealError as failure:
                    raise SealError(f"{model._meta.db_table} row {key}: {failure}") from failure
                if value is not None:
                    updates.append((value, key, text))
            for update in updates:
                cursor.execute(
                    f"UPDATE {table} SET {column} = {write} WHERE {pk} = %s AND {read} = %s",
                    update,
                )
                changed += cursor.rowcount
    return changed


RESEAL_BATCH = 2000


def _sql_names(model: type[models.Model], field: models.Field[Any, Any]) -> tuple[str, ...]:
    """The table, the column, the primary key and the column read as text, quoted."""
    quote = connection.ops.quote_name
    column = quote(field.column)
    text = f"CAST({column} AS text)" if connection.vendor == "postgresql" else column
    return quote(model._meta.db_table), column, quote(model._meta.pk.column), text


def _stored_batches(
    model: type[models.Model], field: models.Field[Any, Any]
) -> Iterator[list[tuple[Any, str]]]:
    """The stored values of ``field`` as text, with their primary keys, a batch at a time in
    key order; each batch in its own transaction (which a caller's writes join), so that an
    interrupted run goes on where it stopped when started again."""
    table, column, pk, read = _sql_names(model, field)
    postgres = connection.vendor == "postgresql"
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                # the change history is append-only but for this (registry migration 0015)
                cursor.execute("SELECT set_config('sejahtera.resealing', 'on', true)")
            after = "" if last is None else f"AND {pk} > %s "
            cursor.execute(
                f"SELECT {pk}, {read} FROM {table} WHERE {column} IS NOT NULL "
                f"{after}ORDER BY {pk} LIMIT %s",
                [RESEAL_BATCH] if last is None else [last, RESEAL_BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield rows


def sealing_migration(app_label: str, model_name: str, field_name: str) -> migrations.RunPython:
    """The migration step that seals a field's stored values (undone: opens them)."""

    def field_of(apps: Any) -> tuple[type[models.Model], Any]:
        model = apps.get_model(app_label, model_name)
        return model, model._meta.get_field(field_name)

    def seal(apps: Any, _editor: Any) -> None:
        reseal(*field_of(apps))

    def open_again(apps: Any, _editor: Any) -> None:
        unseal(*field_of(apps))

    return migrations.RunPython(seal, open_again)
