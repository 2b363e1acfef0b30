"""Import screen: upload files, follow the background import, download its report."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from sejahtera.registry import selectors
from sejahtera.registry.services.uploads import UploadRejected, start_import
from sejahtera.web.forms import ImportUploadForm
from sejahtera.web.http import AuthenticatedRequest


@login_required
def imports(request: AuthenticatedRequest) -> HttpResponse:
    runs = selectors.import_runs_for(request.user)
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
    run = selectors.import_runs_for(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404
    partial = request.headers.get("HX-Request") == "true"
    template = "web/imports/_status.html" if partial else "web/imports/detail.html"
    return render(request, template, {"run": run})


@login_required
def import_report(request: AuthenticatedRequest, pk: int) -> FileResponse:
    run = selectors.import_runs_for(request.user).filter(pk=pk).first()
    if run is None or not run.report_file or not Path(run.report_file).is_file():
        raise Http404
    return FileResponse(
        Path(run.report_file).open("rb"),
        as_attachment=True,
        filename=f"import-{run.pk}-report.csv",
        content_type="text/csv",
    )
