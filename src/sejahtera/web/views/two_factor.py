"""Two-step verification: adding an authenticator app (QR code or typed secret, confirmed by a
code), giving a code after the password, and recovery codes for a lost phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from sejahtera.accounts import two_factor
from sejahtera.web.http import AuthenticatedRequest


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


@never_cache  # the recovery codes are shown once
@login_required
def setup(request: AuthenticatedRequest) -> HttpResponse:
    """The user's two-step verification: its state, and adding or replacing the authenticator.
    Replacing needs a verified session, so a stolen password alone cannot swap it."""
    user = request.user
    has_one = two_factor.has_authenticator(user)
    if has_one and not two_factor.is_verified(user):
        return redirect("web:two-factor-verify")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_authenticator(user, form.cleaned_data["code"])
        if codes is not None:
            _verified(request, two_factor.confirmed_authenticator(user))
            return render(request, "web/account/recovery_codes.html", {"codes": codes})
        form.add_error("code", _("That code is not the one the app shows now. Try the next one."))
    adding = not has_one or "replace" in request.GET or request.method == "POST"
    device = two_factor.pending_authenticator(user) if adding else None
    return render(
        request,
        "web/account/two_factor.html",
        {
            "form": form,
            "adding": adding,
            "has_authenticator": has_one,
            "required": two_factor.is_required(user),
            "qr_code": device and two_factor.qr_code(device),
            "secret": device and two_factor.secret_text(device),
            "recovery_left": two_factor.remaining_recovery_codes(user),
            "next": _next_of(request),
        },
    )


@login_required
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """The code after the password (or a recovery code)."""
    if not two_factor.has_authenticator(request.user):
        return redirect("web:two-factor-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            return redirect(_next_of(request))
        form.add_error(
            "code",
            _("That code is wrong or used up. Wait a moment after several tries; then try again."),
        )
    return render(
        request, "web/account/two_factor_verify.html", {"form": form, "next": _next_of(request)}
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    if not two_factor.is_verified(request.user):
        return redirect("web:two-factor-verify")
    codes = two_factor.new_recovery_codes(request.user)
    return render(request, "web/account/recovery_codes.html", {"codes": codes})


def _verified(request: AuthenticatedRequest, device: Any) -> None:
    """The session verified by ``device``, under a new key: a session id seen before the code
    was given (after the password alone) does not become a verified one."""
    otp_login(request, device)
    request.session.cycle_key()


def _next_of(request: AuthenticatedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target else "/"
