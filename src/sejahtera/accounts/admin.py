from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name", "scopes", "expires_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Adding a token shows its secret once (as on the account page); tokens are revoked, never
    edited."""

    form = ApiTokenForm
    list_display = ("prefix", "name", "user", "scopes", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    autocomplete_fields = ("user",)
    actions = ["revoke_tokens"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from sejahtera.accounts.tokens import issue_secret

        secret = issue_secret(obj)
        super().save_model(request, obj, form, change)
        notice = _("Copy this token now — it is shown only once: %(secret)s")
        messages.warning(request, notice % {"secret": secret})

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_tokens(self, request, queryset):
        from sejahtera.accounts.tokens import revoke

        for token in queryset:
            revoke(token)
