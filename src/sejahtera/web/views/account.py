"""The user's own account: API tokens (created here, shown once, revocable) and
notifications (their own only)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sejahtera.accounts import notifications, tokens
from sejahtera.accounts.models import ApiToken
from sejahtera.web.http import AuthenticatedRequest


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name (which system uses it)"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Allowed"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )


@never_cache  # a new token's secret is shown once
@login_required
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = tokens.create_token(
            request.user, form.cleaned_data["name"], form.cleaned_data["scopes"]
        )
        form = TokenForm()
    return render(
        request,
        "web/account/tokens.html",
        {"form": form, "secret": secret, "tokens": request.user.api_tokens.all()},
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
    """The user's notifications, newest first; opening the list marks them read."""
    rows = [
        {"notification": n, "message": notifications.message(n), "case": n.params.get("case")}
        for n in notifications.for_user(request.user)
    ]
    notifications.mark_read(request.user)
    return render(request, "web/account/notifications.html", {"rows": rows})
