from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from sejahtera.accounts.models import Role
from sejahtera.web.http import AuthenticatedRequest

ROLE_HOMES: dict[str, str] = {
    Role.VILLAGE_OPERATOR: "web:registry",
    Role.SOCIAL_WORKER: "web:my-work",
    Role.SUPERVISOR: "web:cases-team",
    Role.DISTRICT_OFFICE: "web:dashboard",
    Role.REGENT: "web:proposals",
    Role.PROVINCIAL_OFFICE: "web:dashboard",
    Role.MINISTRY_ANALYST: "web:dashboard",
    Role.PROGRAMME_MANAGER: "web:decrees",
    Role.AUDITOR: "web:dashboard",
    Role.ADMINISTRATOR: "web:dashboard",
    Role.PARTNER_AGENCY: "web:partner",
}


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Each role lands on its own home."""
    return redirect(ROLE_HOMES.get(request.user.role, "web:no-access"))


@login_required
def no_access(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "web/no_access.html", status=403)
