"""Django's admin site, for administrators only.

The admin knows neither regions nor masking: it lists every person in the country, searchable
by name. Django lets in any active user with the staff flag; here the role must be the
administrator's too (whose second factor the middleware asks for, as on every page), so a
staff flag or a model permission given to an office's account opens nothing."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SejahteraAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Imported here: this module is read while the apps load, before any model.
        from sejahtera.accounts import access
        from sejahtera.accounts.models import User

        user = request.user
        return (
            super().has_permission(request)
            and isinstance(user, User)
            and access.has_role(user, access.ADMIN_SITE_USERS)
        )


class SejahteraAdminConfig(AdminConfig):
    default_site = "sejahtera.accounts.admin_site.SejahteraAdminSite"
