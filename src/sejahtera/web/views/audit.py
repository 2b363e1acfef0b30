"""The audit trail for auditors and administrators: search by user, action, record kind,
record id and dates; older entries page by page; the result as CSV (itself an entry)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts import access, audit
from sejahtera.accounts.models import AuditEntry
from sejahtera.accounts.selectors import AuditSearch, audit_entries
from sejahtera.web import params
from sejahtera.web.downloads import csv_download
from sejahtera.web.http import AuthenticatedRequest

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
COLUMNS = [
    "id", "at", "user", "action", "entity", "record_ids", "fields", "purpose", "path",
    "status", "client_address", "request_id", "digest",
]  # fmt: skip


class AuditSearchForm(forms.Form):
    username = forms.CharField(label=_("Username"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", "—"), *AuditEntry.Action.choices]
    )
    entity = forms.CharField(label=_("Record kind"), required=False, max_length=80)
    record_id = forms.IntegerField(
        label=_("Record id"), required=False, min_value=1, max_value=10**params.MAX_DIGITS - 1
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def search(self) -> AuditSearch:
        if not self.is_valid():
            return AuditSearch(record_id=0)  # an invalid search finds nothing
        return AuditSearch(**self.cleaned_data)


@login_required
def trail(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.AUDIT_READERS)
    form = AuditSearchForm(request.GET)
    entries = audit_entries(request.user, form.search())
    before = params.integer(request.GET, "before", 0)
    if before:
        entries = entries.filter(id__lt=before)
    page = list(entries[: PAGE_SIZE + 1])
    older = page[PAGE_SIZE - 1].id if len(page) > PAGE_SIZE else None
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "web/audit/trail.html",
        {
            "form": form,
            "entries": page[:PAGE_SIZE],
            "older": older,
            "query": query.urlencode(),
            "head": audit.head(),
        },
    )


@login_required
def export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    access.require(request.user, access.AUDIT_READERS)
    entries = audit_entries(request.user, AuditSearchForm(request.GET).search())
    audit.record(
        user=request.user,
        action=AuditEntry.Action.EXPORT,
        entity="audit_trail",
        path=request.get_full_path(),
    )

    def rows() -> Iterator[list[Any]]:
        yield COLUMNS
        for entry in entries[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [
                entry.id, entry.at.isoformat(), entry.user.username if entry.user else "",
                entry.action, entry.entity, " ".join(map(str, entry.record_ids)),
                " ".join(entry.fields), entry.purpose, entry.path, entry.status or "",
                entry.client_address, entry.request_id, entry.digest,
            ]  # fmt: skip

    return csv_download(rows(), "audit-trail.csv")
