"""The user's own account: API tokens (created here, shown once, revocable) and
notifications (their own only)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sejahtera.accounts import notifications, tokens
from sejahtera.accounts.models import ApiToken
from sejahtera.accounts.scopes import DEFAULT_LIFETIME_DAYS, LIFETIME_DAYS
from sejahtera.web.http import AuthenticatedRequest


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name (which system uses it)"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Allowed"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Valid for"),
        choices=[
            (days, ngettext_lazy("%(days)d day", "%(days)d days", "days") % {"days": days})
            for days in LIFETIME_DAYS
        ],
        coerce=int,
        initial=DEFAULT_LIFETIME_DAYS,
        required=False,
    )

    def clean_days(self) -> int:
        return self.cleaned_data["days"] or DEFAULT_LIFETIME_DAYS


@never_cache  # a new token's secret is shown once
@login_required
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = tokens.create_token(request.user, **form.cleaned_data)
        except tokens.TokenRefused as refused:
            form.add_error(None, str(refused))
        else:
            form = TokenForm()
    return render(
        request,
        "web/account/tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": request.user.api_tokens.select_related("region"),
            "now": timezone.now(),
            "user_scope": (request.user.role, request.user.region_id),
        },
    )


@login_required
@require_POST
def revoke_token(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = request.user.api_tokens.filter(pk=pk).first()
    if token is not None:
        tokens.revoke(token)
        messages.success(request, _("Token revoked."))
    return redirect("web:api-tokens")


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    """The user's notifications, newest first; the page, once shown, marks them read."""
    rows = [
        {"notification": n, "message": notifications.message(n), "case": n.params.get("case")}
        for n in notifications.for_user(request.user)
    ]
    newest = max((row["notification"].pk for row in rows), default=None)
    return render(request, "web/account/notifications.html", {"rows": rows, "newest": newest})


@login_required
@require_POST
def notifications_read(request: AuthenticatedRequest) -> HttpResponse:
    """Sent by the notifications page once shown: a POST with the page's CSRF token, so
    another site cannot mark someone's notifications read (a GET it could)."""
    try:
        up_to = int(request.POST.get("up_to", ""))
    except ValueError:
        return HttpResponse(status=400)
    notifications.mark_read(request.user, up_to)
    return HttpResponse(status=204)
