"""Import screen: upload files, follow the background import, download its report."""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from sejahtera.registry import selectors
from sejahtera.registry.services.uploads import UploadRejected, import_runs_for, start_import
from sejahtera.web import params
from sejahtera.web.forms import ImportUploadForm
from sejahtera.web.http import AuthenticatedRequest

REPORT_LINES_PER_PAGE = 50
# What the page calls the report's severities: ?show=rejected (the default) or ?show=warnings.
REPORT_SHOWS = {"rejected": "error", "warnings": "warning"}


@login_required
def imports(request: AuthenticatedRequest) -> HttpResponse:
    runs = import_runs_for(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = start_import(
                request.user, form.cleaned_data["households"], form.cleaned_data["persons"]
            )
        except UploadRejected as rejected:
            form.add_error(None, str(rejected))
        else:
            return redirect("web:import", pk=run.pk)
    return render(request, "web/imports/list.html", {"form": form, "runs": runs[:50]})


@login_required
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    run = import_runs_for(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404
    partial = request.headers.get("HX-Request") == "true"
    template = "web/imports/_status.html" if partial else "web/imports/detail.html"
    context: dict[str, Any] = {"run": run}
    if run.status in (run.Status.COMPLETED, run.Status.FAILED) and run.report_file:
        show = params.choice(request.GET, "show", REPORT_SHOWS) or "rejected"
        report = selectors.import_report(run, REPORT_SHOWS[show])
        page = Paginator(report, REPORT_LINES_PER_PAGE).get_page(
            params.integer(request.GET, "page", 1)
        )
        for line in page:
            line["file"] = PurePath(line["file"]).name
        context |= {"show": show, "page": page}
    return render(request, template, context)


@login_required
def import_report(request: AuthenticatedRequest, pk: int) -> FileResponse:
    run = import_runs_for(request.user).filter(pk=pk).first()
    if run is None or not run.report_file or not Path(run.report_file).is_file():
        raise Http404
    return FileResponse(
        Path(run.report_file).open("rb"),
        as_attachment=True,
        filename=f"import-{run.pk}-report.csv",
        content_type="text/csv",
    )
