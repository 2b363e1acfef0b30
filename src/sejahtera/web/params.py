"""Reading numbers and region codes from a request's parameters: anything else is a clear 400
(Django's ``BadRequest``), never a server error further down."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils.translation import gettext as _

from sejahtera.domain.regions import CODE_LENGTHS
from sejahtera.registry import selectors as registry_selectors

# Larger values overflow the database's 64-bit integers.
MAX_DIGITS = 18
REGION_CODE_LENGTHS = frozenset({0, *CODE_LENGTHS.values()})


def integer(data: QueryDict, name: str, default: int) -> int:
    """The parameter ``name`` as a non-negative whole number, ``default`` when absent."""
    value = data.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > MAX_DIGITS:
        raise BadRequest(_("%(name)s must be a whole number.") % {"name": name})
    return int(value)


def region_code(data: QueryDict, name: str = "region") -> str:
    """The parameter ``name`` as a region code ('' when absent): 2, 4, 6 or 10 digits."""
    value = data.get(name, "").strip()
    if (
        not ((value.isascii() and value.isdigit()) or not value)
        or len(value) not in REGION_CODE_LENGTHS
    ):
        raise BadRequest(
            _("%(name)s must be a region code of 2, 4, 6 or 10 digits.") % {"name": name}
        )
    return value


def search_text(data: QueryDict, name: str = "q") -> str:
    """What was typed to search for; a number written in groups ("3201 0145 0890 0001", as
    on a KTP or KK card, or with dots or dashes) as its digits."""
    value = data.get(name, "").strip()
    digits = re.sub(r"[\s.\-]", "", value)
    return digits if digits.isascii() and digits.isdigit() else value


def sort_key(data: QueryDict, allowed: Iterable[str], default: str, name: str = "sort") -> str:
    """The parameter ``name`` as one of the ``allowed`` column keys, "-" first to reverse."""
    value = data.get(name, "").strip()
    if not value:
        return default
    if value.lstrip("-") not in set(allowed):
        raise BadRequest(_("%(name)s must name a column of this list.") % {"name": name})
    return value


def choice(data: QueryDict, name: str, allowed: Iterable[str]) -> str:
    """The parameter ``name`` as one of ``allowed`` ('' when absent)."""
    value = data.get(name, "").strip()
    if value and value not in set(allowed):
        raise BadRequest(_("%(name)s has a value this list does not know.") % {"name": name})
    return value


def scoped_region(data: QueryDict, scope: str, name: str = "region") -> tuple[str, str]:
    """A region filter, by code or by name, and what to tell the user about it. A region
    wider than the user's ``scope`` means their whole scope; one outside it finds nothing, and
    the page says why instead of quietly showing something else. A name is looked up within
    the scope: one region so named is the filter; none or several find nothing, and the page
    says which (the text typed stays in the filter)."""
    typed = data.get(name, "").strip()
    if typed and not typed.isdigit():
        return _region_named(typed[:MAX_REGION_NAME], scope)
    code = region_code(data, name)
    if code.startswith(scope):
        return code, ""
    if scope.startswith(code):
        return "", ""
    notice = _("Region %(code)s is outside your area (%(scope)s), so nothing there is shown.")
    return code, notice % {"code": code, "scope": scope}


MAX_REGION_NAME = 120
REGIONS_NAMED = 5


def _region_named(text: str, scope: str) -> tuple[str, str]:
    found = registry_selectors.regions_named(text, scope, limit=REGIONS_NAMED)
    if len(found) == 1:
        return found[0].code, ""
    if not found:
        notice = _("No region in your area is named “%(name)s”.") % {"name": text}
        return text, notice
    shown = ", ".join(f"{region.name} ({region.code})" for region in found[:REGIONS_NAMED])
    if len(found) > REGIONS_NAMED:
        shown += ", …"
    notice = _("Several regions match “%(name)s”: %(regions)s. Choose one by its code.")
    return text, notice % {"name": text, "regions": shown}
