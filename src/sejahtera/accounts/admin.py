from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts.access import log_sensitive_read
from sejahtera.accounts.models import ApiToken, AuditEntry, SensitiveAccess, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "region", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("region",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Role and scope"), {"fields": ("role", "region", "organisation")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role", "region", "organisation")}),
    )


class ReadsLoggedAdmin(admin.ModelAdmin):
    """Personal data read in the admin is an entry in the audit trail, as on the pages: the
    records a list page or a change page showed (``reads`` names them by entity)."""

    def reads(self, objects: list[Any]) -> dict[str, list[int]]:
        raise NotImplementedError

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            self._log(request, list(changelist.result_list))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None:
            self._log(request, [shown])
        return response

    def _log(self, request, objects: list[Any]) -> None:
        for entity, ids in self.reads(objects).items():
            log_sensitive_read(request.user, entity, ids, request.path)


class AuditTrailAdmin(admin.ModelAdmin):
    """An audit trail is read, never written or deleted, from the admin (the database refuses
    it too on PostgreSQL: see the triggers in accounts/migrations/0005)."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditTrailAdmin):
    list_display = ("id", "at", "user", "action", "entity", "record_ids", "path")
    list_filter = ("action", "entity")
    search_fields = ("user__username", "path", "request_id")
    date_hierarchy = "at"


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(AuditTrailAdmin):
    list_display = ("at", "user", "entity", "record_ids", "path")
    list_filter = ("entity",)
    search_fields = ("user__username", "path")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked here, never issued: a token acts as its user, so one
    issued here in a colleague's name would let an administrator act as them (approve their
    own decree, say). A user makes their own on the account page; an operator with the
    server's shell runs ``sejahtera token create``."""

    list_display = ("prefix", "name", "user", "scopes", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    actions = ["revoke_tokens"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_tokens(self, request, queryset):
        from sejahtera.accounts.tokens import revoke

        for token in queryset:
            revoke(token)
