"""A data subject's copy of their data (UU 27/2022 access and portability), asked for at a
regency or provincial office: JSON to take elsewhere, or a readable PDF for the person."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext

from sejahtera import labels
from sejahtera.accounts.models import AuditEntry, Role
from sejahtera.cases.models import CaseEvent
from sejahtera.privacy.subject_access import subject_data
from sejahtera.programmes.models import Enrolment, Payment
from sejahtera.registry.models import ChangeRecord, Person
from sejahtera.registry.selectors import region_path
from sejahtera.web import documents
from sejahtera.web.http import AuthenticatedRequest
from sejahtera.web.templatetags.sejahtera import rupiah


@login_required
def subject_access(request: AuthenticatedRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("json", "pdf"):
        raise Http404
    try:
        data = subject_data(request.user, pk)
    except Person.DoesNotExist:
        raise Http404 from None
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
            content_type="application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="person-{pk}-data.json"'
        response["Cache-Control"] = "private, no-store"
        return response
    context = {
        "data": _labelled(data),
        "person_facts": _facts(
            data["person"], (labels.column_label("person_id"), data["person"]["external_id"])
        ),
        "household_facts": _facts(
            data["household"],
            (labels.column_label("household_id"), data["household"]["external_id"]),
            (labels.column_label("region_code"), _region_names(data["household"]["village_id"])),
            (gettext("Members"), data["household"]["members"]),
        ),
        **documents.letter(
            data["household"]["village_id"],
            serial=pk,
            code="DSP",
            on=date.today(),
            **documents.signed_by(request.user),
        ),
    }
    pdf = documents.render_pdf(request, "documents/subject_access.html", context)
    return documents.pdf_response(pdf, f"person-{pk}-data.pdf")


def _region_names(village: str) -> str:
    return ", ".join(region.name for region in reversed(region_path(village)))


def _labelled(data: dict[str, Any]) -> dict[str, Any]:
    """The copy with codes and dates in words, for the PDF (the JSON keeps the codes)."""
    cases = [
        {
            **case,
            "stage": labels.stage_label(case["stage"]),
            "opened_on": _day(case["opened_on"]),
            "timeline": [
                {
                    **e,
                    "on": _day(e["on"]),
                    "kind": CaseEvent.Kind(e["kind"]).label,
                    "from_stage": e["from_stage"] and labels.stage_label(e["from_stage"]),
                    "to_stage": e["to_stage"] and labels.stage_label(e["to_stage"]),
                }
                for e in case["timeline"]
            ],
        }
        for case in data["cases"]
    ]
    reads = [
        {
            **r,
            "at": date_format(localtime(datetime.fromisoformat(r["at"])), "DATETIME_FORMAT"),
            "by_role": Role(r["by_role"]).label if r["by_role"] else "",
            "action": AuditEntry.Action(r["action"]).label,
        }
        for r in data["reads"]
    ]
    history = [
        {
            **change,
            "changed_at": _day(change["changed_at"]),
            "entity": ChangeRecord.Entity(change["entity"]).label,
            "changes": {
                labels.column_label(field): [_shown(field, value) for value in values]
                for field, values in change["changes"].items()
            },
        }
        for change in data["history"]
    ]
    programmes = {
        "enrolments": [
            {
                **e,
                "status": Enrolment.Status(e["status"]).label,
                "started_on": _day(e["started_on"]),
                "ended_on": e["ended_on"] and _day(e["ended_on"]),
            }
            for e in data["programmes"]["enrolments"]
        ],
        "payments": [
            {
                **p,
                "status": Payment.Status(p["status"]).label,
                "paid_on": p["paid_on"] and _day(p["paid_on"]),
            }
            for p in data["programmes"]["payments"]
        ],
    }
    return {**data, "cases": cases, "reads": reads, "history": history, "programmes": programmes}


def _day(iso: str) -> str:
    return date_format(date.fromisoformat(iso[:10]))


# A household's own number in the database; the letter shows its source id instead.
INTERNAL_KEYS = frozenset({"household_id"})


def _facts(row: dict[str, Any], *first: tuple[str, Any]) -> list[tuple[str, Any]]:
    """A record's filled exchange-format fields, labelled and valued as the forms show them
    (dates the Indonesian way); the record's machinery (ids, versions, timestamps) stays in
    the JSON."""
    return list(first) + [
        (labels.column_label(name), _shown(name, value))
        for name, value in row.items()
        if name in labels.COLUMN_LABELS
        and name not in INTERNAL_KEYS
        and value not in (None, "", [], {})
    ]


def _shown(name: str, value: Any) -> Any:
    if name.endswith("_idr"):
        return rupiah(value)
    if not isinstance(value, str):
        return value
    try:
        return date_format(date.fromisoformat(value))
    except ValueError:
        return labels.value_label(value)
