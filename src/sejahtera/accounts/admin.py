from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts.models import ApiToken, SensitiveAccess, User


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


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(admin.ModelAdmin):
    list_display = ("accessed_at", "user", "entity", "record_ids", "path")
    list_filter = ("entity",)
    search_fields = ("user__username", "path")
    readonly_fields = ("accessed_at", "user", "entity", "record_ids", "path")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created in the web application (Akun → Token API) or with
    `sejahtera token create`, where the secret is shown once; here they can be revoked."""

    list_display = ("prefix", "name", "user", "scopes", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    actions = ["revoke_tokens"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_tokens(self, request, queryset):
        from sejahtera.accounts.tokens import revoke

        for token in queryset:
            revoke(token)
