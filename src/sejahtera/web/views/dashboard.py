from datetime import date
from typing import Any

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
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases import reports as journey
from sejahtera.domain.regions import data_dir
from sejahtera.grievances.selectors import waiting_for
from sejahtera.labels import cluster_label, stage_label
from sejahtera.programmes import coverage
from sejahtera.registry import selectors
from sejahtera.registry.dashboard import INDICATORS, dashboard_for
from sejahtera.targeting import selectors as targeting
from sejahtera.web import params
from sejahtera.web.downloads import download
from sejahtera.web.http import AuthenticatedRequest


def _region(request: AuthenticatedRequest) -> str:
    return params.region_code(request.GET)


# The map's colours beside the registry's counts: persons in a PAS cluster (current run) and
# the share of them enrolled in a programme today.
COVERAGE_INDICATORS = ("cluster_persons", "cluster_enrolled_percent")


@login_required
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The ministry's question, for the region shown: who is in the data (registry counts),
    who of the 12 clusters is served (current run and enrolments), what the programmes
    decide and cost, how the deciles fall, and where the families are in the journey. Each
    part only for the roles that may read it."""
    user = request.user
    figures = dashboard_for(user, _region(request))
    code = figures.total.code
    indicators: tuple[str, ...] = INDICATORS
    context: dict[str, Any] = {"figures": figures, "queues": _queues(user)}
    if access.has_role(user, access.TARGETING_READERS):
        indicators += COVERAGE_INDICATORS
        clusters = coverage.cluster_coverage(user, code)
        run = targeting.region_run_figures(user, code)
        context |= {
            "clusters": clusters,
            "coverage_as_of": coverage.coverage_refreshed_at(),
            "run": run,
        }
        context["charts"] = {
            "clusters": {
                "labels": [cluster_label(c["cluster"]) for c in clusters],
                "persons": [c["persons"] for c in clusters],
                "enrolled": [c["enrolled_persons"] for c in clusters],
            },
        }
        if run:
            deciles = [d for d in run["deciles"] if d["national_decile"] is not None]
            context["charts"] |= {
                "programmes": {
                    "labels": [p["programme"] for p in run["programmes"]],
                    "eligible": [p["eligible"] for p in run["programmes"]],
                },
                "deciles": {
                    "labels": [str(d["national_decile"]) for d in deciles],
                    "households": [d["households"] for d in deciles],
                },
            }
    if access.has_role(user, access.JOURNEY_FIGURE_READERS):
        stages, graduation = journey.region_journey(user, code, date.today())
        context["journey"] = {
            "stages": [{"stage": stage_label(s), "cases": n} for s, n in stages.rows],
            "graduation": graduation.dicts(),
        }
        context.setdefault("charts", {})["stages"] = {
            "labels": [row["stage"] for row in context["journey"]["stages"]],
            "cases": [row["cases"] for row in context["journey"]["stages"]],
        }
    indicator = request.GET.get("indicator", "persons")
    context |= {
        "indicator": indicator if indicator in indicators else "persons",
        "indicators": indicators,
        "region_path": selectors.region_path(code) if figures.region else [],
        "show_map": figures.region is None,
    }
    return render(request, "web/dashboard.html", context)


# Each queue of ``grievances.selectors.waiting_for``: its name and its list.
QUEUES = {
    "complaints": (_("Complaints to answer"), "web:complaints"),
    "objections": (_("Objections to verify"), "web:objections"),
    "proposals": (_("Proposals at your step"), "web:proposals"),
    "corrections": (_("Corrections to review"), "web:corrections"),
    "decision_reviews": (_("Objections to decisions to review"), "web:decision-reviews"),
    "duplicates": (_("Possible duplicates to review"), "web:duplicates"),
}


def _queues(user: User) -> list[dict[str, Any]]:
    today = date.today()
    return [
        {
            "kind": queue.kind,
            "label": QUEUES[queue.kind][0],
            "url": QUEUES[queue.kind][1],
            "count": queue.count,
            "due": queue.due,
            "overdue": queue.due is not None and queue.due < today,
        }
        for queue in waiting_for(user)
    ]


@login_required
@require_GET
def region_figures(request: AuthenticatedRequest) -> JsonResponse:
    """The areas of the current view with every indicator, for the map and charts."""
    user = request.user
    figures = dashboard_for(user, _region(request))
    served: dict[str, dict[str, int]] = {}
    if figures.areas and access.has_role(user, access.TARGETING_READERS):
        length = len(figures.areas[0].code)  # the areas the registry's figures break into
        served = coverage.coverage_by_area(user, figures.total.code, length)
    empty = dict.fromkeys(COVERAGE_INDICATORS, 0) if served else {}
    return JsonResponse(
        {
            "areas": {
                area.code: {
                    "name": area.name,
                    **{i: getattr(area, i) for i in INDICATORS},
                    **empty,
                    **served.get(area.code, {}),
                }
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
    return download(rows, f"sejahtera-regions-{figures.total.code or 'id'}", fmt)
