from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sejahtera.domain.regions import data_dir
from sejahtera.registry import selectors
from sejahtera.registry.dashboard import INDICATORS, dashboard_for
from sejahtera.registry.services import exports
from sejahtera.web import params
from sejahtera.web.http import AuthenticatedRequest


def _region(request: AuthenticatedRequest) -> str:
    return params.region_code(request.GET)


@login_required
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    figures = dashboard_for(request.user, _region(request))
    indicator = request.GET.get("indicator", "persons")
    return render(
        request,
        "web/dashboard.html",
        {
            "figures": figures,
            "indicator": indicator if indicator in INDICATORS else "persons",
            "indicators": INDICATORS,
            "region_path": selectors.region_path(figures.region.code) if figures.region else [],
            "show_map": figures.region is None,
        },
    )


@login_required
@require_GET
def region_figures(request: AuthenticatedRequest) -> JsonResponse:
    """The areas of the current view with every indicator, for the map and charts."""
    figures = dashboard_for(request.user, _region(request))
    return JsonResponse(
        {
            "areas": {
                area.code: {"name": area.name, **{i: getattr(area, i) for i in INDICATORS}}
                for area in figures.areas
            },
            "age_sex": figures.age_sex,
        }
    )


@require_GET
def provinces_geojson(request: HttpRequest) -> FileResponse:
    """The province map (public data, simplified boundaries; see data/regions/README.md)."""
    response = FileResponse(
        (data_dir() / "provinces.geojson").open("rb"), content_type="application/geo+json"
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


AREA_COLUMNS = (
    "code",
    "name",
    "persons",
    "households",
    "without_nik",
    "nik_warnings",
    "deceased",
    "possible_duplicates",
)


@login_required
@require_GET
def export(request: AuthenticatedRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The dashboard's region table as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    figures = dashboard_for(request.user, _region(request))
    rows = [list(AREA_COLUMNS)] + [
        [getattr(area, column) for column in AREA_COLUMNS] for area in figures.areas
    ]
    return exports.download(rows, f"sejahtera-regions-{figures.total.code or 'id'}", fmt)
