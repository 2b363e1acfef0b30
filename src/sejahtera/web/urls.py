from django.contrib.auth import views as auth_views
from django.urls import path

from sejahtera.web.views import account, cases, dashboard, home, imports, registry, targeting

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    path("no-access/", home.no_access, name="no-access"),
    path("partner/", cases.partner, name="partner"),
    path("cases/", cases.my_work, name="my-work"),
    path("cases/team/", cases.team, name="cases-team"),
    path("cases/report/", cases.report, name="cases-report"),
    path("cases/report.csv", cases.report_csv, name="cases-report-csv"),
    path("cases/report/<str:name>.csv", cases.report_csv, name="cases-report-table-csv"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/open/<int:household_pk>/", cases.open_case, name="case-open"),
    path(
        "cases/<int:pk>/graduations/<int:graduation_pk>/letter.pdf",
        cases.graduation_letter,
        name="graduation-letter",
    ),
    path("cases/<int:pk>/evidence/<int:event_pk>/", cases.evidence_file, name="case-evidence"),
    path("cases/<int:pk>/<str:kind>/", cases.case_record, name="case-record"),
    path(
        "cases/graduations/<int:pk>/decide/",
        cases.decide_graduation,
        name="graduation-decide",
    ),
    path("registry/", registry.search, name="registry"),
    path("registry/export.<str:fmt>", registry.export, name="registry-export"),
    path("registry/nik-check/", registry.nik_check, name="nik-check"),
    path("registry/households/new/", registry.register, name="register"),
    path("registry/households/member-form/", registry.member_form, name="member-form"),
    path("registry/households/<int:pk>/", registry.household, name="household"),
    path("registry/households/<int:pk>/card.pdf", registry.household_card, name="household-card"),
    path("registry/households/<int:pk>/edit/", registry.edit_household, name="household-edit"),
    path("registry/persons/<int:pk>/edit/", registry.edit_person, name="person-edit"),
    path("imports/", imports.imports, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("imports/<int:pk>/report.csv", imports.import_report, name="import-report"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("account/api-tokens/", account.api_tokens, name="api-tokens"),
    path("account/notifications/", account.notification_list, name="notifications"),
    path("account/api-tokens/<int:pk>/revoke/", account.revoke_token, name="api-token-revoke"),
    path("targeting/", targeting.runs, name="targeting"),
    path("targeting/what-if/", targeting.whatif, name="targeting-whatif"),
    path("targeting/what-if/budgets/", targeting.whatif_budgets, name="targeting-whatif-budgets"),
    path("targeting/runs/<int:pk>/", targeting.run_detail, name="targeting-run"),
    path("targeting/runs/<int:pk>/diff/", targeting.run_diff, name="targeting-diff"),
    path("targeting/runs/<int:pk>/diff.csv", targeting.run_diff_csv, name="targeting-diff-csv"),
    path("targeting/runs/<int:pk>/compare/", targeting.run_compare, name="targeting-compare"),
    path(
        "targeting/runs/<int:pk>/compare.csv",
        targeting.run_compare_csv,
        name="targeting-compare-csv",
    ),
    path("targeting/runs/<int:pk>/audit/", targeting.run_audit, name="targeting-audit"),
    path("targeting/runs/<int:pk>/audit.csv", targeting.run_audit_csv, name="targeting-audit-csv"),
    path("dashboard/regions.json", dashboard.region_figures, name="dashboard-regions"),
    path("dashboard/export.<str:fmt>", dashboard.export, name="dashboard-export"),
    path("dashboard/provinces.geojson", dashboard.provinces_geojson, name="provinces-geojson"),
]

auth_urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
