"""Printable documents as PDF, in the layout of an Indonesian government letter: the issuing
office's letterhead, a number, the place and date, and a signature block.

WeasyPrint renders a Django template. The document's HTML holds names and addresses typed by
users, so it may fetch nothing: no network, no file of the server (every style is inline).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from sejahtera.domain.regions import default_catalog

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class FetchRefused(ValueError):
    pass


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise FetchRefused(f"documents fetch nothing, not {url[:80]!r}")


def letter_number(serial: int, code: str, on: date) -> str:
    """ "12/GRAD/XII/2026": a serial, the kind of letter, the month in Roman numerals, the year."""
    return f"{serial}/{code}/{ROMAN_MONTHS[on.month - 1]}/{on.year}"


def issuing_office(region_code: str) -> dict[str, str]:
    """The social office of a region's regency (or the ministry, for the whole country): the
    letterhead's name and the place a letter is dated at."""
    catalog = default_catalog()
    regency = region_code[:4]
    if len(regency) < 4:
        return {"name": "Kementerian Sosial", "place": "Jakarta"}
    name = catalog.name(regency) or regency
    return {
        "name": f"Dinas Sosial {name}",
        "province": catalog.name(region_code[:2]) or "",
        "place": name.removeprefix("Kabupaten ").removeprefix("Kota "),
    }


def render_pdf(request: HttpRequest, template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported on use: it loads Pango, which only PDFs need

    html = render_to_string(template, context, request=request)
    return HTML(string=html, url_fetcher=_refuse).write_pdf()


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # personal data: never kept by a proxy
    return response


def dated(place: str, on: date) -> str:
    return f"{place}, {date_format(on)}"


def letter(
    region_code: str, *, serial: int, code: str, on: date, signer_title: str, signer_name: str
) -> dict[str, Any]:
    """What every letter's frame shows: the issuing office, the number, the place and date,
    the signature block and when it was printed."""
    office = issuing_office(region_code)
    return {
        "office": office,
        "number": letter_number(serial, code, on),
        "dated": dated(office["place"], on),
        "signer_title": signer_title,
        "signer_name": signer_name,
        "printed_at": date_format(timezone.localtime(), "DATETIME_FORMAT"),
    }


def on_behalf_of_office(region_code: str) -> str:
    return gettext("On behalf of the head of %(office)s") % {
        "office": issuing_office(region_code)["name"]
    }


def signed_by(user: Any) -> dict[str, str]:
    """The signature of the user printing the document: their role and name."""
    return {
        "signer_title": user.get_role_display(),
        "signer_name": user.get_full_name() or user.username,
    }
