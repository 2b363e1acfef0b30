"""A data subject's copy of their data (UU 27/2022 access and portability), asked for at a
regency or provincial office: JSON to take elsewhere, or a readable PDF for the person."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse

from sejahtera import labels
from sejahtera.accounts.models import AuditEntry, Role
from sejahtera.cases.models import CaseEvent
from sejahtera.privacy.subject_access import subject_data
from sejahtera.registry.models import Person
from sejahtera.web import documents
from sejahtera.web.http import AuthenticatedRequest


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
        "person_facts": _facts(data["person"]),
        "household_facts": _facts(data["household"]),
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


def _labelled(data: dict[str, Any]) -> dict[str, Any]:
    """The copy with codes in words, for the PDF (the JSON keeps the codes)."""
    cases = [
        {
            **case,
            "stage": labels.stage_label(case["stage"]),
            "timeline": [{**e, "kind": CaseEvent.Kind(e["kind"]).label} for e in case["timeline"]],
        }
        for case in data["cases"]
    ]
    reads = [
        {
            **r,
            "by_role": Role(r["by_role"]).label if r["by_role"] else "",
            "action": AuditEntry.Action(r["action"]).label,
        }
        for r in data["reads"]
    ]
    return {**data, "cases": cases, "reads": reads}


def _facts(row: dict[str, Any]) -> list[tuple[str, Any]]:
    """A record's filled fields with their labels (registry columns as the forms name them)."""
    return [
        (
            labels.column_label(name) if name in labels.COLUMN_LABELS else _label(name),
            labels.value_label(value) if isinstance(value, str) else value,
        )
        for name, value in row.items()
        if value not in (None, "", [], {}) and name != "id"
    ]


def _label(name: str) -> str:
    return name.removesuffix("_id").replace("_", " ").capitalize()
